import Foundation
@testable import KittyCore
@testable import KittyHost
import KittyWorkspaces
import KittyTestSupport
import Testing

/// The orchestrator's merge (NativeHost.mergeInOrder): approved lanes in dependency order, stopping before the first
/// that conflicts with nothing moved for it; and the conflict check that merges again only when the tips moved.
@Suite struct MergeInOrderTests {
  static let slug = WriteFixture.slug

  func host(_ repo: String) throws -> NativeHost {
    NativeHost(repository: try HostRepository.locate(from: repo))
  }

  func approveAll(_ repo: String) throws {
    try MergeMissionTests.approve("WP01", lane: "lane-a", file: "src/core.sh", content: "core\n", in: repo)
    try MergeMissionTests.approve("WP02", lane: "lane-b", file: "src/left.sh", content: "left\n", in: repo)
    try MergeMissionTests.approve("WP03", lane: "lane-c", file: "src/right.sh", content: "right\n", in: repo)
    try MergeMissionTests.approve("WP04", lane: "lane-d", file: "src/main.sh", content: "main\n", in: repo)
  }

  static func lane(_ id: String, after: [String] = []) -> ExecutionLane {
    ExecutionLane(
      laneID: id, wpIDs: [], writeScope: [], predictedSurfaces: [], dependsOnLanes: after, parallelGroup: 0)
  }

  @Test func lanesComeAfterTheLanesTheyDependOnOtherwiseInLanesJSONOrder() {
    let lanes = [
      Self.lane("lane-d", after: ["lane-b", "lane-c"]), Self.lane("lane-c", after: ["lane-a"]),
      Self.lane("lane-b", after: ["lane-a"]), Self.lane("lane-a"), Self.lane("lane-e"),
    ]
    let order = NativeHost.dependencyOrder(lanes, workPackages: []).map(\.laneID)
    #expect(order == ["lane-a", "lane-c", "lane-b", "lane-d", "lane-e"])
  }

  @Test func aCleanMissionMergesEveryLane() throws {
    let repo = try WriteFixture.clone()
    try approveAll(repo)
    let result = try host(repo).mergeInOrder(mission: Self.slug, target: nil, strategy: nil)
    #expect(result.stop == nil)
    #expect(result.mergedLanes == ["lane-a", "lane-b", "lane-c", "lane-d"])
    #expect(result.merged?.data["done_wps"] == .strings(["WP01", "WP02", "WP03", "WP04"]))
    #expect(result.merged?.value.doneWPs == ["WP01", "WP02", "WP03", "WP04"])
    #expect(try TestSupport.git(["show", "develop:src/main.sh"], in: repo) == "main\n")
  }

  /// develop gained its own src/core.sh: lane-a, first in dependency order, conflicts with it, so nothing is merged
  /// and nothing changes; the answer names the lane, its WP, the path and the lanes after it.
  @Test func aFirstLaneThatConflictsWithTheTargetStopsBeforeAnythingMoves() throws {
    let repo = try WriteFixture.clone()
    try approveAll(repo)
    try TestSupport.write("someone else's\n", to: "\(repo)/src/core.sh")
    try TestSupport.git(["add", "src/core.sh"], in: repo)
    try TestSupport.git(["commit", "-q", "-m", "meanwhile"], in: repo)
    let before = try RepositoryState.capture(repo)
    let result = try host(repo).mergeInOrder(mission: Self.slug, target: nil, strategy: nil)
    let stop = try #require(result.stop)
    #expect(stop.laneID == "lane-a")
    #expect(stop.wpIDs == ["WP01"])
    #expect(stop.paths == ["src/core.sh"])
    #expect(stop.against == "develop")
    #expect(stop.remaining == ["lane-b", "lane-c", "lane-d"])
    #expect(stop.laneBranch == WriteFixture.laneBranch("lane-a"))
    #expect(stop.worktree == WriteFixture.laneWorktree(repo, "lane-a"))
    #expect(result.merged == nil && result.mergedLanes.isEmpty)
    let after = try RepositoryState.capture(repo)
    #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")
  }

  /// The check merges only when a tip moved: the same tips give nil, a new lane commit a new report.
  @Test func theCheckMergesAgainOnlyWhenATipMoved() throws {
    let repo = try WriteFixture.clone()
    try MergeMissionTests.approve("WP01", lane: "lane-a", file: "src/core.sh", content: "core\n", in: repo)
    let native = try host(repo)
    var memo = ConflictPredictor.Memo()
    let first = try #require(try native.checkMission(Self.slug, unlessTipsAre: nil, memo: &memo))
    #expect(first.0.report.checked.map(\.id) == ["lane-a"])
    #expect(try native.checkMission(Self.slug, unlessTipsAre: first.1, memo: &memo) == nil)
    let worktree = WriteFixture.laneWorktree(repo, "lane-a")
    try TestSupport.write("more\n", to: "\(worktree)/src/more.sh")
    try TestSupport.git(["add", "src/more.sh"], in: worktree)
    try TestSupport.git(["commit", "-q", "-m", "more"], in: worktree)
    #expect(try native.checkMission(Self.slug, unlessTipsAre: first.1, memo: &memo) != nil)
  }
}
