import Foundation
import KittyCore
import KittyHost
import KittyTestSupport
import Testing

/// start-review owns the review pin: through the in-process client it pins the lane worktree's commit on a review
/// branch; a refused start-review pins nothing; the orchestrator-api verb (spec-kitty's contract) creates no branch.
@Suite struct ReviewPinTests {
  static let slug = MissionDriver.slug

  func reviewBranches(_ repo: String) throws -> String {
    try TestSupport.git(
      ["for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/kitty/review"], in: repo)
  }

  @Test func startReviewPinsTheLaneCommitAndARefusalPinsNothing() async throws {
    let repo = try WriteFixture.clone()
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    let host = LocalHost(root: repo)
    // WP02 is planned: refused, and no branch.
    await #expect(throws: HostError.self) {
      try await host.startReview(
        mission: Self.slug, wp: "WP02", actor: "rev", policy: WriteFixture.policy, reviewRef: nil)
    }
    #expect(try reviewBranches(repo).isEmpty)

    try MissionDriver.start("WP01", repo)
    try MissionDriver.work("WP01", lane: "lane-a", file: "src/core.sh", repo)
    try MissionDriver.toReview("WP01", repo)
    let tip = try TestSupport.git(["rev-parse", WriteFixture.laneBranch("lane-a")], in: repo)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let pin = try await host.startReview(
      mission: Self.slug, wp: "WP01", actor: "rev", policy: WriteFixture.policy, reviewRef: nil)
    #expect(pin == HostReviewPin(branch: "kitty/review/\(Self.slug)/WP01/1", commit: tip))
    #expect(try reviewBranches(repo) == "kitty/review/\(Self.slug)/WP01/1 \(tip)\n")
  }

  @Test func theOrchestratorAPIVerbCreatesNoReviewBranch() throws {
    let repo = try WriteFixture.clone()
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    try MissionDriver.start("WP01", repo)
    try MissionDriver.work("WP01", lane: "lane-a", file: "src/core.sh", repo)
    try MissionDriver.toReview("WP01", repo)
    try MissionDriver.startReview("WP01", repo)
    #expect(try reviewBranches(repo).isEmpty)
  }
}
