import Foundation
import KittyCore
import KittyGit
import KittyTestSupport
import KittyWorkspaces
import Testing

/// `remove(path:targetBranch:force:)`: nothing that would lose work goes without `force`; the main checkout and
/// anything outside `.worktrees/` never go; git agrees with what is left.
@Suite struct RemovalTests {
  enum Tree: String, CaseIterable {
    case clean, dirty, untracked
  }

  enum History: String, CaseIterable {
    case merged, unmerged
  }

  struct Case: CustomTestStringConvertible, Sendable {
    var tree: Tree
    var history: History
    var force: Bool
    var testDescription: String { "\(tree.rawValue), \(history.rawValue)\(force ? ", --force" : "")" }

    static let all: [Case] = Tree.allCases.flatMap { tree in
      History.allCases.flatMap { history in [false, true].map { Case(tree: tree, history: history, force: $0) } }
    }
  }

  @Test(arguments: Case.all)
  func safetyMatrix(_ c: Case) throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let dir = box.path("lane-a")
    let work = try box.commit("src/core.sh", "echo core\n", in: dir)
    if c.history == .merged {
      try box.git(["merge", "-q", "--no-ff", "-m", "Merge lane-a", box.branch("lane-a")])
      try box.pinProtectedTips()
    }
    switch c.tree {
    case .clean: break
    case .dirty: try TestSupport.write("changed\n", to: "\(dir)/src/core.sh")
    case .untracked: try TestSupport.write("scratch\n", to: "\(dir)/notes/todo.txt")
    }
    let before = try box.state()
    let safe = c.tree == .clean && c.history == .merged

    var result: RemovalResult?
    let error = caught { result = try box.manager.remove(path: dir, targetBranch: "develop", force: c.force) }

    if safe || c.force {
      #expect(error == nil, "\(String(describing: error))")
      #expect(result?.path == dir)
      #expect(result?.branch == box.branch("lane-a"))
      #expect(result?.branchDeleted == true)
      #expect(result?.branchKeptReason == nil)
      #expect(!FileManager.default.fileExists(atPath: dir))
      #expect(!FileManager.default.fileExists(atPath: "\(box.admin)/\(box.name("lane-a"))"))
      #expect(try box.gitWorktrees()[dir] == nil)
      #expect(try box.git(["worktree", "prune", "--dry-run", "-v"]) == "")
      #expect(try box.gitBranches()[box.branch("lane-a")] == nil)
      #expect(try box.tip(box.branch("lane-a")) == nil)
    } else {
      switch (c.tree, error as? WorkspaceError) {
      case (.dirty, .dirty(_, let path, let paths)?):
        #expect(path == dir)
        #expect(paths == ["src/core.sh"])
      case (.untracked, .dirty(_, let path, let paths)?):
        #expect(path == dir)
        #expect(paths.count == 1 && paths[0].hasPrefix("notes/"))
      case (.clean, .unmerged(let branch, let target, let commits)?):
        #expect(branch == box.branch("lane-a"))
        #expect(target == "develop")
        #expect(commits == 1)
      default:
        Issue.record("\(c.testDescription): unexpected outcome \(String(describing: error))")
      }
      #expect("\(error.map { "\($0)" } ?? "")".contains("--force"))
      try box.expectUnchanged(since: before)
      #expect(try box.tip(box.branch("lane-a")) == work)
      #expect(try box.gitWorktrees()[dir]?.branch == "refs/heads/\(box.branch("lane-a"))")
    }
  }

  @Test func aLockedWorktreeNeedsForce() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let dir = box.path("lane-a")
    try box.git(["worktree", "lock", "--reason", "agent running", dir])
    let before = try box.state()

    let error = caught { _ = try box.manager.remove(path: dir, targetBranch: "develop") }

    #expect(error as? WorkspaceError == .locked(path: dir, reason: "agent running"))
    try box.expectUnchanged(since: before)
    #expect(try box.gitWorktrees()[dir]?.extra == ["locked agent running"])

    let result = try box.manager.remove(path: dir, targetBranch: "develop", force: true)
    #expect(result.branchDeleted)
    #expect(try box.gitWorktrees()[dir] == nil)
    #expect(!FileManager.default.fileExists(atPath: dir))
  }

  @Test func theMainCheckoutIsNeverRemoved() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let before = try box.state()
    let files = TestSupport.snapshotTree(box.root)

    for path in [box.root, box.root + "/", box.root + "/.", "\(box.root)/.worktrees/.."] {
      for force in [false, true] {
        let error = caught { _ = try box.manager.remove(path: path, targetBranch: "develop", force: force) }
        #expect(error as? WorkspaceError == .mainWorktree(path: box.root), "\(path) force=\(force)")
      }
    }
    try box.expectUnchanged(since: before)
    #expect(TestSupport.snapshotTree(box.root) == files)
  }

  @Test func nothingOutsideTheWorktreesDirectoryIsRemoved() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let sibling = (box.root as NSString).deletingLastPathComponent + "/\(box.name("lane-c"))"
    try box.git(["worktree", "add", "-q", "-b", box.branch("lane-c"), sibling, "develop"])
    let nested = "\(box.root)/kitty-specs/nested-wt"
    try box.git(["worktree", "add", "-q", "-b", "nested", nested, "develop"])
    try FileManager.default.createDirectory(atPath: "\(box.root)/.worktrees", withIntermediateDirectories: false)
    try FileManager.default.createSymbolicLink(atPath: "\(box.root)/.worktrees/link", withDestinationPath: sibling)
    let before = try box.state()

    for path in [sibling, nested, "\(box.root)/.worktrees", "\(box.root)/.worktrees/../kitty-specs/nested-wt"] {
      let error = caught { _ = try box.manager.remove(path: path, targetBranch: "develop", force: true) }
      guard case .outsideWorktreesDirectory? = error as? WorkspaceError else {
        Issue.record("\(path): expected outsideWorktreesDirectory, got \(String(describing: error))")
        continue
      }
    }
    // A symbolic link inside .worktrees/ to a worktree elsewhere is not a managed worktree.
    let viaLink = caught {
      _ = try box.manager.remove(path: "\(box.root)/.worktrees/link", targetBranch: nil, force: true)
    }
    #expect(viaLink != nil)
    try box.expectUnchanged(since: before)
    #expect(FileManager.default.fileExists(atPath: "\(sibling)/README.md"))
    #expect(FileManager.default.fileExists(atPath: "\(nested)/README.md"))
  }

  @Test func anUnregisteredDirectoryInTheWorktreesDirectoryIsLeftAlone() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let dir = box.path("lane-a")
    try TestSupport.write("precious\n", to: "\(dir)/data.txt")
    let before = try box.state()

    let error = caught { _ = try box.manager.remove(path: dir, targetBranch: "develop", force: true) }

    #expect(error as? WorkspaceError == .notFound("worktree \(dir)"))
    try box.expectUnchanged(since: before)
    #expect(try TestSupport.read("\(dir)/data.txt") == "precious\n")
  }

  /// spec-kitty's worktrees come from `git worktree add`; they are removed like git-kitty's own.
  @Test func aWorktreeMadeByGitWorktreeAddIsRemoved() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.git(["branch", Sandbox.missionBranch, "develop"])
    let dir = box.path("lane-c")
    try box.git(["worktree", "add", "-q", "-b", box.branch("lane-c"), dir, Sandbox.missionBranch])
    try box.git(["worktree", "add", "-q", "-b", box.branch("lane-b"), box.path("lane-b"), Sandbox.missionBranch])
    try TestSupport.write("wip\n", to: "\(box.path("lane-b"))/wip.txt")

    let result = try box.manager.remove(path: dir, targetBranch: "develop")

    #expect(result.branchDeleted)
    #expect(try box.gitWorktrees()[dir] == nil)
    #expect(try box.tip(box.branch("lane-c")) == nil)
    #expect(try box.git(["worktree", "prune", "--dry-run", "-v"]) == "")
    // The dirty one made by git is refused like git-kitty's own.
    let error = caught { _ = try box.manager.remove(path: box.path("lane-b"), targetBranch: "develop") }
    guard case .dirty(_, _, let paths)? = error as? WorkspaceError else {
      Issue.record("expected dirty, got \(String(describing: error))")
      return
    }
    #expect(paths == ["wip.txt"])
    #expect(try box.gitWorktrees()[box.path("lane-b")] != nil)
  }

  /// Without a target to compare against, the worktree goes but the branch (and its commits) stays.
  @Test func withoutATargetTheBranchIsKept() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let work = try box.commit("src/core.sh", "echo core\n", in: box.path("lane-a"))

    let result = try box.manager.remove(path: box.path("lane-a"), targetBranch: nil)

    #expect(!result.branchDeleted)
    #expect(result.branchKeptReason?.contains("no target branch") == true)
    #expect(try box.tip(box.branch("lane-a")) == work)
    #expect(try box.gitWorktrees()[box.path("lane-a")] == nil)
    // Re-creating the lane picks the kept branch up again.
    let again = try box.ensure("lane-a")
    #expect(again.created)
    #expect(again.head == work)
    try box.expectGitAgrees(lane: "lane-a")
  }

  @Test func aProtectedLaneBranchIsNeverDeleted() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let dir = box.path("lane-a")
    try box.git(["worktree", "add", "-q", "-b", box.branch("lane-a"), dir, "develop"])
    let work = try box.commit("src/core.sh", "echo core\n", in: dir)
    try TestSupport.write(
      "protection:\n  protected_branches: [main, master, \(box.branch("lane-a"))]\n",
      to: "\(box.root)/.kittify/config.yaml")
    try box.reloadContext()

    let result = try box.manager.remove(path: dir, targetBranch: "develop", force: true)

    #expect(!result.branchDeleted)
    #expect(result.branchKeptReason == "\(box.branch("lane-a")) is protected")
    #expect(try box.tip(box.branch("lane-a")) == work)
  }

  /// A detached worktree whose HEAD carries commits no branch has: removing it would lose them.
  @Test func aDetachedWorktreeWithUnreachableCommitsNeedsForce() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let dir = box.path("lane-a")
    try box.git(["worktree", "add", "-q", "--detach", dir, "develop"])
    let lost = try box.commit("src/core.sh", "echo core\n", in: dir)
    #expect(try box.line(["branch", "--contains", lost]) == "")
    let before = try box.state()

    let error = caught { _ = try box.manager.remove(path: dir, targetBranch: "develop") }

    let changes = try box.state().differences(from: before)
    do {
      #expect(error != nil)
      #expect(changes.isEmpty)
    }
    // Detached at a commit the target already has: nothing to lose, so it goes without --force.
    let other = box.path("lane-b")
    try box.git(["worktree", "add", "-q", "--detach", other, "develop"])
    let result = try box.manager.remove(path: other, targetBranch: "develop")
    #expect(result.branch == nil)
    #expect(try box.gitWorktrees()[other] == nil)
  }
}
