import Foundation
import KittyCore
import KittyGit
import KittyTestSupport
import KittyWorkspaces
import Testing

/// `WorktreeInventory.list`: what git-kitty reports about each linked worktree agrees with git.
@Suite struct InventoryTests {
  @Test func listsEveryWorktreeAsGitDoes() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.ensure("lane-b")
    let work = try box.commit("src/core.sh", "echo core\n", in: box.path("lane-a"))
    try TestSupport.write("wip\n", to: "\(box.path("lane-b"))/wip.txt")
    let side = TestSupport.temporaryDirectory("side") + "/side"
    try box.git(["worktree", "add", "-q", "-b", "side", side, "develop"])
    try box.git(["worktree", "add", "-q", "-b", "spec-kitty-lane", box.path("lane-c"), "develop"])
    let before = try box.state()

    let entries = try WorktreeInventory(context: box.context).list()

    let git = try box.gitWorktrees()
    #expect(Set(entries.map(\.path)) == Set(git.keys))
    for entry in entries {
      #expect(entry.branch.map { "refs/heads/\($0)" } == git[entry.path]?.branch)
      #expect(entry.head == git[entry.path]?.head)
    }
    let laneA = try #require(entries.first { $0.path == box.path("lane-a") })
    #expect(laneA.name == box.name("lane-a"))
    #expect(laneA.managed)
    #expect(laneA.mission == Sandbox.slug)
    #expect(laneA.laneID == "lane-a")
    #expect(laneA.wpIDs == ["WP01"])
    #expect(laneA.branch == box.branch("lane-a"))
    #expect(laneA.head == work)
    #expect(laneA.dirty == false)
    #expect(laneA.targetBranch == "develop")
    #expect(laneA.ahead == 1)
    #expect(laneA.behind == 0)
    #expect(!laneA.locked)
    #expect(!laneA.prunable)
    #expect(laneA.sizeBytes > 0)
    let laneB = try #require(entries.first { $0.path == box.path("lane-b") })
    #expect(laneB.dirty == true)
    #expect(laneB.wpIDs == ["WP02"])
    #expect(laneB.ahead == 0)
    // Made by git on another branch, but named like a lane of the mission: still that lane.
    let laneC = try #require(entries.first { $0.path == box.path("lane-c") })
    #expect(laneC.managed)
    #expect(laneC.laneID == "lane-c")
    #expect(laneC.branch == "spec-kitty-lane")
    let outside = try #require(entries.first { $0.path == side })
    #expect(!outside.managed)
    #expect(outside.mission == nil)
    #expect(outside.laneID == nil)
    #expect(outside.wpIDs == [])
    #expect(outside.targetBranch == nil)
    #expect(outside.ahead == nil)
    #expect(outside.dirty == false)
    try box.expectUnchanged(since: before)
  }

  @Test func sizeIsTheDiskUsageDuReports() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try TestSupport.write(String(repeating: "x", count: 100_000), to: "\(box.path("lane-a"))/big.txt")

    let entry = try #require(try WorktreeInventory(context: box.context).list().first)

    let du = try TestSupport.run("/usr/bin/du", ["-s", "-B1", box.path("lane-a")]).stdout
    let expected = Int64(du.split(separator: "\t").first ?? "") ?? -1
    #expect(entry.sizeBytes == expected)
    #expect(entry.sizeBytes >= 100_000)
  }

  @Test func aDeletedLockedOrBehindWorktree() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    for lane in ["lane-a", "lane-b", "lane-c"] { try box.ensure(lane) }
    try FileManager.default.removeItem(atPath: box.path("lane-a"))
    try box.git(["worktree", "lock", "--reason", "agent running", box.path("lane-b")])
    try box.git(["commit", "-q", "--allow-empty", "-m", "develop moves on"])
    try box.pinProtectedTips()

    let entries = try WorktreeInventory(context: box.context).list()

    let gone = try #require(entries.first { $0.path == box.path("lane-a") })
    #expect(gone.prunable)
    #expect(gone.dirty == nil)
    #expect(gone.sizeBytes == 0)
    #expect(try box.gitWorktrees()[box.path("lane-a")]?.extra.first?.hasPrefix("prunable") == true)
    let locked = try #require(entries.first { $0.path == box.path("lane-b") })
    #expect(locked.locked)
    #expect(locked.lockReason == "agent running")
    let behind = try #require(entries.first { $0.path == box.path("lane-c") })
    #expect(behind.ahead == 0)
    #expect(behind.behind == 1)
    #expect(behind.json["behind"] == .int(1))
    #expect(behind.json["lane_id"] == .string("lane-c"))
  }

  /// git lists a detached worktree's commit; so should the inventory.
  @Test func aDetachedWorktreeShowsItsCommit() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.git(["switch", "-q", "--detach"], in: box.path("lane-a"))
    let work = try box.commit("src/core.sh", "echo core\n", in: box.path("lane-a"))

    let entry = try #require(try WorktreeInventory(context: box.context).list().first)

    #expect(entry.branch == nil)
    #expect(try box.gitWorktrees()[box.path("lane-a")]?.head == work)
    do {
      #expect(entry.head == work)
      #expect(entry.ahead == 1)
    }
  }

  @Test func listForOneMission() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-d")
    let side = TestSupport.temporaryDirectory("side") + "/side"
    try box.git(["worktree", "add", "-q", "-b", "side", side, "develop"])
    let inventory = WorktreeInventory(context: box.context)

    #expect(try inventory.list(mission: Sandbox.slug).map(\.path) == [box.path("lane-d")])
    #expect(try inventory.list(mission: Sandbox.slug).first?.wpIDs == ["WP04"])
    #expect(try inventory.list(mission: "other-mission-01M80000").isEmpty)
    #expect(try inventory.list().count == 2)
  }
}
