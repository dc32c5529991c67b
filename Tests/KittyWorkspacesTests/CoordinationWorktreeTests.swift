import Foundation
import KittyCore
import KittyGit
import KittyTestSupport
import KittyWorkspaces
import Testing

/// The coord-accepted fixture: spec-kitty's default topology keeps the mission's coordination branch
/// `kitty/mission-<slug>` checked out at `.worktrees/<slug>-coord`, made with `git worktree add`.
@Suite struct CoordinationWorktreeTests {
  static let slug = "demo-feature-01M805GN"
  static let coordinationBranch = "kitty/mission-demo-feature-01M805GN"

  /// The fixture with the coordination worktree spec-kitty had (bundles carry no worktrees).
  func coordSandbox() throws -> (box: Sandbox, coord: String) {
    let box = try Sandbox(fixture: "coord-accepted")
    let coord = "\(box.root)/.worktrees/\(Self.slug)-coord"
    try box.git(["worktree", "add", "-q", coord, Self.coordinationBranch])
    return (box, coord)
  }

  @Test func theCoordinationWorktreeIsListedAndHealthy() throws {
    let (box, coord) = try coordSandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let before = try box.state()

    let entry = try #require(try WorktreeInventory(context: box.context).list().first)
    let report = try #require(try WorktreeValidator(context: box.context).checkAll(mission: Self.slug).first)

    #expect(entry.path == coord)
    #expect(entry.managed)
    #expect(entry.mission == Self.slug)
    #expect(entry.laneID == nil)
    #expect(entry.branch == Self.coordinationBranch)
    #expect(entry.head == (try box.tip(Self.coordinationBranch)))
    #expect(entry.dirty == false)
    #expect(entry.targetBranch == "develop")
    // The status commits spec-kitty made after the merge into develop.
    let ahead = Int(try box.line(["rev-list", "--count", "develop..\(Self.coordinationBranch)"]))
    #expect(ahead == 4)
    #expect(entry.ahead == ahead)
    #expect(entry.behind == Int(try box.line(["rev-list", "--count", "\(Self.coordinationBranch)..develop"])))
    #expect(report.path == coord)
    #expect(report.isHealthy, "\(report.problems)")
    #expect(report.expectedBranch == nil)
    try box.expectUnchanged(since: before)
  }

  /// Its branch has commits develop lacks: removal needs --force, and nothing changes without it.
  @Test func theCoordinationWorktreeIsNotRemovedWithoutForce() throws {
    let (box, coord) = try coordSandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let before = try box.state()

    let error = caught { _ = try box.manager.remove(path: coord, targetBranch: "develop") }

    #expect(
      error as? WorkspaceError == .unmerged(branch: Self.coordinationBranch, target: "develop", commits: 4))
    try box.expectUnchanged(since: before)
  }

  /// A lane of a coord mission starts from the coordination branch, which stays where it is.
  @Test func aLaneStartsFromTheCoordinationBranch() throws {
    let (box, coord) = try coordSandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let coordTip = try #require(try box.tip(Self.coordinationBranch))
    let mission = try Mission(repoRoot: box.root, slug: Self.slug)
    let spec = try MissionWorkspaces(context: box.context, mission: mission).spec(for: "lane-a")

    let result = try box.manager.ensureLaneWorktree(spec)

    #expect(result.created)
    #expect(result.branch == "kitty/mission-demo-feature-01M805GN-lane-a")
    #expect(try box.tip(Self.coordinationBranch) == coordTip)
    #expect(try box.succeeds(["merge-base", "--is-ancestor", coordTip, result.head]))
    let listed = try box.gitWorktrees()
    #expect(listed[result.path]?.branch == "refs/heads/\(result.branch)")
    #expect(listed[coord]?.branch == "refs/heads/\(Self.coordinationBranch)")
    #expect(try box.git(["status", "--porcelain"], in: result.path) == "")
    #expect(try box.git(["status", "--porcelain"], in: coord) == "")
  }
}
