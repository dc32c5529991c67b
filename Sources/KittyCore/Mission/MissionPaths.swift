import Foundation

/// Names and paths inside a repository that spec-kitty 3.2.7 uses for a mission.
public enum MissionPaths {
  public static let specsDirectory = "kitty-specs"
  public static let metaFile = "meta.json"
  public static let statusFile = "status.json"
  public static let eventsFile = "status.events.jsonl"
  public static let lanesFile = "lanes.json"
  public static let tasksDirectory = "tasks"

  /// A single, harmless path segment (spec-kitty's `assert_safe_path_segment`): ASCII letters, digits,
  /// `.`, `_`, `-`, starting with a letter or digit, without `..`.
  public static func isSafeSegment(_ value: String) -> Bool {
    safeSegmentProblem(value) == nil
  }

  /// Why `value` is not a safe path segment, in spec-kitty's words; nil when it is safe.
  public static func safeSegmentProblem(_ value: String) -> String? {
    let stripped = value.trimmingWhitespace
    let shown = "Not a safe path segment: \(pythonQuote(value)) \u{2014} value must"
    if stripped.isEmpty { return "\(shown) not be empty or whitespace-only." }
    if stripped != value { return "\(shown) not contain leading or trailing whitespace." }
    if stripped.contains("..") { return "\(shown) not contain '..' (traversal guard)." }
    if stripped.hasPrefix(".") { return "\(shown) not begin with '.' (traversal guard)." }
    if stripped.contains("/") || stripped.contains("\\") { return "\(shown) not contain path separators." }
    let scalars = Array(stripped.unicodeScalars)
    let isAlnum: (Unicode.Scalar) -> Bool = { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    if !isAlnum(scalars[0]) || !scalars.allSatisfy({ isAlnum($0) || $0 == "." || $0 == "_" || $0 == "-" }) {
      return "\(shown) match the canonical segment grammar (ASCII alphanumerics, hyphens, underscores, "
        + "and interior dots only; must begin with an alphanumeric character)."
    }
    return nil
  }

  /// Python's `repr()` of a string, for messages that quote user input like spec-kitty does.
  public static func pythonQuote(_ value: String) -> String {
    let hasQuote = value.utf8.contains(UInt8(ascii: "'"))
    if hasQuote && !value.utf8.contains(UInt8(ascii: "\"")) { return "\"\(value)\"" }
    // Backslashes and quotes escaped scalar by scalar (NSString's replacingOccurrences cost every read verb).
    var quoted = "'"
    for scalar in value.unicodeScalars {
      if scalar == "\\" || scalar == "'" { quoted.unicodeScalars.append("\\") }
      quoted.unicodeScalars.append(scalar)
    }
    return quoted + "'"
  }

  public static func missionBranch(slug: String) -> String { "kitty/mission-\(slug)" }
  /// `kitty/mission-<slug>-<lane>`; a legacy `NNN-` prefix is dropped from slugs that carry a mid8.
  public static func laneBranch(slug: String, laneID: String) -> String {
    var body = Substring(slug)
    if MissionLocator.mid8Suffix(of: slug) != nil, MissionLocator.legacyNumber(of: slug) != nil {
      body = body.dropFirst(4)
    }
    return "kitty/mission-\(body)-\(laneID)"
  }
  public static func laneWorktree(repoRoot: String, slug: String, laneID: String) -> String {
    "\(repoRoot)/.worktrees/\(slug)-\(laneID)"
  }
  /// The coordination worktree of a coord-topology mission (spec-kitty's `<slug>-coord`).
  public static func coordinationWorktree(repoRoot: String, slug: String) -> String {
    "\(repoRoot)/.worktrees/\(slug)-coord"
  }
  public static func legacyWorktree(repoRoot: String, slug: String, wpID: String) -> String {
    "\(repoRoot)/.worktrees/\(slug)-\(wpID)"
  }
}
