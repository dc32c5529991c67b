/// Names and paths inside a repository that spec-kitty 3.2.7 uses for a mission.
public enum MissionPaths {
  public static let specsDirectory = "kitty-specs"
  public static let metaFile = "meta.json"
  public static let statusFile = "status.json"
  public static let eventsFile = "status.events.jsonl"
  public static let lanesFile = "lanes.json"
  public static let tasksDirectory = "tasks"

  /// A single, harmless path segment: no separators, not `.`/`..`, no NUL, not empty.
  public static func isSafeSegment(_ value: String) -> Bool {
    guard !value.isEmpty, value != ".", value != ".." else { return false }
    return !value.contains("/") && !value.contains("\\") && !value.contains("\0")
  }

  public static func missionBranch(slug: String) -> String { "kitty/mission-\(slug)" }
  public static func laneBranch(slug: String, laneID: String) -> String {
    "kitty/mission-\(slug)-\(laneID)"
  }
  public static func laneWorktree(repoRoot: String, slug: String, laneID: String) -> String {
    "\(repoRoot)/.worktrees/\(slug)-\(laneID)"
  }
  public static func legacyWorktree(repoRoot: String, slug: String, wpID: String) -> String {
    "\(repoRoot)/.worktrees/\(slug)-\(wpID)"
  }
}
