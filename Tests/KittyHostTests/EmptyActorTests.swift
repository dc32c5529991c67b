import Foundation
import KittyCore
import KittyHost
import KittyTestSupport
import Testing

/// `--actor ""` (or blank) follows spec-kitty 3.2.7's rules: the moves that take a WP (planned -> claimed, as
/// start-implementation and transition make it, and for_review -> in_review) are refused with TRANSITION_REJECTED
/// "Transition requires actor identity" — git-kitty refuses before it creates a lane worktree, where spec-kitty
/// creates one first. Verbs spec-kitty accepts an empty actor for (append-history) still accept it.
@Suite struct EmptyActorTests {
  static let slug = WriteFixture.slug
  static let policy = WriteFixture.policy

  static func api(_ arguments: [String], _ repo: String) -> OrchestratorAPI.Response {
    OrchestratorAPI.run(arguments, currentDirectory: repo)
  }

  static let refused: [[String]] = [
    ["start-implementation", "--mission", slug, "--wp", "WP01", "--policy", policy, "--actor"],
    ["transition", "--mission", slug, "--wp", "WP01", "--to", "claimed", "--policy", policy, "--actor"],
  ]

  @Test(arguments: refused, ["", "  "]) func aClaimNeedsAnActor(command: [String], actor: String) throws {
    let repo = try WriteFixture.clone()
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    let before = try RepositoryState.capture(repo)
    let response = Self.api(command + [actor], repo)
    #expect(response.envelope.errorCode == .transitionRejected, "\(response.line)")
    #expect(response.envelope.data["message"]?.stringValue == "Transition requires actor identity")
    let after = try RepositoryState.capture(repo)
    #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")
  }

  @Test func aReviewNeedsAnActor() throws {
    let repo = try WriteFixture.clone()
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    try MissionDriver.start("WP01", repo)
    try MissionDriver.work("WP01", lane: "lane-a", file: "src/core.sh", repo)
    try MissionDriver.toReview("WP01", repo)
    let before = try RepositoryState.capture(repo)
    let response = Self.api(
      ["start-review", "--mission", Self.slug, "--wp", "WP01", "--policy", Self.policy, "--actor", ""], repo)
    #expect(response.envelope.errorCode == .transitionRejected, "\(response.line)")
    #expect(try RepositoryState.capture(repo).differences(from: before).isEmpty)
  }

  /// spec-kitty records an annotation by an empty actor; so does git-kitty.
  @Test func appendHistoryAcceptsAnEmptyActorLikeSpecKitty() throws {
    let repo = try WriteFixture.clone()
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    let response = Self.api(
      ["append-history", "--mission", Self.slug, "--wp", "WP01", "--actor", "", "--note", "n"], repo)
    #expect(response.envelope.success, "\(response.line)")
  }
}
