import Foundation
import KittyCore
import KittyHost
import KittyTestSupport
import Testing

/// start-implementation on a WP in progress re-merges the dependency tips approved since (issue 14 item 6), as
/// spec-kitty 3.2.7's reuse of a clean lane worktree does; a dirty worktree resumes as it is.
@Suite struct DependencyRemergeTests {
  static let slug = WriteFixture.slug
  static let policy = WriteFixture.policy

  static func api(_ arguments: [String], _ repo: String) throws -> OrchestratorAPI.Response {
    try MergeMissionTests.api(arguments, repo)
  }

  /// WP01 approved → WP02 started → WP01 back to in_progress, a new commit, approved again.
  static func reapprovedDependency() throws -> (repo: String, newCommit: String) {
    let repo = try WriteFixture.clone()
    try MergeMissionTests.approve("WP01", lane: "lane-a", file: "src/core.sh", content: "core\n", in: repo)
    _ = try api(
      ["start-implementation", "--mission", slug, "--wp", "WP02", "--actor", "impl", "--policy", policy], repo)
    let common = ["--mission", slug, "--wp", "WP01", "--policy", policy]
    _ = try api(
      ["transition"] + common + ["--to", "in_progress", "--actor", "impl", "--force", "--note", "rework"], repo)
    let laneA = WriteFixture.laneWorktree(repo, "lane-a")
    try TestSupport.write("core v2\n", to: "\(laneA)/src/core.sh")
    try TestSupport.git(["commit", "-q", "-am", "WP01: v2"], in: laneA)
    let newCommit = try TestSupport.git(["rev-parse", "HEAD"], in: laneA).trimmingCharacters(
      in: .whitespacesAndNewlines)
    _ = try api(
      ["transition"] + common + ["--to", "for_review", "--actor", "impl", "--force", "--note", "subtasks elsewhere"],
      repo)
    _ = try api(["start-review"] + common + ["--actor", "rev"], repo)
    _ = try api(
      ["transition"] + common + [
        "--to", "approved", "--actor", "rev",
        "--review-result-json", #"{"reviewer":"rev","verdict":"approved","reference":"review://WP01/2"}"#,
      ], repo)
    return (repo, newCommit)
  }

  func hasCommit(_ commit: String, _ worktree: String) throws -> Bool {
    try TestSupport.run(TestSupport.gitPath, ["merge-base", "--is-ancestor", commit, "HEAD"], in: worktree).status == 0
  }

  @Test func aResumedStartTakesTheDependencyTipApprovedSince() throws {
    let (repo, newCommit) = try Self.reapprovedDependency()
    let laneB = WriteFixture.laneWorktree(repo, "lane-b")
    #expect(try !hasCommit(newCommit, laneB))
    let again = try Self.api(
      ["start-implementation", "--mission", Self.slug, "--wp", "WP02", "--actor", "impl", "--policy", Self.policy], repo
    )
    #expect(again.envelope.data["no_op"] == .bool(true))
    #expect(try hasCommit(newCommit, laneB), "lane-b has WP01's re-approved commit")
    #expect(try TestSupport.read("\(laneB)/src/core.sh") == "core v2\n")
  }

  @Test func aDirtyResumedWorktreeIsUsedAsItIs() throws {
    let (repo, newCommit) = try Self.reapprovedDependency()
    let laneB = WriteFixture.laneWorktree(repo, "lane-b")
    try TestSupport.write("work in progress\n", to: "\(laneB)/src/left.sh")
    let head = try TestSupport.git(["rev-parse", "HEAD"], in: laneB)
    let again = try Self.api(
      ["start-implementation", "--mission", Self.slug, "--wp", "WP02", "--actor", "impl", "--policy", Self.policy], repo
    )
    #expect(again.envelope.data["no_op"] == .bool(true))
    #expect(try TestSupport.git(["rev-parse", "HEAD"], in: laneB) == head, "nothing merged into a dirty worktree")
    #expect(try TestSupport.read("\(laneB)/src/left.sh") == "work in progress\n")
    #expect(try !hasCommit(newCommit, laneB))
  }
}
