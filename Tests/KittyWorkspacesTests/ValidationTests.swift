import Foundation
import KittyCore
import KittyGit
import KittyTestSupport
import KittyWorkspaces
import Testing

/// `WorktreeValidator`: each kind of damage is reported in words, healthy worktrees (git-kitty's and git's)
/// have no problems, and validating changes nothing.
@Suite struct ValidationTests {
  func report(_ box: Sandbox, _ lane: String) throws -> WorktreeReport {
    let reports = try WorktreeValidator(context: box.context).checkAll()
    return try #require(reports.first { $0.path == box.path(lane) }, "no report for \(lane)")
  }

  @Test func healthyWorktreesHaveNoProblems() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.git(["branch", box.branch("lane-c"), "develop"])
    try box.git(["worktree", "add", "-q", box.path("lane-c"), box.branch("lane-c")])
    let side = TestSupport.temporaryDirectory("side") + "/side"
    try box.git(["worktree", "add", "-q", "-b", "side", side, "develop"])
    // A legacy per-WP worktree (spec-kitty before lanes): no branch rule applies to it.
    try box.git(["worktree", "add", "-q", "-b", box.name("WP09"), box.path("WP09"), "develop"])
    let before = try box.state()

    let reports = try WorktreeValidator(context: box.context).checkAll()

    #expect(reports.count == 4)
    for report in reports {
      #expect(report.isHealthy, "\(report.path): \(report.problems)")
      #expect(report.workDirectoryExists)
      #expect(!report.locked)
    }
    let laneA = try report(box, "lane-a")
    #expect(laneA.branch == box.branch("lane-a"))
    #expect(laneA.expectedBranch == box.branch("lane-a"))
    #expect(laneA.name == box.name("lane-a"))
    #expect(try report(box, "lane-c").expectedBranch == box.branch("lane-c"))
    let outside = try #require(reports.first { $0.path == side })
    #expect(outside.expectedBranch == nil)
    #expect(outside.branch == "side")
    #expect(try report(box, "WP09").expectedBranch == nil)
    try box.expectUnchanged(since: before)
  }

  @Test func aDeletedWorkDirectory() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try FileManager.default.removeItem(atPath: box.path("lane-a"))

    let report = try report(box, "lane-a")

    #expect(!report.isHealthy)
    #expect(!report.workDirectoryExists)
    #expect(report.problems == ["work directory \(box.path("lane-a")) is missing (moved or deleted)"])
    // git agrees that the entry is dead.
    #expect(try box.gitWorktrees()[box.path("lane-a")]?.extra.first?.hasPrefix("prunable") == true)
  }

  @Test func aLock() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.ensure("lane-b")
    try box.git(["worktree", "lock", "--reason", "agent running", box.path("lane-a")])
    try box.git(["worktree", "lock", box.path("lane-b")])

    let withReason = try report(box, "lane-a")
    let withoutReason = try report(box, "lane-b")

    #expect(withReason.locked)
    #expect(withReason.lockReason == "agent running")
    #expect(withReason.problems == ["locked: agent running"])
    #expect(withoutReason.locked)
    #expect(withoutReason.problems == ["locked"])
    #expect(withReason.json["lock_reason"] == .string("agent running"))
    #expect(withReason.json["healthy"] == .bool(false))
  }

  @Test func aWrongBranchOrADetachedHead() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.ensure("lane-b")
    try box.git(["switch", "-q", "-c", "elsewhere"], in: box.path("lane-a"))
    try box.git(["switch", "-q", "--detach"], in: box.path("lane-b"))

    let wrong = try report(box, "lane-a")
    let detached = try report(box, "lane-b")

    #expect(wrong.branch == "elsewhere")
    #expect(wrong.problems == ["it has elsewhere checked out, expected \(box.branch("lane-a"))"])
    #expect(detached.branch == nil)
    #expect(detached.problems == ["HEAD is detached"])
  }

  @Test func aBrokenGitdirLinkAndAMissingBranch() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.ensure("lane-b")
    try TestSupport.write("gitdir: /nowhere/.git/worktrees/x\n", to: "\(box.path("lane-a"))/.git")
    try TestSupport.write(
      "ref: refs/heads/kitty/ghost\n", to: "\(box.admin)/\(box.name("lane-b"))/HEAD")

    let link = try report(box, "lane-a")
    let ghost = try report(box, "lane-b")

    #expect(link.problems.count == 1)
    #expect(link.problems.first?.contains("points to /nowhere/.git/worktrees/x") == true)
    #expect(ghost.problems.contains("HEAD names refs/heads/kitty/ghost, which does not exist"))
  }

  /// A damaged admin directory is reported (git still lists such worktrees), and does not stop the others
  /// from being checked.
  @Test(arguments: ["commondir", "HEAD", "gitdir"])
  func aMissingAdminFile(_ file: String) throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.ensure("lane-b")
    let missing = "\(box.admin)/\(box.name("lane-a"))/\(file)"
    try FileManager.default.removeItem(atPath: missing)

    var reports: [WorktreeReport] = []
    let error = caught { reports = try WorktreeValidator(context: box.context).checkAll() }

    #expect(error == nil, "\(String(describing: error))")
    #expect(reports.first { $0.name == box.name("lane-b") }?.isHealthy == true)
    let damaged = reports.first { $0.name == box.name("lane-a") }
    do {
      #expect(damaged?.problems.contains("admin file \(missing) is missing") == true)
    }
  }

  @Test func checkAllForOneMission() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let side = TestSupport.temporaryDirectory("side") + "/side"
    try box.git(["worktree", "add", "-q", "-b", "side", side, "develop"])
    let validator = WorktreeValidator(context: box.context)

    #expect(try validator.checkAll(mission: Sandbox.slug).map(\.path) == [box.path("lane-a")])
    #expect(try validator.checkAll(mission: "other-mission-01M80000").isEmpty)
    #expect(try validator.checkAll().count == 2)
  }
}
