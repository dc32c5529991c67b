import Foundation
import KittyCore
import KittyGit
import KittyTestSupport
import KittyWorkspaces
import Testing

/// `GarbageCollector.run(dryRun:)`: worktrees and `kitty/*` branches of finished missions go when nothing is
/// lost; the rest is kept with a reason; a dry run changes nothing.
@Suite struct GarbageCollectorTests {
  func finish(_ box: Sandbox, lane: String = "done") throws {
    for wp in ["WP01", "WP02", "WP03", "WP04"] { try box.move(wp, to: lane) }
  }

  func item(_ items: [GCItem], _ kind: GCItem.Kind, _ name: String) -> GCItem? {
    items.first { $0.kind == kind && $0.name == name }
  }

  @Test func aDryRunListsAFinishedMissionWithSizesAndChangesNothing() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    for lane in ["lane-a", "lane-b", "lane-c", "lane-d"] { try box.ensure(lane) }
    try box.commit("src/left.sh", "echo left\n", in: box.path("lane-b"))
    try finish(box)
    let before = try box.state()

    let items = try GarbageCollector(context: box.context).run(dryRun: true)

    try box.expectUnchanged(since: before)
    let worktrees = items.filter { $0.kind == .worktree }
    #expect(worktrees.map(\.name).sorted() == ["lane-a", "lane-b", "lane-c", "lane-d"].map(box.path))
    for item in worktrees {
      #expect(item.mission == Sandbox.slug)
      #expect(item.reason == "mission merged into develop")  // the mission branch is still develop's tip
      #expect(item.sizeBytes > 0)
      #expect(item.sizeBytes == DiskUsage.bytes(at: item.name))
    }
    for lane in ["lane-a", "lane-c", "lane-d"] {
      #expect(item(items, .worktree, box.path(lane))?.outcome == .wouldRemove)
    }
    let unmerged = item(items, .worktree, box.path("lane-b"))
    #expect(unmerged?.outcome == .kept)
    #expect(unmerged?.keptBecause?.contains("1 commit(s) not merged into develop") == true)
    #expect(item(items, .branch, Sandbox.missionBranch)?.outcome == .wouldRemove)
    #expect(item(items, .branch, box.branch("lane-a"))?.keptBecause == "checked out in a worktree")
    #expect(item(items, .worktree, box.path("lane-a"))?.json["outcome"] == .string("would-remove"))
  }

  @Test func gcRemovesWhatIsSafeAndKeepsTheRestWithAReason() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    for lane in ["lane-a", "lane-b", "lane-c", "lane-d"] { try box.ensure(lane) }
    let core = try box.commit("src/core.sh", "echo core\n", in: box.path("lane-a"))
    try box.git(["merge", "-q", "--no-ff", "-m", "Merge lane-a", box.branch("lane-a")])
    try box.pinProtectedTips()
    try TestSupport.write("wip\n", to: "\(box.path("lane-b"))/wip.txt")
    let right = try box.commit("src/right.sh", "echo right\n", in: box.path("lane-c"))
    let spare = try box.branchWithCommit(
      box.branch("lane-x"), from: Sandbox.missionBranch, file: "x.txt", text: "x\n")
    try box.git(["branch", "kitty/review/\(Sandbox.slug)/WP01/1", core])
    try box.git(["branch", "kitty/mission-other-01M80000", "develop"])
    let outside = (box.root as NSString).deletingLastPathComponent + "/\(box.name("lane-e"))"
    try box.git(["worktree", "add", "-q", "-b", "outside", outside, "develop"])
    try finish(box)
    let mainFiles = try box.git(["ls-files", "-s"])

    let items = try GarbageCollector(context: box.context).run(dryRun: false)

    // Removed: the merged and the empty lane, their branches, the mission and review branches.
    #expect(item(items, .worktree, box.path("lane-a"))?.outcome == .removed)
    #expect(item(items, .worktree, box.path("lane-d"))?.outcome == .removed)
    #expect(item(items, .branch, Sandbox.missionBranch)?.outcome == .removed)
    #expect(item(items, .branch, "kitty/review/\(Sandbox.slug)/WP01/1")?.outcome == .removed)
    for gone in [
      box.branch("lane-a"), box.branch("lane-d"), Sandbox.missionBranch, "kitty/review/\(Sandbox.slug)/WP01/1",
    ] {
      #expect(try box.tip(gone) == nil, "\(gone) should be deleted")
    }
    // Kept, each with a reason.
    let dirty = item(items, .worktree, box.path("lane-b"))
    #expect(dirty?.outcome == .kept)
    #expect(dirty?.keptBecause?.contains("uncommitted changes (wip.txt)") == true)
    let unmerged = item(items, .worktree, box.path("lane-c"))
    #expect(unmerged?.outcome == .kept)
    #expect(unmerged?.keptBecause?.contains("1 commit(s) not merged into develop") == true)
    #expect(item(items, .branch, box.branch("lane-b"))?.keptBecause == "checked out in a worktree")
    #expect(item(items, .branch, box.branch("lane-x"))?.keptBecause == "1 commit(s) not merged into develop")
    #expect(try box.tip(box.branch("lane-x")) == spare)
    #expect(try box.tip(box.branch("lane-c")) == right)
    #expect(try TestSupport.read("\(box.path("lane-b"))/wip.txt") == "wip\n")
    // Never touched: another mission's branch, a worktree outside .worktrees/, the main checkout.
    #expect(try box.tip("kitty/mission-other-01M80000") != nil)
    #expect(items.allSatisfy { $0.name != outside && $0.name != "outside" })
    #expect(FileManager.default.fileExists(atPath: "\(outside)/README.md"))
    #expect(Set(try box.gitWorktrees().keys) == [box.path("lane-b"), box.path("lane-c"), outside])
    #expect(try box.git(["worktree", "prune", "--dry-run", "-v"]) == "")
    #expect(try box.line(["symbolic-ref", "HEAD"]) == "refs/heads/develop")
    #expect(try box.git(["ls-files", "-s"]) == mainFiles)
    try box.expectGitAgrees(lane: "lane-c")
  }

  @Test func anUnfinishedMissionIsLeftAlone() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.ensure("lane-b")
    try box.move("WP01", to: "done")
    try box.approve("WP02")
    let before = try box.state()

    #expect(try GarbageCollector(context: box.context).run(dryRun: false) == [])
    try box.expectUnchanged(since: before)
  }

  @Test func whyAMissionCountsAsFinished() throws {
    // Every WP approved and the mission branch contained in the target: merged.
    let merged = try Sandbox()
    defer { merged.expectProtectedTipsUnchanged() }
    try merged.ensure("lane-a")
    try finish(merged, lane: "approved")
    let mergedItems = try GarbageCollector(context: merged.context).run(dryRun: true)
    #expect(item(mergedItems, .worktree, merged.path("lane-a"))?.reason == "mission merged into develop")

    // Approved but never merged: not finished.
    let pending = try Sandbox()
    defer { pending.expectProtectedTipsUnchanged() }
    try pending.ensure("lane-a")
    try pending.commit("src/core.sh", "echo core\n", in: pending.path("lane-a"))
    try pending.git(["branch", "-f", Sandbox.missionBranch, pending.branch("lane-a")])
    try finish(pending, lane: "approved")
    #expect(try GarbageCollector(context: pending.context).run(dryRun: true) == [])
    // Every WP done (or canceled), merged or not.
    try pending.move("WP01", to: "done", from: "approved")
    try pending.move("WP02", to: "canceled", from: "approved")
    try pending.move("WP03", to: "done", from: "approved")
    try pending.move("WP04", to: "done", from: "approved")
    let doneItems = try GarbageCollector(context: pending.context).run(dryRun: true)
    #expect(item(doneItems, .worktree, pending.path("lane-a"))?.reason == "every WP is done or canceled")

    // An aborted orchestrator run.
    let aborted = try Sandbox()
    defer { aborted.expectProtectedTipsUnchanged() }
    try aborted.ensure("lane-a")
    try TestSupport.write(
      #"{"mission": "\#(Sandbox.slug)", "state": "aborted"}"#,
      to: "\(aborted.root)/.kittify/orchestrator-run-state.json")
    let abortedItems = try GarbageCollector(context: aborted.context).run(dryRun: true)
    #expect(item(abortedItems, .worktree, aborted.path("lane-a"))?.reason == "orchestrator run aborted")
  }

  @Test func deadAdminEntriesAreCollectedUnlessLocked() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.ensure("lane-b")
    try box.ensure("lane-c")
    let work = try box.commit("src/core.sh", "echo core\n", in: box.path("lane-a"))
    try FileManager.default.removeItem(atPath: box.path("lane-a"))
    try box.git(["worktree", "lock", "--reason", "on a USB disk", box.path("lane-b")])
    try FileManager.default.removeItem(atPath: box.path("lane-b"))
    let before = try box.state()

    let planned = try GarbageCollector(context: box.context).run(dryRun: true)

    try box.expectUnchanged(since: before)
    #expect(item(planned, .adminEntry, box.name("lane-a"))?.outcome == .wouldRemove)
    #expect(item(planned, .adminEntry, box.name("lane-b"))?.outcome == .kept)
    #expect(item(planned, .adminEntry, box.name("lane-b"))?.keptBecause == "locked: on a USB disk")
    #expect(planned.count == 2)

    let done = try GarbageCollector(context: box.context).run(dryRun: false)

    #expect(item(done, .adminEntry, box.name("lane-a"))?.outcome == .removed)
    #expect(!FileManager.default.fileExists(atPath: "\(box.admin)/\(box.name("lane-a"))"))
    #expect(FileManager.default.fileExists(atPath: "\(box.admin)/\(box.name("lane-b"))"))
    #expect(Set(try box.gitWorktrees().keys) == [box.path("lane-b"), box.path("lane-c")])
    // The branch and its commits stay; the lane can be created again from it.
    #expect(try box.tip(box.branch("lane-a")) == work)
    #expect(try box.ensure("lane-a").head == work)
    try box.expectGitAgrees(lane: "lane-c")
  }
}
