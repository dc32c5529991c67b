import Foundation
import KittyBasics
import KittyCore
import KittyGit
import KittyWorkspaces

/// Installs git-kitty's hooks where git looks for them (`core.hooksPath` honoured), never clobbering a hook
/// that was there: it is kept as `<hook>.pre-kitty` and called from ours, and restored on uninstall.
public struct HookInstaller: Sendable {
  public let root: String

  public init(root: String) {
    self.root = root
  }

  public static let marker = ">>> git-kitty hook"

  public enum State: String, Sendable {
    case ours, chained, foreign, missing, outdated
  }

  public struct Entry: Sendable {
    public var name: String
    public var path: String
    public var state: State
    public var json: JSONValue { ["hook": .string(name), "path": .string(path), "state": .string(state.rawValue)] }
  }

  /// The hooks directory as git resolves it (`git rev-parse --git-path hooks`).
  public func hooksDirectory() throws -> String {
    let result = ChildProcess.runCapturing(
      ["git", "rev-parse", "--git-path", "hooks"], directory: root, environment: ChildProcess.scrubbedEnvironment(),
      timeout: 30)
    guard result.status == 0 else {
      throw WorkspaceError.io("git rev-parse --git-path hooks failed: \(result.stderr.trimmingWhitespace)")
    }
    let path = result.stdout.trimmingWhitespace
    return path.hasPrefix("/") ? path : ((root as NSString).appendingPathComponent(path) as NSString).standardizingPath
  }

  /// Another hook manager that owns the hooks, with the lines to add to its configuration.
  public func otherManager() -> (name: String, instructions: String)? {
    let hooksPath = (try? Repository.open(at: root).configString("core.hooksPath")) ?? nil
    if let hooksPath, hooksPath.contains(".husky") {
      return (
        "husky",
        """
        husky owns core.hooksPath (\(hooksPath)). Add to .husky/pre-commit and .husky/post-commit:
          git-kitty hook run pre-commit "$@"
          git-kitty hook run post-commit "$@"
        and to .husky/pre-push (reads the push list on stdin):
          git-kitty hook run pre-push "$@"
        (reference-transaction is not supported by husky; run git kitty hooks install --force to chain instead)
        """
      )
    }
    for file in ["lefthook.yml", ".lefthook.yml", "lefthook.yaml"]
    where FileManager.default.fileExists(atPath: "\(root)/\(file)") {
      return (
        "lefthook",
        """
        lefthook manages the hooks (\(file)). Add:
          pre-commit:
            commands:
              git-kitty:
                run: git-kitty hook run pre-commit
          post-commit:
            commands:
              git-kitty:
                run: git-kitty hook run post-commit
          pre-push:
            commands:
              git-kitty:
                run: git-kitty hook run pre-push {0}
                use_stdin: true
        then: lefthook install
        """
      )
    }
    if FileManager.default.fileExists(atPath: "\(root)/.pre-commit-config.yaml") {
      return (
        "pre-commit",
        """
        the pre-commit framework manages the hooks (.pre-commit-config.yaml). Add:
          - repo: local
            hooks:
              - id: git-kitty
                name: git-kitty guards
                entry: git-kitty hook run pre-commit
                language: system
                pass_filenames: false
                always_run: true
        then: pre-commit install; and run git kitty hooks install --force to add post-commit and reference-transaction
        """
      )
    }
    return nil
  }

  /// The installed text of a hook: the template with this repository's protected branches.
  public func rendered(_ name: String) throws -> String {
    guard let template = HookScripts.template(name) else { throw WorkspaceError.notFound("hook \(name)") }
    let context = try RepositoryContext.locate(from: root)
    let list = context.protection.branches.sorted().joined(separator: " ")
    return template.replacingOccurrences(of: "@PROTECTED@", with: list)
  }

  public func status() throws -> [Entry] {
    let dir = try hooksDirectory()
    return try HookScripts.names.map { name in
      let path = "\(dir)/\(name)"
      guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        return Entry(name: name, path: path, state: .missing)
      }
      guard text.contains(Self.marker) else { return Entry(name: name, path: path, state: .foreign) }
      if text != (try rendered(name)) { return Entry(name: name, path: path, state: .outdated) }
      let chained = FileManager.default.fileExists(atPath: "\(path).pre-kitty")
      return Entry(name: name, path: path, state: chained ? .chained : .ours)
    }
  }

  /// Installs (or refreshes) every hook; returns what it did.
  public func install(force: Bool) throws -> [String] {
    if let manager = otherManager(), !force {
      return ["\(manager.name) detected: nothing installed. \(manager.instructions)"]
    }
    let dir = try hooksDirectory()
    try Self.prepareDirectory(dir)
    var report: [String] = []
    for name in HookScripts.names {
      let path = "\(dir)/\(name)"
      let text = try rendered(name)
      if let existing = try? String(contentsOfFile: path, encoding: .utf8) {
        if existing == text {
          report.append("\(name): up to date")
          continue
        }
        if !existing.contains(Self.marker) {
          let keep = "\(path).pre-kitty"
          if FileManager.default.fileExists(atPath: keep) {
            report.append("\(name): left alone (both \(name) and \(name).pre-kitty exist and are not git-kitty's)")
            continue
          }
          try FileManager.default.moveItem(atPath: path, toPath: keep)
          report.append("\(name): kept your hook as \(name).pre-kitty and chained it")
        } else {
          report.append("\(name): updated")
        }
      } else {
        report.append("\(name): installed")
      }
      try AtomicFile.write(Data(text.utf8), to: path, mode: 0o755)
      chmod(path, 0o755)
    }
    return report
  }

  /// Creates the hooks directory, or says why it cannot be one (a file in its place, core.hooksPath pointing
  /// somewhere that cannot be created).
  static func prepareDirectory(_ dir: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw WorkspaceError.io(
          "\(dir) is a file, but git runs hooks from a directory there. Move the file away (or point core.hooksPath "
            + "at a directory) and run git kitty hooks install again")
      }
      return
    }
    do {
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    } catch {
      throw WorkspaceError.io(
        "cannot create the hooks directory \(dir): \(FileError.reason(error)). Point core.hooksPath at a writable "
          + "directory (git config core.hooksPath <dir>) or unset it (git config --unset core.hooksPath)")
    }
  }

  public func uninstall() throws -> [String] {
    let dir = try hooksDirectory()
    var report: [String] = []
    for name in HookScripts.names {
      let path = "\(dir)/\(name)"
      guard let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains(Self.marker) else { continue }
      try FileManager.default.removeItem(atPath: path)
      if FileManager.default.fileExists(atPath: "\(path).pre-kitty") {
        try FileManager.default.moveItem(atPath: "\(path).pre-kitty", toPath: path)
        report.append("\(name): removed; your previous hook is back")
      } else {
        report.append("\(name): removed")
      }
    }
    if !report.isEmpty { removeNotes() }
    return report.isEmpty ? ["no git-kitty hooks were installed"] : report
  }

  /// The files the hooks leave in each worktree's git directory to spare work (kitty-status-clean,
  /// kitty-lane-idle, kitty-autoreview-*): they check themselves, but go with the hooks.
  static let notePrefixes = ["kitty-status-clean", "kitty-lane-idle", "kitty-autoreview"]

  func removeNotes() {
    guard let repo = try? Repository.open(at: root) else { return }
    let common = Path.stripTrailingSlash(repo.commonDirectory)
    let fm = FileManager.default
    let worktrees = (try? fm.contentsOfDirectory(atPath: "\(common)/worktrees")) ?? []
    for directory in [common] + worktrees.map({ "\(common)/worktrees/\($0)" }) {
      for name in (try? fm.contentsOfDirectory(atPath: directory)) ?? []
      where Self.notePrefixes.contains(where: { name.hasPrefix($0) }) {
        unlink("\(directory)/\(name)")
      }
    }
  }
}
