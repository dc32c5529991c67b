import Foundation
import KittyCore
import KittyHost
@testable import KittyOrchestrator
import KittyTestSupport
import Testing

/// A reviewer cannot change what gets merged: whatever it commits or leaves in the lane worktree is put aside
/// under refs/kitty/reviewer/… and the lane goes back to the commit it was asked to review.
@Suite struct ReviewSafetyTests {
  func git(_ args: [String], in dir: String) throws -> String {
    try TestSupport.git(args, in: dir).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test func aReviewerThatCommitsAndEditsChangesNothingThatIsMerged() async throws {
    // The reviewer commits a file, edits the WP's own file, leaves an untracked file, then approves.
    let review = """
      echo sneaky > reviewer.txt && git add reviewer.txt && git -c commit.gpgsign=false commit -qm 'reviewer commit'
      echo changed-by-reviewer > src/core.sh
      echo junk > untracked.txt
      exit 0
      """
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh", review: review)], name: "revsafe")
    let (result, recorder) = try await OrchestratorInProcessTests.run(
      sandbox, config: "", implement: ["script"], options: { $0.merge = true })
    #expect(result.exitCode == 0, "\(result.summary)\n\(recorder.messages)")
    #expect(recorder.messages.contains { $0.contains("the reviewer changed the lane; git-kitty put it back") })
    let wp = try #require(result.state.wps["WP01"])
    #expect(wp.reviewerChanges?.contains("refs/kitty/reviewer/\(sandbox.slug)/WP01/1/commits") == true, "\(wp)")

    let kept = try git(["show", "refs/kitty/reviewer/\(sandbox.slug)/WP01/1/commits:reviewer.txt"], in: sandbox.repo)
    #expect(kept == "sneaky", "the reviewer's commit is kept aside")
    let stash = try git(
      ["show", "refs/kitty/reviewer/\(sandbox.slug)/WP01/1/changes:src/core.sh"], in: sandbox.repo)
    #expect(stash == "changed-by-reviewer", "its uncommitted edit too")

    // What was merged is exactly the implementer's work.
    let target = try git(["rev-parse", "--abbrev-ref", "HEAD"], in: sandbox.repo)
    let tree = try git(["ls-tree", "-r", "--name-only", target], in: sandbox.repo)
    #expect(!tree.contains("reviewer.txt"))
    #expect(!tree.contains("untracked.txt"))
    #expect(try git(["show", "\(target):src/core.sh"], in: sandbox.repo) == "WP01")
  }

  @Test func aReviewerThatChangesNothingLeavesNoRefs() async throws {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh")], name: "revclean")
    let (result, recorder) = try await OrchestratorInProcessTests.run(sandbox, config: "", implement: ["script"])
    #expect(result.exitCode == 0, "\(result.summary)\n\(recorder.messages)")
    #expect(try git(["for-each-ref", "refs/kitty/reviewer/"], in: sandbox.repo).isEmpty)
    #expect(result.state.wps["WP01"]?.reviewerChanges == nil)
  }

  /// The approval records the reviewed commit, and the run's scratch directory (verdict files) is gone.
  @Test func theApprovalNamesThePinnedCommitAndScratchIsRemoved() async throws {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh")], name: "revpin")
    let (result, _) = try await OrchestratorInProcessTests.run(sandbox, config: "", implement: ["script"])
    #expect(result.exitCode == 0)
    let lane = try git(["rev-parse", "kitty/review/\(sandbox.slug)/WP01/1"], in: sandbox.repo)
    let approvals = try sandbox.events().filter { ($0["to_lane"] as? String) == "approved" }
    let review = try #require(approvals.first?["review_result"] as? [String: Any])
    #expect(review["reference"] as? String == "kitty/review/\(sandbox.slug)/WP01/1")
    #expect(approvals.first?["reason"] as? String == "reviewed commit \(lane)")
    #expect(!FileManager.default.fileExists(atPath: "\(sandbox.repo)/.kittify/runs/\(result.state.runID)"))
  }
}
