import Foundation

/// Drives the `lanes-fresh` mission through the built binary's orchestrator-api, for tests that need a WP in a
/// given lane before the call they examine.
public enum MissionDriver {
  public static let slug = WriteFixture.slug

  /// Runs `git-kitty orchestrator-api <arguments>` in `repo`; throws unless it succeeds.
  @discardableResult
  public static func api(_ arguments: [String], _ repo: String, environment: [String: String] = [:]) throws
    -> TestSupport.CommandResult
  {
    let result = try GitKittyBinary.run(["orchestrator-api"] + arguments, in: repo, environment: environment)
    guard result.status == 0, result.stdout.contains(#""success": true"#) else {
      throw TestFailure("orchestrator-api \(arguments.prefix(5).joined(separator: " ")) failed: \(result.stdout)")
    }
    return result
  }

  public static func start(_ wp: String, _ repo: String, actor: String = "impl") throws {
    try api(
      ["start-implementation", "--mission", slug, "--wp", wp, "--actor", actor, "--policy", WriteFixture.policy], repo)
  }

  /// Commits `file` in the WP's lane worktree.
  public static func work(_ wp: String, lane: String, file: String, _ repo: String) throws {
    let worktree = WriteFixture.laneWorktree(repo, lane)
    try TestSupport.write("\(wp) was here\n", to: "\(worktree)/\(file)")
    try TestSupport.git(["add", file], in: worktree)
    try TestSupport.git(["commit", "-q", "-m", "\(wp): work"], in: worktree)
  }

  public static func toReview(_ wp: String, _ repo: String) throws {
    try api(
      [
        "transition", "--mission", slug, "--wp", wp, "--to", "for_review", "--actor", "impl", "--policy",
        WriteFixture.policy, "--force", "--note", "subtasks tracked elsewhere",
      ], repo)
  }

  public static func startReview(_ wp: String, _ repo: String) throws {
    try api(["start-review", "--mission", slug, "--wp", wp, "--actor", "rev", "--policy", WriteFixture.policy], repo)
  }

  public static func approveReviewed(_ wp: String, _ repo: String) throws {
    try api(
      [
        "transition", "--mission", slug, "--wp", wp, "--to", "approved", "--actor", "rev", "--policy",
        WriteFixture.policy, "--review-result-json", #"{"reviewer":"rev","verdict":"approved","reference":"r"}"#,
      ], repo)
  }

  /// start → commit `file` in the lane worktree → for_review → review → approved.
  public static func approve(_ wp: String, lane: String, file: String, _ repo: String) throws {
    try start(wp, repo)
    try work(wp, lane: lane, file: file, repo)
    try toReview(wp, repo)
    try startReview(wp, repo)
    try approveReviewed(wp, repo)
  }
}
