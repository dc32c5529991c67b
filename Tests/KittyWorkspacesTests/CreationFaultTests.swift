import Foundation
import KittyCore
import KittyGit
import KittyTestSupport
import KittyWorkspaces
import Testing

/// Every way creating a lane worktree can fail leaves the repository exactly as it was: the same
/// `git worktree list`, the same refs, the same `.git/worktrees` and `.worktrees` contents.
@Suite struct CreationFaultTests {
  @Test func aPlainDirectoryAtThePath() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try TestSupport.write("mine\n", to: "\(box.path("lane-a"))/keep.txt")
    let before = try box.state()

    let error = caught { try box.ensure("lane-a") }

    #expect(error as? WorkspaceError == .pathExists(path: box.path("lane-a")))
    #expect("\(error!)".contains("move it away or remove it first"))
    try box.expectUnchanged(since: before)
    #expect(try TestSupport.read("\(box.path("lane-a"))/keep.txt") == "mine\n")
  }

  @Test func anEmptyDirectoryOrAFileAtThePath() throws {
    for makeFile in [false, true] {
      let box = try Sandbox()
      defer { box.expectProtectedTipsUnchanged() }
      if makeFile {
        try TestSupport.write("not a directory\n", to: box.path("lane-a"))
      } else {
        try FileManager.default.createDirectory(atPath: box.path("lane-a"), withIntermediateDirectories: true)
      }
      let before = try box.state()

      let error = caught { try box.ensure("lane-a") }

      #expect(error as? WorkspaceError == .pathExists(path: box.path("lane-a")))
      try box.expectUnchanged(since: before)
    }
  }

  /// A lane branch left from an earlier run is reused as it is (not reset to the mission branch).
  @Test func anExistingLaneBranchIsReusedAtItsTip() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.git(["branch", Sandbox.missionBranch, "develop"])
    let work = try box.branchWithCommit(
      box.branch("lane-a"), from: Sandbox.missionBranch, file: "src/core.sh", text: "echo core\n")

    let result = try box.ensure("lane-a")

    #expect(result.created)
    #expect(result.head == work)
    #expect(try box.tip(box.branch("lane-a")) == work)
    #expect(try TestSupport.read("\(box.path("lane-a"))/src/core.sh") == "echo core\n")
    try box.expectGitAgrees(lane: "lane-a")
  }

  /// The rollback removes only what the failed call made: an existing lane branch keeps its commits.
  @Test func anExistingLaneBranchSurvivesAFailedCreation() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let developTip = try #require(try box.tip("develop"))
    try box.branchWithCommit(box.branch("lane-a"), from: developTip, file: "src/core.sh", text: "echo core\n")
    // The worktree cannot be added: `.worktrees` is a file.
    try TestSupport.write("in the way\n", to: "\(box.root)/.worktrees")
    let before = try box.state()

    let error = caught { try box.ensure("lane-a") }

    #expect(error != nil)
    try box.expectUnchanged(since: before)
    #expect(try TestSupport.read("\(box.root)/.worktrees") == "in the way\n")
  }

  /// A merge into an existing lane branch is taken back when the worktree cannot be added.
  @Test func aLaneBranchMovedByAMergeIsPutBackWhenCreationFails() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let developTip = try #require(try box.tip("develop"))
    try box.git(["branch", Sandbox.missionBranch, developTip])
    let mission = try box.branchWithCommit("scratch", from: developTip, file: "docs/plan.md", text: "plan\n")
    try box.git(["branch", "-f", Sandbox.missionBranch, mission])
    try box.git(["branch", "-D", "scratch"])
    try box.branchWithCommit(box.branch("lane-a"), from: mission, file: "src/core.sh", text: "echo core\n")
    let left = try box.branchWithCommit(box.branch("lane-b"), from: mission, file: "src/left.sh", text: "left\n")
    try box.approve("WP01")
    try TestSupport.write("in the way\n", to: "\(box.root)/.worktrees")
    let before = try box.state()

    let error = caught { try box.ensure("lane-b") }

    #expect(error != nil)
    #expect(try box.tip(box.branch("lane-b")) == left)
    #expect(try box.tip(Sandbox.missionBranch) == mission)
    try box.expectUnchanged(since: before)
  }

  @Test func aLaneBranchCheckedOutInAnotherWorktree() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let elsewhere = TestSupport.temporaryDirectory("elsewhere") + "/lane-a"
    try box.git(["worktree", "add", "-q", "-b", box.branch("lane-a"), elsewhere, "develop"])
    let before = try box.state()
    #expect(try box.tip(Sandbox.missionBranch) == nil)

    let error = caught { try box.ensure("lane-a") }

    guard case .branchCheckedOutElsewhere(let branch, _)? = error as? WorkspaceError else {
      Issue.record("expected branchCheckedOutElsewhere, got \(String(describing: error))")
      return
    }
    #expect(branch == box.branch("lane-a"))
    // The mission branch this call created was removed again.
    try box.expectUnchanged(since: before)
    #expect(try box.git(["status", "--porcelain"], in: elsewhere) == "")
  }

  @Test func aLaneBranchCheckedOutInTheMainCheckout() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.git(["switch", "-q", "-c", box.branch("lane-a")])
    let before = try box.state()

    let error = caught { try box.ensure("lane-a") }

    guard case .branchCheckedOutElsewhere? = error as? WorkspaceError else {
      Issue.record("expected branchCheckedOutElsewhere, got \(String(describing: error))")
      return
    }
    try box.expectUnchanged(since: before)
  }

  /// `.worktrees` exists but is a regular file, so no directory can be made in it.
  @Test func theWorktreesDirectoryIsAFile() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try TestSupport.write("in the way\n", to: "\(box.root)/.worktrees")
    let before = try box.state()

    let error = caught { try box.ensure("lane-a") }

    #expect(error != nil)
    try box.expectUnchanged(since: before)
    #expect(try box.tip(Sandbox.missionBranch) == nil)
    #expect(try box.tip(box.branch("lane-a")) == nil)
  }

  @Test func anUnwritableWorktreesDirectory() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try FileManager.default.createDirectory(atPath: "\(box.root)/.worktrees", withIntermediateDirectories: false)
    try box.ensure("lane-b")  // an existing worktree next to the one that fails
    let before = try box.state()
    var error: Error?

    let applied = try withUnwritableDirectory("\(box.root)/.worktrees") {
      error = caught { try box.ensure("lane-a") }
    }

    try #require(applied, "cannot make a directory unwritable on this machine (neither chmod nor chattr +i)")
    #expect(error != nil)
    try box.expectUnchanged(since: before)
    #expect(try box.tip(box.branch("lane-a")) == nil)
    try box.expectGitAgrees(lane: "lane-b")
    // Once writable again, the same call succeeds.
    #expect(try box.ensure("lane-a").created)
    try box.expectGitAgrees(lane: "lane-a")
  }

  /// The repository root cannot be written, so `.worktrees` itself cannot be made.
  @Test func anUnwritableRepositoryRoot() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let before = try box.state()
    var error: Error?

    let applied = try withUnwritableDirectory(box.root) {
      error = caught { try box.ensure("lane-a") }
    }

    try #require(applied, "cannot make a directory unwritable on this machine (neither chmod nor chattr +i)")
    #expect(error != nil)
    try box.expectUnchanged(since: before)
    #expect(!FileManager.default.fileExists(atPath: "\(box.root)/.worktrees"))
  }

  /// An admin directory left by a crashed libgit2 add: creation refuses and points at repair.
  @Test func aStaleAdminDirectoryWithTheWorktreesName() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try TestSupport.write("leftover\n", to: "\(box.admin)/\(box.name("lane-a"))/junk")
    let before = try box.state()

    let error = caught { try box.ensure("lane-a") }

    guard case .broken(let path, let problems)? = error as? WorkspaceError else {
      Issue.record("expected broken, got \(String(describing: error))")
      return
    }
    #expect(path == box.path("lane-a"))
    #expect(problems.joined().contains("repair"))
    try box.expectUnchanged(since: before)
  }

  @Test func aMissingTargetBranch() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    var spec = box.plainSpec("lane-a")
    spec.targetBranch = "no-such-target"
    let before = try box.state()

    let error = caught { _ = try box.manager.ensureLaneWorktree(spec) }

    #expect(error as? WorkspaceError == .missingTargetBranch(branch: "no-such-target"))
    try box.expectUnchanged(since: before)
  }

  /// Faults after a successful creation leave the earlier worktrees of the mission alone.
  @Test func aFailureDoesNotTouchOtherLanes() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let core = try box.commit("src/shared.sh", "echo a\n", in: box.path("lane-a"))
    try box.ensure("lane-c")
    try box.branchWithCommit(
      box.branch("lane-b"), from: Sandbox.missionBranch, file: "src/shared.sh", text: "echo b\n")
    try box.approve("WP01")
    let before = try box.state()

    #expect(caught { try box.ensure("lane-b") } != nil)

    try box.expectUnchanged(since: before)
    #expect(try box.tip(box.branch("lane-a")) == core)
    try box.expectGitAgrees(lane: "lane-a")
    try box.expectGitAgrees(lane: "lane-c")
  }
}
