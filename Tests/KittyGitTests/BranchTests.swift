import Foundation
import KittyGit
import KittyTestSupport
import Testing

/// Branches: naming, tips, creation, checked-out detection and graph queries, checked against `git`.
@Suite struct BranchTests {
  @Test func createBranchIsListedByGit() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    let head = try #require(try repo.headCommitID())
    try repo.createBranch("kitty/mission-demo-lane-a", at: head)
    let listed = try Oracle.lines(["branch", "--list", "--format=%(refname:short) %(objectname)", "kitty/*"], in: root)
    #expect(listed == ["kitty/mission-demo-lane-a \(head.hex)"])
    #expect(try repo.branchTip("kitty/mission-demo-lane-a") == head)
    #expect(try repo.branchTip("refs/heads/kitty/mission-demo-lane-a") == head)
    // Creating a branch does not switch to it.
    #expect(try Oracle.line(["rev-parse", "--abbrev-ref", "HEAD"], in: root) == "main")
  }

  @Test func createBranchThatExistsFailsWithExists() throws {
    let root = try TestSupport.makeRepository()
    let old = try Oracle.oid("HEAD", in: root)
    let new = try Oracle.commitFile("b.txt", "b\n", message: "b", in: root)
    try TestSupport.git(["branch", "lane", old.hex], in: root)
    let repo = try Repository.discover(from: root)
    let error = #expect(throws: GitError.self) { try repo.createBranch("lane", at: new) }
    #expect(error?.isExists == true)
    #expect(try Oracle.oid("lane", in: root) == old)
  }

  @Test func localBranchesMatchGitBranch() throws {
    let root = try Oracle.fixtureWithMain()
    try TestSupport.git(["branch", "kitty/lane-a"], in: root)
    try TestSupport.git(["branch", "zeta"], in: root)
    let repo = try Repository.discover(from: root)
    let expected = try Oracle.lines(["branch", "--format=%(refname:short)"], in: root).sorted()
    #expect(try repo.localBranches() == expected)
    #expect(try repo.localBranches() == ["develop", "kitty/lane-a", "main", "zeta"])
  }

  @Test func branchTipAndRemoteBranchTipMatchRevParse() throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    #expect(try repo.branchTip("develop") == (try Oracle.oid("refs/heads/develop", in: root)))
    #expect(try repo.remoteBranchTip("main") == (try Oracle.oid("refs/remotes/origin/main", in: root)))
    #expect(try repo.remoteBranchTip("develop") == (try Oracle.oid("refs/remotes/origin/develop", in: root)))
    #expect(try repo.branchTip("no-such") == nil)
    #expect(try repo.remoteBranchTip("no-such") == nil)
    #expect(try repo.remoteBranchTip("main", remote: "upstream") == nil)
  }

  @Test(arguments: [
    "main", "kitty/mission-x-lane-a", "feature/ok", "with space", "bad..dots", "ends.lock", "-leading", "a:b",
    "trailing/", "a@{b", "HEAD", "tilde~1", "new\u{7F}del", "tab\there", "bell\u{07}", "ok-with-ünïcode",
  ])
  func isValidNameAgreesWithCheckRefFormat(name: String) throws {
    let root = try TestSupport.makeRepository()
    let gitSays = try Oracle.succeeds(["check-ref-format", "--branch", name], in: root)
    do {
      #expect(Branch.isValidName(name) == gitSays, "\(name.debugDescription)")
    }
  }

  @Test func fullAndShortNames() {
    #expect(Branch.fullName("develop") == "refs/heads/develop")
    #expect(Branch.fullName("refs/heads/develop") == "refs/heads/develop")
    #expect(Branch.shortName("refs/heads/kitty/a") == "kitty/a")
    #expect(Branch.shortName("kitty/a") == "kitty/a")
  }

  @Test func isBranchCheckedOutSeesTheMainCheckoutAndLinkedWorktrees() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree(name: "wt", branch: "feature")
    try TestSupport.git(["branch", "idle"], in: main)
    let fromMain = try Repository.discover(from: main)
    let fromWorktree = try Repository.discover(from: worktree)
    for repo in [fromMain, fromWorktree] {
      #expect(try repo.isBranchCheckedOut("main"))
      #expect(try repo.isBranchCheckedOut("feature"))
      #expect(try repo.isBranchCheckedOut("refs/heads/feature"))
      #expect(try repo.isBranchCheckedOut("idle") == false)
      #expect(try repo.isBranchCheckedOut("missing") == false)
    }
    // git agrees: it refuses to delete a checked-out branch and deletes the idle one.
    #expect(try Oracle.succeeds(["branch", "-D", "feature"], in: main) == false)

    try TestSupport.git(["worktree", "remove", worktree], in: main)
    #expect(try fromMain.isBranchCheckedOut("feature") == false)
    #expect(try Oracle.succeeds(["branch", "-D", "feature"], in: main))
  }

  @Test func aBranchInADeletedButUnprunedWorktreeStillCountsAsCheckedOutLikeGit() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree(name: "wt", branch: "feature")
    try FileManager.default.removeItem(atPath: worktree)
    let repo = try Repository.discover(from: main)
    #expect(try Oracle.succeeds(["branch", "-D", "feature"], in: main) == false)
    do {
      #expect(try repo.isBranchCheckedOut("feature"))
    }
    try TestSupport.git(["worktree", "prune"], in: main)
    #expect(try repo.isBranchCheckedOut("feature") == false)
  }

  /// A deleted (unpruned) worktree must not hide branches checked out in the healthy ones.
  @Test func aDeletedWorktreeDoesNotHideABranchCheckedOutInAnotherOne() throws {
    let root = try TestSupport.makeRepository()
    let parent = (root as NSString).deletingLastPathComponent
    for name in ["a-gone", "b-alive", "c-alive", "m-gone", "z-alive"] {
      try TestSupport.git(["worktree", "add", "-q", "-b", name, "\(parent)/\(name)"], in: root)
    }
    try FileManager.default.removeItem(atPath: "\(parent)/a-gone")
    try FileManager.default.removeItem(atPath: "\(parent)/m-gone")
    for name in ["b-alive", "c-alive", "z-alive"] {
      #expect(try Oracle.succeeds(["branch", "-D", name], in: root) == false, "git protects \(name)")
    }
    let repo = try Repository.discover(from: root)
    #expect(try repo.isBranchCheckedOut("main"))
    #expect(try repo.isBranchCheckedOut("b-alive"))
    #expect(try repo.isBranchCheckedOut("c-alive"))
    #expect(try repo.isBranchCheckedOut("z-alive"))
  }

  @Test func detachedWorktreeChecksOutNoBranch() throws {
    let root = try TestSupport.makeRepository()
    let wt = (root as NSString).deletingLastPathComponent + "/detached"
    try TestSupport.git(["branch", "lane"], in: root)
    try TestSupport.git(["worktree", "add", "-q", "--detach", wt, "lane"], in: root)
    #expect(try Oracle.succeeds(["branch", "-D", "lane"], in: root))
    try TestSupport.git(["branch", "lane"], in: root)
    let repo = try Repository.discover(from: root)
    #expect(try repo.isBranchCheckedOut("lane") == false)
  }

  /// main: base - m1 - m2 ; topic: base - t1 - t2 - t3
  static func divergent() throws -> (root: String, main: OID, topic: OID, base: OID) {
    let root = try TestSupport.makeRepository()
    let base = try Oracle.oid("HEAD", in: root)
    try TestSupport.git(["checkout", "-q", "-b", "topic"], in: root)
    for i in 1...3 { try Oracle.commitFile("t\(i).txt", "\(i)\n", message: "t\(i)", in: root) }
    try TestSupport.git(["checkout", "-q", "main"], in: root)
    for i in 1...2 { try Oracle.commitFile("m\(i).txt", "\(i)\n", message: "m\(i)", in: root) }
    return (root, try Oracle.oid("main", in: root), try Oracle.oid("topic", in: root), base)
  }

  static func revListCount(_ range: String, in root: String) throws -> Int {
    try #require(Int(try Oracle.line(["rev-list", "--count", range], in: root)))
  }

  @Test func aheadBehindMatchesRevListCountOnDivergentBranches() throws {
    let (root, main, topic, _) = try Self.divergent()
    let repo = try Repository.discover(from: root)
    let result = try repo.aheadBehind(topic, main)
    #expect(result.ahead == (try Self.revListCount("main..topic", in: root)))
    #expect(result.behind == (try Self.revListCount("topic..main", in: root)))
    #expect(result.ahead == 3 && result.behind == 2)
    let reversed = try repo.aheadBehind(main, topic)
    #expect(reversed.ahead == 2 && reversed.behind == 3)
    let same = try repo.aheadBehind(main, main)
    #expect(same.ahead == 0 && same.behind == 0)
  }

  @Test func aheadBehindAndContainsOnTheFixture() throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    let develop = try Oracle.oid("develop", in: root)
    let main = try Oracle.oid("main", in: root)
    let result = try repo.aheadBehind(develop, main)
    #expect(result.ahead == (try Self.revListCount("main..develop", in: root)))
    #expect(result.behind == (try Self.revListCount("develop..main", in: root)))
    #expect(result.ahead > 0)
    #expect(try repo.contains(develop, ancestor: main))
    #expect(try repo.contains(main, ancestor: develop) == false)
  }

  @Test func containsAgreesWithMergeBaseIsAncestor() throws {
    let (root, main, topic, base) = try Self.divergent()
    let repo = try Repository.discover(from: root)
    let topicParent = try Oracle.oid("topic~1", in: root)
    let pairs: [(OID, OID)] = [
      (topic, base), (main, base), (topic, main), (main, topic), (base, topic), (topic, topicParent),
      (topicParent, topic), (main, main),
    ]
    for (commit, ancestor) in pairs {
      let gitSays = try Oracle.succeeds(["merge-base", "--is-ancestor", ancestor.hex, commit.hex], in: root)
      #expect(try repo.contains(commit, ancestor: ancestor) == gitSays, "\(commit.short) contains \(ancestor.short)")
    }
    // The rev-list view of the same thing: nothing in base is missing from topic.
    #expect(try Self.revListCount("\(topic.hex)..\(base.hex)", in: root) == 0)
    #expect(try repo.contains(topic, ancestor: base))
  }

  @Test func mergeBaseMatchesGitMergeBase() throws {
    let (root, main, topic, base) = try Self.divergent()
    let repo = try Repository.discover(from: root)
    let expected = try Oracle.oid(try Oracle.line(["merge-base", "main", "topic"], in: root), in: root)
    #expect(expected == base)
    #expect(try repo.mergeBase(main, topic) == expected)
    #expect(try repo.mergeBase(topic, main) == expected)
    #expect(try repo.mergeBase(topic, base) == base)
  }

  @Test func mergeBaseOnTheFixture() throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    let expected = try Oracle.oid(try Oracle.line(["merge-base", "main", "develop"], in: root), in: root)
    #expect(try repo.mergeBase(repo.resolve("main"), repo.resolve("develop")) == expected)
  }

  @Test func mergeBaseOfUnrelatedHistoriesIsNil() throws {
    let root = try TestSupport.makeRepository()
    try TestSupport.git(["checkout", "-q", "--orphan", "island"], in: root)
    try Oracle.commitFile("island.txt", "alone\n", message: "island", in: root)
    #expect(try Oracle.succeeds(["merge-base", "main", "island"], in: root) == false)
    let repo = try Repository.discover(from: root)
    #expect(try repo.mergeBase(repo.resolve("main"), repo.resolve("island")) == nil)
    #expect(try repo.contains(repo.resolve("island"), ancestor: repo.resolve("main")) == false)
  }
}
