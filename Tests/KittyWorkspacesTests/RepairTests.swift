import Foundation
import KittyCore
import KittyGit
import KittyTestSupport
import KittyWorkspaces
import Testing

/// `repair(mission:)`: re-creates deleted managed checkouts from their branch, relinks moved ones, removes
/// stale admin directories and stale lock files, and never deletes a work directory.
@Suite struct RepairTests {
  @Test func aHealthyRepositoryNeedsNothing() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.ensure("lane-b")
    let before = try box.state()

    #expect(try box.manager.repair() == [])
    try box.expectUnchanged(since: before)
  }

  @Test func aDeletedManagedWorktreeIsRecreatedFromItsBranch() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let work = try box.commit("src/core.sh", "echo core\n", in: box.path("lane-a"))
    try FileManager.default.removeItem(atPath: box.path("lane-a"))

    let actions = try box.manager.repair()

    #expect(actions.count == 1)
    #expect(actions.first?.path == box.path("lane-a"))
    #expect(actions.first?.problem == "work directory was deleted")
    #expect(actions.first?.fixed == true)
    #expect(try TestSupport.read("\(box.path("lane-a"))/src/core.sh") == "echo core\n")
    #expect(try box.tip(box.branch("lane-a")) == work)
    try box.expectGitAgrees(lane: "lane-a")
    #expect(try WorktreeValidator(context: box.context).checkAll().allSatisfy(\.isHealthy))
    // A second run finds nothing left to do.
    #expect(try box.manager.repair() == [])
  }

  /// `ensureLaneWorktree` on a deleted checkout points at repair; after repair it is reused.
  @Test func creationSendsADeletedCheckoutToRepair() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try FileManager.default.removeItem(atPath: box.path("lane-a"))
    let before = try box.state()

    let error = caught { try box.ensure("lane-a") }

    guard case .broken(let path, let problems)? = error as? WorkspaceError else {
      Issue.record("expected broken, got \(String(describing: error))")
      return
    }
    #expect(path == box.path("lane-a"))
    #expect(problems.contains { $0.contains("is missing") })
    #expect("\(error!)".contains("git kitty worktree repair"))
    try box.expectUnchanged(since: before)
    _ = try box.manager.repair()
    #expect(try box.ensure("lane-a").created == false)
    try box.expectGitAgrees(lane: "lane-a")
  }

  /// Deleted with its branch gone too: only the dead admin entry goes.
  @Test func aDeletedWorktreeWhoseBranchIsGoneLosesItsAdminEntry() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try FileManager.default.removeItem(atPath: box.path("lane-a"))
    try box.git(["update-ref", "-d", "refs/heads/\(box.branch("lane-a"))"])

    let actions = try box.manager.repair()

    #expect(actions.map(\.action) == ["removed the dead admin entry"])
    #expect(!FileManager.default.fileExists(atPath: "\(box.admin)/\(box.name("lane-a"))"))
    #expect(!FileManager.default.fileExists(atPath: box.path("lane-a")))
    #expect(try box.gitWorktrees().isEmpty)
  }

  @Test func aMovedWorktreeIsRelinked() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let work = try box.commit("src/core.sh", "echo core\n", in: box.path("lane-a"))
    let moved = "\(box.root)/.worktrees/relocated"
    try FileManager.default.moveItem(atPath: box.path("lane-a"), toPath: moved)

    let actions = try box.manager.repair()

    #expect(actions.count == 1)
    #expect(actions.first?.path == moved)
    #expect(actions.first?.action == "relinked it")
    #expect(actions.first?.fixed == true)
    #expect(!FileManager.default.fileExists(atPath: box.path("lane-a")))
    let listed = try box.gitWorktrees()
    #expect(listed.keys.sorted() == [moved])
    #expect(listed[moved]?.branch == "refs/heads/\(box.branch("lane-a"))")
    #expect(listed[moved]?.head == work)
    #expect(listed[moved]?.extra == [])
    #expect(try box.git(["status", "--porcelain"], in: moved) == "")
    #expect(try box.git(["worktree", "prune", "--dry-run", "-v"]) == "")
    let report = try #require(try WorktreeValidator(context: box.context).checkAll().first)
    #expect(report.path == moved)
    #expect(report.isHealthy, "\(report.problems)")
  }

  @Test func aStaleAdminDirectoryIsRemoved() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let ghost = "\(box.admin)/ghost"
    try TestSupport.write("half-written\n", to: "\(ghost)/commondir")

    let actions = try box.manager.repair()

    #expect(actions.map(\.path) == [ghost])
    #expect(actions.first?.fixed == true)
    #expect(!FileManager.default.fileExists(atPath: ghost))
    try box.expectGitAgrees(lane: "lane-a")
    // The stale directory no longer blocks creating a worktree with that name.
    try TestSupport.write("x\n", to: "\(box.admin)/\(box.name("lane-b"))/junk")
    #expect(caught { try box.ensure("lane-b") } != nil)
    _ = try box.manager.repair()
    #expect(try box.ensure("lane-b").created)
  }

  /// An incomplete admin directory still used by a work directory is reported, not deleted.
  @Test func anIncompleteAdminDirectoryInUseIsOnlyReported() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let admin = "\(box.admin)/\(box.name("lane-a"))"
    try FileManager.default.removeItem(atPath: "\(admin)/HEAD")

    let actions = try box.manager.repair()

    #expect(actions.count == 1)
    #expect(actions.first?.fixed == false)
    #expect(actions.first?.action.contains("git worktree repair") == true)
    #expect(FileManager.default.fileExists(atPath: "\(admin)/gitdir"))
    #expect(FileManager.default.fileExists(atPath: "\(box.path("lane-a"))/README.md"))
  }

  @Test(arguments: ["index.lock", "HEAD.lock"])
  func aStaleLockFileIsRemoved(_ lockFile: String) throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let dir = box.path("lane-a")
    try TestSupport.write("", to: "\(box.admin)/\(box.name("lane-a"))/\(lockFile)")
    try TestSupport.write("echo core\n", to: "\(dir)/src/core.sh")
    #expect(!(try box.succeeds(["add", "src/core.sh"], in: dir) && box.succeeds(["commit", "-qm", "x"], in: dir)))

    let actions = try box.manager.repair()

    #expect(actions.count == 1)
    #expect(actions.first?.problem == "stale \(lockFile) left by a killed process")
    #expect(actions.first?.fixed == true)
    #expect(!FileManager.default.fileExists(atPath: "\(box.admin)/\(box.name("lane-a"))/\(lockFile)"))
    try box.git(["add", "src/core.sh"], in: dir)
    try box.git(["commit", "-q", "-m", "core"], in: dir)
    try box.expectGitAgrees(lane: "lane-a")
  }

  /// A lock file some process holds open belongs to a running git: it stays.
  @Test func aLockFileInUseIsKept() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let lock = "\(box.admin)/\(box.name("lane-a"))/index.lock"
    try TestSupport.write("", to: lock)
    let holder = try #require(FileHandle(forReadingAtPath: lock))
    defer { try? holder.close() }

    let actions = try box.manager.repair()

    #expect(actions == [])
    #expect(FileManager.default.fileExists(atPath: lock))
  }

  @Test func aLockLeftByAGoneGitKittyProcessIsCleared() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    for lane in ["lane-a", "lane-b", "lane-c"] { try box.ensure(lane) }
    // pid 2^22 + 1 is above Linux's largest pid_max, so it cannot be running.
    try box.git(["worktree", "lock", "--reason", "git-kitty pid 4194305: adding", box.path("lane-a")])
    try box.git(["worktree", "lock", "--reason", "git-kitty pid \(getpid()): adding", box.path("lane-b")])
    try box.git(["worktree", "lock", "--reason", "on a USB disk", box.path("lane-c")])

    let actions = try box.manager.repair()

    #expect(actions.map(\.path) == [box.path("lane-a")])
    #expect(actions.first?.problem == "locked by git-kitty process 4194305, which is gone")
    let listed = try box.gitWorktrees()
    #expect(listed[box.path("lane-a")]?.extra == [])
    #expect(listed[box.path("lane-b")]?.extra == ["locked git-kitty pid \(getpid()): adding"])
    #expect(listed[box.path("lane-c")]?.extra == ["locked on a USB disk"])
  }

  /// Worktrees outside `.worktrees/` are git's business: a missing one is reported and its entry left alone.
  @Test func aMissingUnmanagedWorktreeIsOnlyReported() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let side = TestSupport.temporaryDirectory("side") + "/side"
    try box.git(["worktree", "add", "-q", "-b", "side", side, "develop"])
    try FileManager.default.removeItem(atPath: side)
    let before = try box.state()

    let actions = try box.manager.repair()

    #expect(actions.count == 1)
    #expect(actions.first?.path == side)
    #expect(actions.first?.fixed == false)
    try box.expectUnchanged(since: before)
  }

  /// A worktree outside `.worktrees/` with a damaged admin directory is git's to fix: its registration stays.
  @Test func aDamagedUnmanagedWorktreeKeepsItsAdminDirectory() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let side = TestSupport.temporaryDirectory("side") + "/side"
    try box.git(["worktree", "add", "-q", "-b", "side", side, "develop"])
    try FileManager.default.removeItem(atPath: "\(box.admin)/side/HEAD")
    let before = try box.state()

    let actions = try box.manager.repair()

    let changes = try box.state().differences(from: before)
    do {
      #expect(actions.allSatisfy { !$0.fixed })
      #expect(FileManager.default.fileExists(atPath: "\(box.admin)/side/gitdir"))
      #expect(changes.isEmpty, "\(changes)")
    }
    // The work directory itself is never touched.
    #expect(FileManager.default.fileExists(atPath: "\(side)/README.md"))
  }

  @Test func repairNeverDeletesAWorkDirectory() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try TestSupport.write("mine\n", to: "\(box.root)/.worktrees/unregistered/data.txt")
    try TestSupport.write("wip\n", to: "\(box.path("lane-a"))/wip.txt")
    // Its .git file points at an admin directory that does not exist.
    try TestSupport.write(
      "gitdir: \(box.admin)/nothing-here\n", to: "\(box.root)/.worktrees/orphan/.git")
    try TestSupport.write("orphan\n", to: "\(box.root)/.worktrees/orphan/file.txt")
    let files = TestSupport.snapshotTree("\(box.root)/.worktrees")

    _ = try box.manager.repair()

    #expect(TestSupport.snapshotTree("\(box.root)/.worktrees") == files)
  }

  @Test func repairForOneMissionLeavesOthersAlone() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try FileManager.default.removeItem(atPath: box.path("lane-a"))
    let before = try box.state()

    #expect(try box.manager.repair(mission: "other-mission-01M80000") == [])
    try box.expectUnchanged(since: before)
    #expect(try box.manager.repair(mission: Sandbox.slug).count == 1)
    #expect(FileManager.default.fileExists(atPath: "\(box.path("lane-a"))/README.md"))
  }
}
