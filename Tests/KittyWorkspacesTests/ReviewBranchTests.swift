import Foundation
import KittyCore
import KittyGit
import KittyTestSupport
import KittyWorkspaces
import Testing

/// `ReviewBranches`: `kitty/review/<slug>/<WP>/<cycle>` pins what each review cycle saw.
@Suite struct ReviewBranchTests {
  @Test func cyclesCountUpFromOne() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let reviews = ReviewBranches(context: box.context)
    var commits: [String] = []
    var entries: [ReviewBranches.Entry] = []
    for round in 1...3 {
      commits.append(try box.commit("src/core.sh", "echo \(round)\n", in: box.path("lane-a")))
      entries.append(try reviews.create(slug: Sandbox.slug, wpID: "WP01", commit: commits.last!))
    }

    #expect(entries.map(\.cycle) == [1, 2, 3])
    #expect(entries.map(\.commit) == commits)
    #expect(entries.map(\.branch) == (1...3).map { "kitty/review/\(Sandbox.slug)/WP01/\($0)" })
    #expect(entries.allSatisfy { $0.missionSlug == Sandbox.slug && $0.wpID == "WP01" })
    for entry in entries { #expect(try box.tip(entry.branch) == entry.commit) }
    #expect(try reviews.list(slug: Sandbox.slug, wpID: "WP01") == entries)
    let fromGit = try box.git(["branch", "--list", "kitty/review/*", "--format=%(refname:short)"])
    #expect(fromGit.split(separator: "\n").map(String.init) == entries.map(\.branch))
    // The lane branch and worktree are not involved.
    try box.expectGitAgrees(lane: "lane-a")
  }

  @Test func aCommitCanBeNamedByBranchAndCyclesSortNumerically() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let reviews = ReviewBranches(context: box.context)
    let develop = try #require(try box.tip("develop"))
    for _ in 1...11 { _ = try reviews.create(slug: Sandbox.slug, wpID: "WP02", commit: "develop") }
    _ = try reviews.create(slug: Sandbox.slug, wpID: "WP01", commit: String(develop.prefix(10)))

    let listed = try reviews.list(slug: Sandbox.slug)

    #expect(listed.map(\.wpID) == ["WP01"] + Array(repeating: "WP02", count: 11))
    #expect(listed.dropFirst().map(\.cycle) == Array(1...11))
    #expect(listed.allSatisfy { $0.commit == develop })
    #expect(try reviews.list(slug: Sandbox.slug, wpID: "WP01").map(\.cycle) == [1])
    #expect(try reviews.list(slug: "other-mission-01M80000").isEmpty)
  }

  @Test func deleteAllRemovesOneMissionsReviewBranchesOnly() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    try box.ensure("lane-a")
    let reviews = ReviewBranches(context: box.context)
    for wp in ["WP01", "WP01", "WP02"] { _ = try reviews.create(slug: Sandbox.slug, wpID: wp, commit: "develop") }
    _ = try reviews.create(slug: "other-mission-01M80000", wpID: "WP01", commit: "develop")
    let laneTip = try box.tip(box.branch("lane-a"))

    let deleted = try reviews.deleteAll(slug: Sandbox.slug)

    #expect(
      deleted.sorted() == [
        "kitty/review/\(Sandbox.slug)/WP01/1", "kitty/review/\(Sandbox.slug)/WP01/2",
        "kitty/review/\(Sandbox.slug)/WP02/1",
      ])
    #expect(try reviews.list(slug: Sandbox.slug).isEmpty)
    #expect(try reviews.list().map(\.branch) == ["kitty/review/other-mission-01M80000/WP01/1"])
    #expect(try box.git(["branch", "--list", "kitty/review/\(Sandbox.slug)/*"]) == "")
    #expect(try box.tip(box.branch("lane-a")) == laneTip)
    #expect(try box.tip(Sandbox.missionBranch) != nil)
    // Cycles start over.
    #expect(try reviews.create(slug: Sandbox.slug, wpID: "WP01", commit: "develop").cycle == 1)
  }

  @Test func anUnknownCommitChangesNothing() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let before = try box.state()

    let error = caught {
      _ = try ReviewBranches(context: box.context).create(slug: Sandbox.slug, wpID: "WP01", commit: "no-such-commit")
    }

    #expect(error as? WorkspaceError == .notFound("commit no-such-commit"))
    try box.expectUnchanged(since: before)
  }

  /// A review branch someone has checked out is not deleted from under them.
  @Test func deleteAllKeepsACheckedOutReviewBranch() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let reviews = ReviewBranches(context: box.context)
    let first = try reviews.create(slug: Sandbox.slug, wpID: "WP01", commit: "develop")
    let second = try reviews.create(slug: Sandbox.slug, wpID: "WP01", commit: "develop")
    let look = TestSupport.temporaryDirectory("review") + "/look"
    try box.git(["worktree", "add", "-q", look, first.branch])

    let deleted = try reviews.deleteAll(slug: Sandbox.slug)

    #expect(deleted == [second.branch])
    #expect(try box.tip(first.branch) == first.commit)
    #expect(try box.git(["status", "--porcelain"], in: look) == "")
  }

  @Test func configuredProtectedReviewBranchesAreNeitherCreatedNorDeleted() throws {
    let box = try Sandbox()
    defer { box.expectProtectedTipsUnchanged() }
    let reviews = ReviewBranches(context: box.context)
    let first = try reviews.create(slug: Sandbox.slug, wpID: "WP01", commit: "develop")
    let protected = "kitty/review/\(Sandbox.slug)/WP01/2"
    try TestSupport.write(
      "protection:\n  protected_branches: [main, master, \(first.branch), \(protected)]\n",
      to: "\(box.root)/.kittify/config.yaml")
    try box.reloadContext()
    let guarded = ReviewBranches(context: box.context)

    let error = caught { _ = try guarded.create(slug: Sandbox.slug, wpID: "WP01", commit: "develop") }
    #expect(error as? WorkspaceError == .protectedBranch(branch: protected))
    #expect(try box.tip(protected) == nil)

    let deleted = try guarded.deleteAll(slug: Sandbox.slug)
    let tipAfter = try box.tip(first.branch)
    do {
      #expect(deleted == [])
      #expect(tipAfter == first.commit)
    }
    // Put the branch back so the deferred protected-tip check does not record the same bug twice.
    if tipAfter == nil { try box.git(["branch", first.branch, first.commit]) }
  }
}
