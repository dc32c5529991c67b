import Foundation
import KittyGit

/// `.worktreeinclude` at the repository root (Claude Code's convention): gitignore-style patterns naming the
/// ignored files a new worktree needs but git does not carry, such as `.env`. Only paths ignored in the main
/// checkout are candidates, and a copy happens only where the worktree lacks the path and ignores it too, so a
/// copy never overwrites anything and never makes the worktree dirty.
public struct WorktreeInclude: Sendable {
  public static let fileName = ".worktreeinclude"

  struct Rule: @unchecked Sendable {  // @unchecked: NSRegularExpression is immutable, not marked Sendable
    var pattern: String
    var regex: NSRegularExpression
    var negated: Bool
    var directoryOnly: Bool
    /// A pattern with a slash before its end matches whole relative paths; others match the last component.
    var anchored: Bool
  }

  let rules: [Rule]

  /// The patterns of `<root>/.worktreeinclude`, nil when there is none (or it holds no pattern).
  public init?(root: String) {
    guard let text = try? String(contentsOfFile: "\(root)/\(Self.fileName)", encoding: .utf8) else { return nil }
    self.init(text: text)
    if rules.isEmpty { return nil }
  }

  init(text: String) {
    rules = text.split(whereSeparator: \.isNewline).compactMap { Self.rule(String($0)) }
  }

  static func rule(_ line: String) -> Rule? {
    var text = Substring(line)
    while text.hasSuffix(" ") && !text.hasSuffix("\\ ") { text = text.dropLast() }
    if text.isEmpty || text.hasPrefix("#") { return nil }
    var negated = false
    if text.hasPrefix("!") {
      negated = true
      text = text.dropFirst()
    } else if text.hasPrefix("\\!") || text.hasPrefix("\\#") {
      text = text.dropFirst()
    }
    var directoryOnly = false
    if text.hasSuffix("/") {
      directoryOnly = true
      text = text.dropLast()
    }
    let anchored = text.contains("/")
    if text.hasPrefix("/") { text = text.dropFirst() }
    guard !text.isEmpty, let regex = try? NSRegularExpression(pattern: Self.regex(glob: String(text))) else {
      return nil
    }
    return Rule(
      pattern: String(text), regex: regex, negated: negated, directoryOnly: directoryOnly, anchored: anchored)
  }

  /// gitignore's glob as a regular expression: `*` and `?` stay inside one component, a leading `**/` and a
  /// middle `/**/` match any number of directories, a trailing `/**` everything below.
  static func regex(glob: String) -> String {
    let chars = Array(glob)
    var out = "^"
    var i = 0
    while i < chars.count {
      let c = chars[i]
      switch c {
      case "*" where i + 1 < chars.count && chars[i + 1] == "*":
        let slashBefore = i == 0 || chars[i - 1] == "/"
        if slashBefore && i + 2 < chars.count && chars[i + 2] == "/" {
          out += "(?:.*/)?"
          i += 3
          continue
        }
        if slashBefore && i + 2 == chars.count {
          out += ".*"
          i += 2
          continue
        }
        out += "[^/]*"
        i += 2
        continue
      case "*": out += "[^/]*"
      case "?": out += "[^/]"
      case "[":
        if let close = chars[(i + 1)...].dropFirst().firstIndex(of: "]") {
          var set = String(chars[(i + 1)..<close])
          if set.hasPrefix("!") { set = "^" + set.dropFirst() }
          out += "[" + set.replacingOccurrences(of: "\\", with: "\\\\") + "]"
          i = close + 1
          continue
        }
        out += "\\["
      case "\\" where i + 1 < chars.count:
        out += NSRegularExpression.escapedPattern(for: String(chars[i + 1]))
        i += 2
        continue
      default: out += NSRegularExpression.escapedPattern(for: String(c))
      }
      i += 1
    }
    return out + "$"
  }

  /// Whether a relative path (a directory ends with `/`) is included: the last rule that matches it decides, and
  /// a path no rule matches takes the decision of its nearest matching parent directory.
  func includes(_ path: String) -> Bool {
    var components = path.split(separator: "/").map(String.init)
    let isDirectory = path.hasSuffix("/")
    var decision = false
    var prefix: [String] = []
    while !components.isEmpty {
      prefix.append(components.removeFirst())
      let directory = !components.isEmpty || isDirectory
      if let verdict = verdict(prefix.joined(separator: "/"), name: prefix.last!, directory: directory) {
        decision = verdict
      }
    }
    return decision
  }

  func verdict(_ path: String, name: String, directory: Bool) -> Bool? {
    var result: Bool?
    for rule in rules where !rule.directoryOnly || directory {
      let subject = rule.anchored ? path : name
      let range = NSRange(location: 0, length: (subject as NSString).length)
      if rule.regex.firstMatch(in: subject, range: range) != nil { result = !rule.negated }
    }
    return result
  }

  /// Whether a rule names a path inside the ignored directory `directory` (ending with `/`), so that it is worth
  /// walking when it is not included whole. Only rules that spell the directory out count: a bare `.env` does
  /// not send the copy through every ignored `node_modules/`.
  func mayIncludeInside(_ directory: String) -> Bool {
    rules.contains { !$0.negated && $0.anchored && $0.pattern.hasPrefix(directory) }
  }

  static let neverCopied = [".worktrees/", ".kittify/", ".git/"]

  public struct Outcome: Sendable, Equatable {
    /// Relative paths copied (directories end with `/`).
    public var copied: [String] = []
    /// Paths that could not be copied, with the reason.
    public var problems: [String] = []

    /// One line per report: what was copied, then each problem.
    public var messages: [String] {
      (copied.isEmpty ? [] : ["copied from .worktreeinclude: \(copied.joined(separator: ", "))"])
        + problems.map { ".worktreeinclude: \($0)" }
    }
  }

  /// Copies into `worktree` what `.worktreeinclude` names among the main checkout's ignored paths, where the
  /// worktree lacks the path and ignores it too. A repository without the file copies nothing.
  public static func apply(root: String, worktree: String) -> Outcome {
    var outcome = Outcome()
    guard let include = WorktreeInclude(root: root), worktree != root else { return outcome }
    guard let main = try? Repository.open(at: root), let lane = try? Repository.open(at: worktree),
      let ignored = try? main.ignoredPaths()
    else {
      outcome.problems.append("cannot list the ignored files of \(root)")
      return outcome
    }
    let fm = FileManager.default
    var candidates: [String] = []
    // Never the lane worktrees themselves, nor git-kitty's own runtime files (logs, locks, run state).
    for path in ignored where !Self.neverCopied.contains(where: { path.hasPrefix($0) }) {
      if include.includes(path) {
        candidates.append(path)
      } else if path.hasSuffix("/"), include.mayIncludeInside(path) || (try? main.isIgnored(path)) == false {
        // Walked: a directory a rule names a path inside, or one reported only because all it holds is ignored.
        let files = (fm.enumerator(atPath: "\(root)/\(path)")?.allObjects as? [String]) ?? []
        candidates += files.map { path + $0 }.filter { entry in
          var isDirectory: ObjCBool = false
          return fm.fileExists(atPath: "\(root)/\(entry)", isDirectory: &isDirectory) && !isDirectory.boolValue
            && include.includes(entry)
        }
      }
    }
    for path in candidates.sorted() {
      let relative = path.hasSuffix("/") ? String(path.dropLast()) : path
      let target = "\(worktree)/\(relative)"
      if (try? fm.attributesOfItem(atPath: target)) != nil { continue }  // never overwrite (also a dangling link)
      guard (try? lane.isIgnored(path)) == true else {
        outcome.problems.append("\(relative) is not ignored in \(worktree): not copied")
        continue
      }
      do {
        try fm.createDirectory(
          atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try fm.copyItem(atPath: "\(root)/\(relative)", toPath: target)
        outcome.copied.append(path)
      } catch {
        outcome.problems.append("\(relative): \(error.localizedDescription)")
      }
    }
    return outcome
  }
}
