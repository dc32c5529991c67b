import Foundation

/// Where a repository's main checkout and common directory are, found by reading the files of git's usual layouts
/// (`<root>/.git/`, or a linked worktree's `.git` file naming `<common>/worktrees/<name>`) without starting
/// libgit2: its initialisation parses the system's CA certificates, a few milliseconds a read verb can do without.
/// Anything else (bare repositories, `core.worktree`, extensions, another owner, a filesystem boundary, a `.git`
/// this does not recognise) answers nil, and the caller asks libgit2, which stays the authority.
public enum RepositoryLayout {
  public struct Found: Equatable, Sendable {
    /// The main checkout's root, as libgit2 reports it (symbolic links resolved, no trailing slash).
    public var mainRoot: String
    /// The common git directory (no trailing slash).
    public var commonDirectory: String
  }

  public static func discover(from directory: String) -> Found? {
    guard var current = realPath(directory), let start = fileInfo(current),
      !current.hasSuffix("/.git"), !current.contains("/.git/")  // inside a git directory: libgit2's case
    else { return nil }
    while true {
      guard let info = fileInfo(current), info.st_dev == start.st_dev else { return nil }  // libgit2 stops there
      if looksLikeGitDirectory(current) { return nil }  // a bare repository on the way up: libgit2's case too
      let dotGit = current + (current == "/" ? ".git" : "/.git")
      var link = stat()
      if lstat(dotGit, &link) == 0 {
        switch link.st_mode & S_IFMT {
        case S_IFDIR: return mainCheckout(root: current, gitDirectory: dotGit)
        case S_IFREG: return linkedWorktree(dotGitFile: dotGit, in: current)
        default: return nil
        }
      }
      if current == "/" { return nil }
      current = (current as NSString).deletingLastPathComponent
    }
  }

  static func mainCheckout(root: String, gitDirectory: String) -> Found? {
    guard isPlainRepository(gitDirectory) else { return nil }
    return Found(mainRoot: root, commonDirectory: gitDirectory)
  }

  /// A `.git` file `gitdir: <common>/worktrees/<name>` whose `commondir` leads back to a plain `<root>/.git`.
  static func linkedWorktree(dotGitFile: String, in directory: String) -> Found? {
    guard let text = try? String(contentsOfFile: dotGitFile, encoding: .utf8), text.hasPrefix("gitdir: ") else {
      return nil
    }
    var target = String(text.dropFirst("gitdir: ".count))
    while let last = target.last, last == "\n" || last == "\r" { target.removeLast() }
    if !target.hasPrefix("/") { target = directory + "/" + target }
    guard let gitDirectory = realPath(target), FileManager.default.fileExists(atPath: gitDirectory + "/HEAD"),
      let relative = try? String(contentsOfFile: gitDirectory + "/commondir", encoding: .utf8)
    else { return nil }
    var common = relative.trimmingCharacters(in: .newlines)
    if !common.hasPrefix("/") { common = gitDirectory + "/" + common }
    guard let resolved = realPath(common), (resolved as NSString).lastPathComponent == ".git",
      isPlainRepository(resolved)
    else { return nil }
    return Found(mainRoot: (resolved as NSString).deletingLastPathComponent, commonDirectory: resolved)
  }

  /// A git directory with HEAD, objects and refs, owned by this user, whose config sets nothing that moves the
  /// working tree or needs an extension (`core.worktree`, `core.bare = true`, `extensions.*`).
  static func isPlainRepository(_ gitDirectory: String) -> Bool {
    guard looksLikeGitDirectory(gitDirectory), let info = fileInfo(gitDirectory), info.st_uid == geteuid() else {
      return false
    }
    guard let config = try? String(contentsOfFile: gitDirectory + "/config", encoding: .utf8) else { return false }
    let lowered = config.lowercased()
    if lowered.contains("worktree") || lowered.contains("[extensions") || lowered.contains("[include") {
      return false
    }
    // Spaces and tabs removed, compared as bytes (NSString's replacingOccurrences cost a conformance scan).
    let bare = lowered.split(separator: "\n").contains {
      $0.utf8.lazy.filter { $0 != 0x20 && $0 != 0x09 }.elementsEqual("bare=true".utf8)
    }
    return !bare
  }

  static func looksLikeGitDirectory(_ path: String) -> Bool {
    let fm = FileManager.default
    return fm.fileExists(atPath: path + "/HEAD") && fm.fileExists(atPath: path + "/objects")
      && fm.fileExists(atPath: path + "/refs")
  }

  static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  static func fileInfo(_ path: String) -> stat? {
    var info = stat()
    return stat(path, &info) == 0 ? info : nil
  }
}
