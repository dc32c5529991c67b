import Foundation
import KittyCore
import KittyGit
import KittyTestSupport
import KittyWorkspaces
import Testing

/// `ensureLaneWorktree`: creation, reuse, dependency-lane merges, checked against the real `git` binary.
@Suite struct LaneCreationTests {
  @Test func createsTheLaneWorktreeAsGitSeesIt() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let developTip = try #require(try box.tip("develop"))
    #expect(try box.tip(Sandbox.missionBranch) == nil)

    let result = try box.ensure("lane-a")

    #expect(result.created)
    #expect(result.path == box.path("lane-a"))
    #expect(result.branch == "kitty/mission-demo-feature-01M806VT-lane-a")
    #expect(result.merged == [])  // the recorded planning commit is already in develop
    #expect(result.head == developTip)
    #expect(try box.tip(Sandbox.missionBranch) == developTip)
    #expect(try box.tip(box.branch("lane-a")) == developTip)
    try box.expectGitAgrees(lane: "lane-a")
    // The checkout holds the target's files.
    #expect(try TestSupport.read("\(box.path("lane-a"))/README.md") == (try TestSupport.read("\(box.root)/README.md")))
    #expect(FileManager.default.fileExists(atPath: "\(box.admin)/\(box.name("lane-a"))/HEAD"))
    // The main checkout is untouched (.worktrees/ is ignored by the fixture's .gitignore).
    #expect(try box.line(["symbolic-ref", "HEAD"]) == "refs/heads/develop")
    #expect(try box.git(["status", "--porcelain"]) == "")
  }

  @Test func creatingTwiceReusesTheWorktree() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let first = try box.ensure("lane-a")
    let marker = "\(box.path("lane-a"))/.git"
    let linkBefore = try TestSupport.read(marker)
    let before = try box.state()

    let second = try box.ensure("lane-a")

    #expect(first.created)
    #expect(!second.created)
    #expect(second.path == first.path)
    #expect(second.branch == first.branch)
    #expect(second.head == first.head)
    #expect(second.merged == [])
    try box.expectUnchanged(since: before)
    #expect(try TestSupport.read(marker) == linkBefore)
    try box.expectGitAgrees(lane: "lane-a")
  }

  @Test func reuseKeepsCommittedWorkOnTheLane() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let work = try box.commit("src/core.sh", "echo core\n", in: box.path("lane-a"))

    let again = try box.ensure("lane-a")

    #expect(!again.created)
    #expect(again.head == work)
    #expect(try box.tip(box.branch("lane-a")) == work)
    try box.expectGitAgrees(lane: "lane-a")
  }

  @Test(arguments: ["modified", "untracked", "staged"])
  func reuseOfADirtyWorktreeIsRefused(_ kind: String) throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let dir = box.path("lane-a")
    switch kind {
    case "modified": try TestSupport.write("changed\n", to: "\(dir)/README.md")
    case "untracked": try TestSupport.write("new\n", to: "\(dir)/notes.txt")
    default:
      try TestSupport.write("staged\n", to: "\(dir)/staged.txt")
      try box.git(["add", "staged.txt"], in: dir)
    }
    let expectedPath = ["modified": "README.md", "untracked": "notes.txt", "staged": "staged.txt"][kind]!
    let before = try box.state()

    let error = caught { try box.ensure("lane-a") }

    guard case .dirty(let laneID, let path, let paths)? = error as? WorkspaceError else {
      Issue.record("expected WorkspaceError.dirty, got \(String(describing: error))")
      return
    }
    #expect(laneID == "lane-a")
    #expect(path == dir)
    #expect(paths == [expectedPath])
    let message = "\(error!)"
    #expect(message.contains("uncommitted changes"))
    #expect(message.contains(expectedPath))
    #expect(message.contains("Commit or stash"))
    try box.expectUnchanged(since: before)
  }

  @Test func reuseOfAWorktreeOnTheWrongBranchIsRefused() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.git(["switch", "-q", "-c", "somewhere-else"], in: box.path("lane-a"))
    let before = try box.state()

    let error = caught { try box.ensure("lane-a") }

    guard case .broken(let path, let problems)? = error as? WorkspaceError else {
      Issue.record("expected WorkspaceError.broken, got \(String(describing: error))")
      return
    }
    #expect(path == box.path("lane-a"))
    #expect(problems.contains { $0.contains("somewhere-else") })
    try box.expectUnchanged(since: before)
  }

  /// spec-kitty makes lane worktrees with `git worktree add`; git-kitty adopts them as they are.
  @Test func reusesAWorktreeMadeByGitWorktreeAdd() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.git(["branch", Sandbox.missionBranch, "develop"])
    try box.git(["worktree", "add", "-q", "-b", box.branch("lane-b"), box.path("lane-b"), Sandbox.missionBranch])
    let work = try box.commit("src/left.sh", "echo left\n", in: box.path("lane-b"))
    let before = try box.state()

    let result = try box.ensure("lane-b")

    #expect(!result.created)
    #expect(result.head == work)
    try box.expectUnchanged(since: before)
    try box.expectGitAgrees(lane: "lane-b")
  }

  @Test func lanesOfOneMissionShareTheMissionBranch() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let developTip = try box.tip("develop")
    for lane in ["lane-a", "lane-b", "lane-c", "lane-d"] { #expect(try box.ensure(lane).created) }

    #expect(try box.tip(Sandbox.missionBranch) == developTip)
    let listed = try box.gitWorktrees()
    #expect(listed.count == 4)
    for lane in ["lane-a", "lane-b", "lane-c", "lane-d"] {
      try box.expectGitAgrees(lane: lane)
      #expect(try box.tip(box.branch(lane)) == developTip)
    }
    // The mission branch itself is not checked out anywhere.
    #expect(try box.gitBranches()[Sandbox.missionBranch] == " ")
  }

  /// git's own worktree commands work on git-kitty's worktrees: lock, move, remove, branch deletion.
  @Test func gitManagesGitKittyWorktrees() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.ensure("lane-b")
    let moved = "\(box.root)/.worktrees/moved-by-git"

    try box.git(["worktree", "lock", "--reason", "testing", box.path("lane-a")])
    try box.git(["worktree", "unlock", box.path("lane-a")])
    try box.git(["worktree", "move", box.path("lane-a"), moved])
    #expect(try box.gitWorktrees()[moved]?.branch == "refs/heads/\(box.branch("lane-a"))")
    let report = try WorktreeValidator(context: box.context).checkAll().first { $0.path == moved }
    #expect(report?.isHealthy == true, "\(report?.problems ?? [])")
    try box.git(["worktree", "remove", moved])
    try box.git(["branch", "-d", box.branch("lane-a")])

    #expect(try box.gitWorktrees().keys.sorted() == [box.path("lane-b")])
    #expect(try WorktreeInventory(context: box.context).list().map(\.path) == [box.path("lane-b")])
    #expect(try box.git(["worktree", "prune", "--dry-run", "-v"]) == "")
    // And git-kitty creates the lane again from scratch.
    #expect(try box.ensure("lane-a").created)
    try box.expectGitAgrees(lane: "lane-a")
  }

  /// git ≥ 2.48 writes relative links (`worktree.useRelativePaths`); a relative `.git` file is followed.
  @Test func aRelativeGitdirLinkIsFollowed() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try TestSupport.write(
      "gitdir: ../../.git/worktrees/\(box.name("lane-a"))\n", to: "\(box.path("lane-a"))/.git")

    let report = try #require(try WorktreeValidator(context: box.context).checkAll().first)
    #expect(report.isHealthy, "\(report.problems)")
    #expect(try box.ensure("lane-a").created == false)
    try box.expectGitAgrees(lane: "lane-a")
  }

  /// A lock keeps a worktree from being pruned, moved or removed; it does not make it unusable.
  @Test func aLockedWorktreeIsReused() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.git(["worktree", "lock", "--reason", "on a USB disk", box.path("lane-a")])
    let before = try box.state()

    var result: LaneWorktreeResult?
    let error = caught { result = try box.ensure("lane-a") }

    do {
      #expect(error == nil, "\(String(describing: error))")
      #expect(result?.created == false)
    }
    try box.expectUnchanged(since: before)
  }

  /// The target branch only exists as origin/<target>: the mission branch starts from the remote tip.
  @Test func aTargetThatOnlyExistsOnTheRemoteIsUsed() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let remoteMain = try #require(try box.tip("refs/remotes/origin/main"))
    try box.git(["branch", "-D", "main"])
    try box.pinProtectedTips()
    var spec = box.plainSpec("lane-a")
    spec.targetBranch = "main"

    let result = try box.manager.ensureLaneWorktree(spec)

    #expect(result.head == remoteMain)
    #expect(try box.tip(Sandbox.missionBranch) == remoteMain)
    #expect(try box.tip("main") == nil)
  }

  @Test func aPathOutsideTheWorktreesDirectoryIsRefused() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let before = try box.state()
    for path in [
      "\(box.root)/elsewhere", "\(box.root)/.worktrees", "\(box.root)/.worktrees/../escape", box.root,
      "\((box.root as NSString).deletingLastPathComponent)/sibling", "\(box.root)/.worktrees-other/lane-a",
    ] {
      var spec = box.plainSpec("lane-a")
      spec.path = path
      let error = caught { _ = try box.manager.ensureLaneWorktree(spec) }
      guard case .outsideWorktreesDirectory? = error as? WorkspaceError else {
        Issue.record("\(path): expected outsideWorktreesDirectory, got \(String(describing: error))")
        continue
      }
      #expect(!FileManager.default.fileExists(atPath: "\(box.root)/escape"))
    }
    try box.expectUnchanged(since: before)
  }

  /// A mission branch that already moved on is where new lanes start (the target is not consulted again).
  @Test func newLanesStartFromAnExistingMissionBranch() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let developTip = try #require(try box.tip("develop"))
    let plan = try box.branchWithCommit(Sandbox.missionBranch, from: developTip, file: "docs/plan.md", text: "plan\n")

    let result = try box.ensure("lane-c")

    #expect(result.head == plan)
    #expect(try box.tip(Sandbox.missionBranch) == plan)
    #expect(try TestSupport.read("\(box.path("lane-c"))/docs/plan.md") == "plan\n")
    try box.expectGitAgrees(lane: "lane-c")
  }

  /// Parallel callers (two agents starting at once) get one worktree per lane and no leftovers.
  @Test func concurrentCallsCreateEachWorktreeOnce() async throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let lanes = ["lane-a", "lane-b", "lane-a", "lane-c", "lane-d", "lane-b", "lane-a", "lane-d"]
    let specs = try lanes.map { try box.spec($0) }
    let context = box.context

    let results = try await withThrowingTaskGroup(of: LaneWorktreeResult.self) { group in
      for spec in specs {
        group.addTask { try WorktreeManager(context: context).ensureLaneWorktree(spec) }
      }
      var collected: [LaneWorktreeResult] = []
      for try await result in group { collected.append(result) }
      return collected
    }

    #expect(results.count == lanes.count)
    for lane in Set(lanes) {
      let mine = results.filter { $0.branch == box.branch(lane) }
      #expect(mine.count == lanes.filter { $0 == lane }.count)
      #expect(mine.filter(\.created).count == 1, "\(lane) created \(mine.filter(\.created).count) times")
      #expect(Set(mine.map(\.head)).count == 1)
      try box.expectGitAgrees(lane: lane)
    }
    #expect(try box.gitWorktrees().count == 4)
  }

  @Test func aConfiguredProtectedLaneOrMissionBranchIsNeverWritten() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try TestSupport.write(
      "protection:\n  protected_branches: [main, master, \(Sandbox.missionBranch)]\n",
      to: "\(box.root)/.kittify/config.yaml")
    try box.reloadContext()
    #expect(box.context.protection.isProtected(Sandbox.missionBranch))
    let before = try box.state()

    let error = caught { try box.ensure("lane-a") }

    #expect(error as? WorkspaceError == .protectedBranch(branch: Sandbox.missionBranch))
    try box.expectUnchanged(since: before)
  }
}

/// Dependency lanes: `MissionWorkspaces.spec` merges approved dependency lanes, and creation or reuse merges them
/// (fast-forward or a merge commit), or fails with the conflicting paths and changes nothing.
@Suite struct DependencyMergeTests {
  @Test func specMergesOnlyApprovedDependencyLanes() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let planning = LaneWorktreeSpec.MergeSource(
      label: "recorded planning-artifact commit", revision: "0703558b91134069461d5f74620bdb4957ea28b7",
      optional: true)
    func dependency(_ lane: String) -> LaneWorktreeSpec.MergeSource {
      .init(label: "dependency lane \(lane)", revision: box.branch(lane), optional: true)
    }

    #expect(try box.spec("lane-a").merges == [planning])
    #expect(try box.spec("lane-b").merges == [planning])
    try box.move("WP01", to: "for_review")
    #expect(try box.spec("lane-b").merges == [planning])
    try box.approve("WP01")
    #expect(try box.spec("lane-b").merges == [planning, dependency("lane-a")])
    #expect(try box.spec("lane-c").merges == [planning, dependency("lane-a")])
    #expect(try box.spec("lane-d").merges == [planning])
    try box.move("WP03", to: "done")
    #expect(try box.spec("lane-d").merges == [planning, dependency("lane-c")])
    try box.approve("WP02")
    #expect(try box.spec("lane-d").merges == [planning, dependency("lane-b"), dependency("lane-c")])

    let spec = try box.spec("lane-d")
    #expect(spec.laneBranch == "kitty/mission-demo-feature-01M806VT-lane-d")
    #expect(spec.missionBranch == Sandbox.missionBranch)
    #expect(spec.targetBranch == "develop")
    #expect(spec.path == "\(box.root)/.worktrees/demo-feature-01M806VT-lane-d")
    #expect(
      caught { _ = try box.spec("lane-z") } as? WorkspaceError
        == .unknownLane(laneID: "lane-z", mission: Sandbox.slug))
  }

  @Test func anApprovedDependencyLaneIsFastForwardedIntoANewLane() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let core = try box.commit("src/core.sh", "echo core\n", in: box.path("lane-a"))
    try box.approve("WP01")

    let result = try box.ensure("lane-b")

    #expect(result.created)
    #expect(result.merged == ["dependency lane lane-a"])
    #expect(result.head == core)
    #expect(try box.tip(box.branch("lane-b")) == core)
    #expect(try TestSupport.read("\(box.path("lane-b"))/src/core.sh") == "echo core\n")
    try box.expectGitAgrees(lane: "lane-b")
    // The dependency lane and the mission branch did not move.
    #expect(try box.tip(box.branch("lane-a")) == core)
    #expect(try box.tip(Sandbox.missionBranch) == (try box.tip("develop")))
  }

  @Test func anExistingLaneBranchGetsAMergeCommitOnCreation() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let core = try box.commit("src/core.sh", "echo core\n", in: box.path("lane-a"))
    let left = try box.branchWithCommit(
      box.branch("lane-b"), from: Sandbox.missionBranch, file: "src/left.sh", text: "echo left\n")
    try box.approve("WP01")

    let result = try box.ensure("lane-b")

    #expect(result.created)
    #expect(result.merged == ["dependency lane lane-a"])
    try expectMergeCommit(box, lane: "lane-b", head: result.head, parents: [left, core])
    #expect(try TestSupport.read("\(box.path("lane-b"))/src/core.sh") == "echo core\n")
    #expect(try TestSupport.read("\(box.path("lane-b"))/src/left.sh") == "echo left\n")
    try box.expectGitAgrees(lane: "lane-b")
  }

  @Test func reuseMergesADependencyThatWasApprovedLater() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.ensure("lane-b")
    let core = try box.commit("src/core.sh", "echo core\n", in: box.path("lane-a"))
    let left = try box.commit("src/left.sh", "echo left\n", in: box.path("lane-b"))
    #expect(try box.ensure("lane-b").merged == [])
    try box.approve("WP01")

    let result = try box.ensure("lane-b")

    #expect(!result.created)
    #expect(result.merged == ["dependency lane lane-a"])
    try expectMergeCommit(box, lane: "lane-b", head: result.head, parents: [left, core])
    // The clean checkout was moved along with its branch.
    #expect(try TestSupport.read("\(box.path("lane-b"))/src/core.sh") == "echo core\n")
    try box.expectGitAgrees(lane: "lane-b")
    // A third call has nothing left to merge.
    let again = try box.ensure("lane-b")
    #expect(again.merged == [])
    #expect(again.head == result.head)
  }

  @Test func twoApprovedDependenciesAreMergedInOrder() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-b")
    try box.ensure("lane-c")
    let left = try box.commit("src/left.sh", "echo left\n", in: box.path("lane-b"))
    let right = try box.commit("src/right.sh", "echo right\n", in: box.path("lane-c"))
    try box.approve("WP02")
    try box.approve("WP03")

    let result = try box.ensure("lane-d")

    #expect(result.merged == ["dependency lane lane-b", "dependency lane lane-c"])
    // lane-b fast-forwards, lane-c is merged on top of it.
    try expectMergeCommit(box, lane: "lane-d", head: result.head, parents: [left, right], from: "lane-c")
    try box.expectGitAgrees(lane: "lane-d")
  }

  @Test func aConflictingDependencyOnCreationChangesNothing() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.commit("src/shared.sh", "echo from lane-a\n", in: box.path("lane-a"))
    try box.branchWithCommit(
      box.branch("lane-b"), from: Sandbox.missionBranch, file: "src/shared.sh", text: "echo from lane-b\n")
    try box.approve("WP01")
    let before = try box.state()

    let error = caught { try box.ensure("lane-b") }

    #expect(
      error as? WorkspaceError
        == .mergeConflict(laneID: "lane-b", merging: "dependency lane lane-a", paths: ["src/shared.sh"]))
    #expect("\(error.map { "\($0)" } ?? "")".contains("nothing was changed"))
    try box.expectUnchanged(since: before)
    #expect(!FileManager.default.fileExists(atPath: box.path("lane-b")))
  }

  @Test func aConflictingDependencyOnCreationOfANewMissionBranchChangesNothing() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    // Neither the mission branch nor the lane branch exists yet: both must be gone again after the failure.
    let developTip = try #require(try box.tip("develop"))
    try box.branchWithCommit(box.branch("lane-a"), from: developTip, file: "README.md", text: "lane a\n")
    var spec = box.plainSpec("lane-b")
    spec.merges = [
      .init(label: "dependency lane lane-a", revision: box.branch("lane-a")),
      .init(
        label: "conflicting commit",
        revision: try box.branchWithCommit("other", from: developTip, file: "README.md", text: "other\n")),
    ]
    let before = try box.state()

    let error = caught { _ = try box.manager.ensureLaneWorktree(spec) }

    #expect(
      error as? WorkspaceError
        == .mergeConflict(laneID: "lane-b", merging: "conflicting commit", paths: ["README.md"]))
    try box.expectUnchanged(since: before)
    #expect(try box.tip(Sandbox.missionBranch) == nil)
    #expect(try box.tip(box.branch("lane-b")) == nil)
  }

  @Test func aConflictingDependencyOnReuseChangesNothing() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    try box.ensure("lane-b")
    try box.commit("src/shared.sh", "echo from lane-a\n", in: box.path("lane-a"))
    try box.commit("src/shared.sh", "echo from lane-b\n", in: box.path("lane-b"))
    try box.approve("WP01")
    let before = try box.state()

    let error = caught { try box.ensure("lane-b") }

    #expect(
      error as? WorkspaceError
        == .mergeConflict(laneID: "lane-b", merging: "dependency lane lane-a", paths: ["src/shared.sh"]))
    try box.expectUnchanged(since: before)
    #expect(try TestSupport.read("\(box.path("lane-b"))/src/shared.sh") == "echo from lane-b\n")
    try box.expectGitAgrees(lane: "lane-b")
  }

  @Test func aMissingRequiredMergeSourceFailsAndAnOptionalOneIsSkipped() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let before = try box.state()
    let required = box.plainSpec("lane-b", merges: [.init(label: "dependency lane lane-x", revision: "no-such-branch")])

    let error = caught { _ = try box.manager.ensureLaneWorktree(required) }

    #expect(error as? WorkspaceError == .notFound("dependency lane lane-x (no-such-branch)"))
    try box.expectUnchanged(since: before)

    let optional = box.plainSpec(
      "lane-b", merges: [.init(label: "dependency lane lane-x", revision: "no-such-branch", optional: true)])
    let result = try box.manager.ensureLaneWorktree(optional)
    #expect(result.created)
    #expect(result.merged == [])
  }

  /// The merge commit git-kitty wrote: message, parents in order, a clean tree as git sees it.
  func expectMergeCommit(
    _ box: Sandbox, lane: String, head: String, parents: [String], from dependency: String = "lane-a",
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    #expect(try box.tip(box.branch(lane)) == head, sourceLocation: sourceLocation)
    #expect(
      try box.line(["log", "-1", "--format=%s", head]) == "Merge dependency lane \(dependency) into \(lane)",
      sourceLocation: sourceLocation)
    #expect(
      try box.line(["log", "-1", "--format=%P", head]) == parents.joined(separator: " "),
      sourceLocation: sourceLocation)
    #expect(try box.succeeds(["fsck", "--no-progress", "--no-dangling"]), sourceLocation: sourceLocation)
  }
}
