import Foundation
import KittyGit
import KittyTestSupport
import Testing

/// References: read, glob listing, create, compare-and-swap update, guarded delete — checked against `git`.
@Suite struct ReferenceTests {
  /// A repository with two commits: `first` (HEAD~1) and `second` (HEAD).
  static func twoCommits() throws -> (root: String, first: OID, second: OID) {
    let root = try TestSupport.makeRepository()
    let first = try Oracle.oid("HEAD", in: root)
    let second = try Oracle.commitFile("two.txt", "two\n", message: "two", in: root)
    return (root, first, second)
  }

  @Test func readADirectAndASymbolicReference() throws {
    let (root, _, second) = try Self.twoCommits()
    let repo = try Repository.discover(from: root)

    let main = try #require(try repo.reference(named: "refs/heads/main"))
    #expect(main.name == "refs/heads/main")
    #expect(main.target == second)
    #expect(main.symbolicTarget == nil)

    let head = try #require(try repo.reference(named: "HEAD"))
    #expect(head.symbolicTarget == (try Oracle.line(["symbolic-ref", "HEAD"], in: root)))
    #expect(head.target == (try Oracle.oid("HEAD", in: root)))

    #expect(try repo.reference(named: "refs/heads/nope") == nil)
  }

  @Test func createReferenceIsVisibleToForEachRef() throws {
    let (root, first, _) = try Self.twoCommits()
    let repo = try Repository.discover(from: root)
    try repo.createReference("refs/kitty/test/one", target: first, message: "kitty: create")
    let listed = try Oracle.line(["for-each-ref", "--format=%(refname) %(objectname)", "refs/kitty/"], in: root)
    #expect(listed == "refs/kitty/test/one \(first.hex)")
    #expect(try Oracle.oid("refs/kitty/test/one", in: root) == first)
    #expect(try repo.reference(named: "refs/kitty/test/one")?.target == first)
  }

  @Test func createReferenceOnAnExistingNameFailsWithExistsAndLeavesIt() throws {
    let (root, first, second) = try Self.twoCommits()
    let repo = try Repository.discover(from: root)
    try TestSupport.git(["update-ref", "refs/heads/kitty/taken", first.hex], in: root)

    let error = try #require(
      #expect(throws: GitError.self) {
        try repo.createReference("refs/heads/kitty/taken", target: second, message: "clobber")
      })
    #expect(error.isExists)
    #expect(error.code < 0)
    #expect(!error.message.isEmpty)
    #expect(try Oracle.oid("refs/heads/kitty/taken", in: root) == first)
  }

  @Test func createReferenceRejectsAnInvalidName() throws {
    let (root, first, _) = try Self.twoCommits()
    let repo = try Repository.discover(from: root)
    #expect(try Oracle.succeeds(["check-ref-format", "refs/heads/bad..name"], in: root) == false)
    let error = #expect(throws: GitError.self) {
      try repo.createReference("refs/heads/bad..name", target: first, message: "bad")
    }
    #expect((error?.code ?? 0) < 0)
  }

  @Test func createReferenceWritesTheReflogMessage() throws {
    let (root, first, _) = try Self.twoCommits()
    let repo = try Repository.discover(from: root)
    try repo.createBranch("logged", at: first, message: "kitty: made for the log")
    let log = try Oracle.line(["reflog", "show", "--format=%gs", "refs/heads/logged"], in: root)
    #expect(log == "kitty: made for the log")
  }

  @Test func updateReferenceCompareAndSwapSucceedsWithTheRightExpectedValue() throws {
    let (root, first, second) = try Self.twoCommits()
    let repo = try Repository.discover(from: root)
    try TestSupport.git(["update-ref", "refs/heads/kitty/lane", first.hex], in: root)

    try repo.updateReference("refs/heads/kitty/lane", from: first, to: second, message: "kitty: advance")
    #expect(try Oracle.oid("refs/heads/kitty/lane", in: root) == second)
    #expect(try repo.reference(named: "refs/heads/kitty/lane")?.target == second)
    let log = try Oracle.line(["reflog", "show", "-1", "--format=%gs", "refs/heads/kitty/lane"], in: root)
    #expect(log == "kitty: advance")
  }

  @Test func updateReferenceFailsWithModifiedWhenGitMovedTheRef() throws {
    let (root, first, second) = try Self.twoCommits()
    let third = try Oracle.commitFile("three.txt", "3\n", message: "three", in: root)
    let repo = try Repository.discover(from: root)
    try repo.createReference("refs/heads/kitty/lane", target: first, message: "create")
    // Someone else moves it between our read and our write.
    try TestSupport.git(["update-ref", "refs/heads/kitty/lane", third.hex], in: root)

    let error = try #require(
      #expect(throws: GitError.self) {
        try repo.updateReference("refs/heads/kitty/lane", from: first, to: second, message: "stale")
      })
    #expect(error.isModified)
    #expect(try Oracle.oid("refs/heads/kitty/lane", in: root) == third)
  }

  @Test func updateReferenceCompareAndSwapWorksOnPackedRefs() throws {
    let (root, first, second) = try Self.twoCommits()
    let third = try Oracle.commitFile("three.txt", "3\n", message: "three", in: root)
    try TestSupport.git(["update-ref", "refs/heads/kitty/packed", first.hex], in: root)
    try TestSupport.git(["pack-refs", "--all"], in: root)
    #expect(!FileManager.default.fileExists(atPath: "\(root)/.git/refs/heads/kitty/packed"))
    let repo = try Repository.discover(from: root)

    let stale = #expect(throws: GitError.self) {
      try repo.updateReference("refs/heads/kitty/packed", from: third, to: second, message: "stale")
    }
    #expect(stale?.isModified == true)
    #expect(try Oracle.oid("refs/heads/kitty/packed", in: root) == first)

    try repo.updateReference("refs/heads/kitty/packed", from: first, to: second, message: "ok")
    #expect(try Oracle.oid("refs/heads/kitty/packed", in: root) == second)
  }

  @Test func updateReferenceOfAMissingRefDoesNotCreateIt() throws {
    let (root, first, second) = try Self.twoCommits()
    let repo = try Repository.discover(from: root)
    #expect(throws: GitError.self) {
      try repo.updateReference("refs/heads/kitty/ghost", from: first, to: second, message: "ghost")
    }
    #expect(try Oracle.succeeds(["show-ref", "--verify", "--quiet", "refs/heads/kitty/ghost"], in: root) == false)
  }

  @Test func deleteReferenceRefusesWhenMovedAndDeletesOtherwise() throws {
    let (root, first, second) = try Self.twoCommits()
    let repo = try Repository.discover(from: root)
    try repo.createReference("refs/heads/kitty/doomed", target: first, message: "create")
    try TestSupport.git(["update-ref", "refs/heads/kitty/doomed", second.hex], in: root)

    let error = try #require(
      #expect(throws: GitError.self) { try repo.deleteReference("refs/heads/kitty/doomed", expected: first) })
    #expect(error.isModified)
    #expect(try Oracle.oid("refs/heads/kitty/doomed", in: root) == second)

    try repo.deleteReference("refs/heads/kitty/doomed", expected: second)
    #expect(try Oracle.succeeds(["show-ref", "--verify", "--quiet", "refs/heads/kitty/doomed"], in: root) == false)
    #expect(try repo.reference(named: "refs/heads/kitty/doomed") == nil)
  }

  @Test func deleteReferenceRemovesAPackedRef() throws {
    let (root, first, _) = try Self.twoCommits()
    try TestSupport.git(["update-ref", "refs/heads/kitty/packed", first.hex], in: root)
    try TestSupport.git(["pack-refs", "--all"], in: root)
    let repo = try Repository.discover(from: root)
    try repo.deleteReference("refs/heads/kitty/packed", expected: first)
    #expect(try Oracle.lines(["for-each-ref", "--format=%(refname)", "refs/heads/kitty/"], in: root).isEmpty)
    #expect(try TestSupport.read("\(root)/.git/packed-refs").contains("refs/heads/kitty/packed") == false)
  }

  @Test func deleteReferenceOfAMissingRefIsNotFound() throws {
    let (root, first, _) = try Self.twoCommits()
    let repo = try Repository.discover(from: root)
    let error = #expect(throws: GitError.self) { try repo.deleteReference("refs/heads/kitty/none", expected: first) }
    #expect(error?.isNotFound == true)
  }

  @Test func referencesMatchingAGlobListsExactlyWhatForEachRefLists() throws {
    let (root, first, second) = try Self.twoCommits()
    for name in ["kitty/a", "kitty/b", "kitty-x", "kittyx/c", "other/kitty/d"] {
      try TestSupport.git(["branch", name, first.hex], in: root)
    }
    try TestSupport.git(["tag", "kitty/t", first.hex], in: root)
    try TestSupport.git(["update-ref", "refs/remotes/origin/kitty/r", first.hex], in: root)
    // One packed and one loose, so both stores are read.
    try TestSupport.git(["pack-refs", "--all"], in: root)
    try TestSupport.git(["branch", "kitty/c", second.hex], in: root)

    let repo = try Repository.discover(from: root)
    let listed = try repo.references(matching: "refs/heads/kitty/*")
    let expected = try Oracle.lines(["for-each-ref", "--format=%(refname)", "refs/heads/kitty/*"], in: root)
    #expect(expected == ["refs/heads/kitty/a", "refs/heads/kitty/b", "refs/heads/kitty/c"])
    #expect(listed.map(\.name) == expected)
    #expect(listed.map(\.target) == [first, first, second])
    #expect(listed.allSatisfy { $0.symbolicTarget == nil })
  }

  /// `git for-each-ref 'refs/heads/kitty/*'` does not descend into `kitty/x/y`; lane branches are one level deep.
  @Test func globStarDoesNotCrossASlashLikeGit() throws {
    let (root, first, _) = try Self.twoCommits()
    for name in ["kitty/a", "kitty/nested/e"] {
      try TestSupport.git(["branch", name, first.hex], in: root)
    }
    let repo = try Repository.discover(from: root)
    let expected = try Oracle.lines(["for-each-ref", "--format=%(refname)", "refs/heads/kitty/*"], in: root)
    #expect(expected == ["refs/heads/kitty/a"])
    do {
      #expect(try repo.references(matching: "refs/heads/kitty/*").map(\.name) == expected)
    }
    // The difference is exactly the nested ref.
    #expect(
      try repo.references(matching: "refs/heads/kitty/*").map(\.name).filter { !expected.contains($0) }
        .allSatisfy { $0.dropFirst("refs/heads/kitty/".count).contains("/") })
  }

  @Test func referencesMatchingNothingIsEmpty() throws {
    let (root, _, _) = try Self.twoCommits()
    let repo = try Repository.discover(from: root)
    #expect(try repo.references(matching: "refs/heads/kitty/*").isEmpty)
  }
}
