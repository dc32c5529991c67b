import Foundation
import KittyGit
import KittyTestSupport
import Testing

/// Reading commits, building trees in memory and writing commits, checked against `git`.
@Suite struct CommitTreeTests {
  @Test func commitInfoMatchesGitLog() throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    for revision in ["HEAD", "HEAD~3", "main"] {
      let id = try Oracle.oid(revision, in: root)
      let info = try repo.commit(id)
      let fields = try Oracle.line(["log", "-1", "--format=%T%n%P%n%an%n%ae%n%at%n%s", id.hex], in: root)
        .components(separatedBy: "\n")
      #expect(info.id == id)
      #expect(info.tree.hex == fields[0])
      #expect(info.parents.map(\.hex).joined(separator: " ") == fields[1])
      #expect(info.authorName == fields[2])
      #expect(info.authorEmail == fields[3])
      #expect(Int(info.time.timeIntervalSince1970) == Int(fields[4]))
      #expect(info.summary == fields[5])
      let raw = try TestSupport.git(["cat-file", "commit", id.hex], in: root)
      let rawMessage = try #require(raw.range(of: "\n\n")).upperBound
      #expect(info.message == String(raw[rawMessage...]))
    }
  }

  @Test func rootCommitHasNoParents() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    let info = try repo.commit(try Oracle.oid("HEAD", in: root))
    #expect(info.parents.isEmpty)
    #expect(info.summary == "initial")
  }

  @Test func commitOfAMissingObjectThrows() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    let missing = try #require(OID(hex: String(repeating: "ab", count: 20)))
    let error = #expect(throws: GitError.self) { try repo.commit(missing) }
    #expect(error?.isNotFound == true)
  }

  @Test func treeApplyingWriteAndRemovePlusCreateCommitIsReadByGit() throws {
    try Self.writeAndRemoveThenCommit()
  }

  static func writeAndRemoveThenCommit() throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    let headBefore = try Oracle.line(["rev-parse", "HEAD"], in: root)
    let refsBefore = try Oracle.line(["for-each-ref"], in: root)
    let statusBefore = try TestSupport.git(["status", "--porcelain"], in: root)
    let parent = try #require(try repo.headCommitID())
    let baseTree = try repo.commit(parent).tree
    #expect(try Oracle.succeeds(["cat-file", "-e", "\(parent.hex):README.md"], in: root))

    let tree = try repo.tree(
      applying: [
        .write(path: "kitty-specs/new/notes.md", data: Data("# Notes\nline two\n".utf8)),
        .write(path: ".gitignore", data: Data("replaced\n".utf8)),
        .write(path: "bin/run.sh", data: Data("#!/bin/sh\necho hi\n".utf8), executable: true),
        .write(path: "empty.txt", data: Data()),
        .remove(path: "README.md"),
      ], to: baseTree)
    let commit = try repo.createCommit(
      tree: tree, parents: [parent], message: "kitty: apply changes\n\nWith a body.\n")

    #expect(try TestSupport.git(["show", "\(commit.hex):kitty-specs/new/notes.md"], in: root) == "# Notes\nline two\n")
    #expect(try TestSupport.git(["show", "\(commit.hex):.gitignore"], in: root) == "replaced\n")
    #expect(try TestSupport.git(["show", "\(commit.hex):empty.txt"], in: root) == "")
    #expect(try Oracle.succeeds(["cat-file", "-e", "\(commit.hex):README.md"], in: root) == false)
    #expect(try Oracle.line(["rev-parse", "\(commit.hex)^"], in: root) == parent.hex)
    #expect(try Oracle.line(["rev-parse", "\(commit.hex)^{tree}"], in: root) == tree.hex)
    #expect(try Oracle.line(["cat-file", "-t", commit.hex], in: root) == "commit")
    #expect(
      try Oracle.line(["log", "-1", "--format=%B", commit.hex], in: root) == "kitty: apply changes\n\nWith a body.")
    let mode = try Oracle.line(["ls-tree", commit.hex, "bin/run.sh"], in: root)
    #expect(mode.hasPrefix("100755 blob "))
    let plain = try Oracle.line(["ls-tree", commit.hex, "empty.txt"], in: root)
    #expect(plain.hasPrefix("100644 blob "))

    // Everything else is carried over from the base tree unchanged.
    let changed = try Oracle.lines(["diff", "--name-status", "--no-renames", parent.hex, commit.hex], in: root)
    #expect(
      changed.sorted() == [
        "A\tbin/run.sh", "A\tempty.txt", "A\tkitty-specs/new/notes.md", "D\tREADME.md", "M\t.gitignore",
      ])

    // git accepts the objects, and nothing but objects was written.
    let fsck = try TestSupport.run(TestSupport.gitPath, ["fsck", "--strict", "--no-dangling"], in: root)
    #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")
    #expect(try Oracle.line(["rev-parse", "HEAD"], in: root) == headBefore)
    #expect(try Oracle.line(["for-each-ref"], in: root) == refsBefore)
    #expect(try TestSupport.git(["status", "--porcelain"], in: root) == statusBefore)
    #expect(FileManager.default.fileExists(atPath: "\(root)/README.md"))
    #expect(!FileManager.default.fileExists(atPath: "\(root)/kitty-specs/new/notes.md"))
  }

  @Test func treeApplyingOnlyRemovalsPlusCreateCommit() throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    let headBefore = try Oracle.line(["rev-parse", "HEAD"], in: root)
    let parent = try #require(try repo.headCommitID())
    let spec = "kitty-specs/demo-feature-01M806VT"
    let tree = try repo.tree(
      applying: [.remove(path: "README.md"), .remove(path: "\(spec)/plan.md"), .remove(path: "never/was.txt")],
      to: repo.commit(parent).tree)
    let commit = try repo.createCommit(tree: tree, parents: [parent], message: "kitty: prune")

    let changed = try Oracle.lines(["diff", "--name-status", "--no-renames", parent.hex, commit.hex], in: root)
    #expect(changed.sorted() == ["D\tREADME.md", "D\t\(spec)/plan.md"])
    #expect(try Oracle.succeeds(["cat-file", "-e", "\(commit.hex):README.md"], in: root) == false)
    #expect(
      try TestSupport.git(["show", "\(commit.hex):\(spec)/spec.md"], in: root)
        == (try TestSupport.git(["show", "\(parent.hex):\(spec)/spec.md"], in: root)))
    #expect(try Oracle.line(["rev-parse", "\(commit.hex)^"], in: root) == parent.hex)
    #expect(try Oracle.line(["rev-parse", "\(commit.hex)^{tree}"], in: root) == tree.hex)
    let fsck = try TestSupport.run(TestSupport.gitPath, ["fsck", "--strict", "--no-dangling"], in: root)
    #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")
    #expect(try Oracle.line(["rev-parse", "HEAD"], in: root) == headBefore)
    #expect(FileManager.default.fileExists(atPath: "\(root)/README.md"))
    #expect(try TestSupport.git(["status", "--porcelain"], in: root).isEmpty)
  }

  /// createCommit on a tree with new content (built through the on-disk index, not tree(applying:)).
  @Test func createCommitOfAStagedTreeIsReadByGitAndMovesNoRef() throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    let headBefore = try Oracle.line(["rev-parse", "HEAD"], in: root)
    let refsBefore = try Oracle.line(["for-each-ref"], in: root)
    let parent = try #require(try repo.headCommitID())
    try TestSupport.write("# Notes\nline two\n", to: "\(root)/kitty-specs/new/notes.md")
    try TestSupport.write("edited\n", to: "\(root)/README.md")
    try repo.stage(paths: ["kitty-specs/new/notes.md", "README.md"])
    let tree = try repo.writeIndexTree()

    let commit = try repo.createCommit(tree: tree, parents: [parent], message: "kitty: notes\n\nWith a body.\n")
    #expect(try TestSupport.git(["show", "\(commit.hex):kitty-specs/new/notes.md"], in: root) == "# Notes\nline two\n")
    #expect(try TestSupport.git(["show", "\(commit.hex):README.md"], in: root) == "edited\n")
    #expect(try Oracle.line(["rev-parse", "\(commit.hex)^"], in: root) == parent.hex)
    #expect(try Oracle.line(["rev-parse", "\(commit.hex)^{tree}"], in: root) == tree.hex)
    #expect(try Oracle.line(["cat-file", "-t", commit.hex], in: root) == "commit")
    #expect(try Oracle.line(["log", "-1", "--format=%B", commit.hex], in: root) == "kitty: notes\n\nWith a body.")
    let catFile = try TestSupport.git(["cat-file", "-p", commit.hex], in: root)
    #expect(catFile.hasPrefix("tree \(tree.hex)\nparent \(parent.hex)\nauthor Kitty Test <kitty@example.com> "))
    let fsck = try TestSupport.run(TestSupport.gitPath, ["fsck", "--strict", "--no-dangling"], in: root)
    #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")

    // Writing the commit moved nothing: HEAD, every ref.
    #expect(try Oracle.line(["rev-parse", "HEAD"], in: root) == headBefore)
    #expect(try Oracle.line(["for-each-ref"], in: root) == refsBefore)
    #expect(try repo.headCommitID() == parent)
    #expect(try repo.fileContents(at: "kitty-specs/new/notes.md", in: commit) == Data("# Notes\nline two\n".utf8))
    #expect(try repo.fileContents(at: "kitty-specs/new/notes.md", in: parent) == nil)
  }

  @Test func createCommitThenCompareAndSwapPublishesIt() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    let parent = try #require(try repo.headCommitID())
    try repo.createBranch("kitty/lane", at: parent)
    let tree = try repo.tree(applying: [.remove(path: "README.md")], to: repo.commit(parent).tree)
    let commit = try repo.createCommit(tree: tree, parents: [parent], message: "empty it")
    #expect(try Oracle.oid("kitty/lane", in: root) == parent)
    try repo.updateReference("refs/heads/kitty/lane", from: parent, to: commit, message: "kitty: publish")
    #expect(try Oracle.oid("kitty/lane", in: root) == commit)
    #expect(try Oracle.lines(["ls-tree", "-r", "kitty/lane"], in: root).isEmpty)
    #expect(try Oracle.line(["rev-parse", "HEAD"], in: root) == parent.hex)
  }

  @Test func createCommitUsesTheConfiguredIdentityOrTheGivenOne() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    let parent = try #require(try repo.headCommitID())
    let tree = try repo.commit(parent).tree

    let byConfig = try repo.createCommit(tree: tree, parents: [parent], message: "same tree")
    let configured = try Oracle.line(["log", "-1", "--format=%an <%ae>|%cn <%ce>", byConfig.hex], in: root)
    #expect(configured == "Kitty Test <kitty@example.com>|Kitty Test <kitty@example.com>")

    let explicit = try repo.createCommit(
      tree: tree, parents: [parent], message: "explicit",
      author: Signature(name: "Ada Author", email: "ada@example.com"),
      committer: Signature(name: "Cy Committer", email: "cy@example.com"))
    let people = try Oracle.line(["log", "-1", "--format=%an <%ae>|%cn <%ce>", explicit.hex], in: root)
    #expect(people == "Ada Author <ada@example.com>|Cy Committer <cy@example.com>")
    let info = try repo.commit(explicit)
    #expect(info.authorName == "Ada Author")
    #expect(info.parents == [parent])
    #expect(info.tree == tree)
    #expect(try Oracle.line(["rev-parse", "HEAD"], in: root) == parent.hex)
  }

  @Test func defaultSignatureReadsConfigAndFallsBack() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    #expect(repo.defaultSignature() == Signature(name: "Kitty Test", email: "kitty@example.com"))
  }

  @Test func createCommitWithTwoParentsMakesAMerge() throws {
    let (root, main, topic, _) = try BranchTests.divergent()
    let repo = try Repository.discover(from: root)
    // The tree git's own merge produces (files from both sides), written by git into the object store.
    try TestSupport.git(["merge", "-q", "--no-commit", "--no-ff", "topic"], in: root)
    let tree = try #require(OID(hex: try Oracle.line(["write-tree"], in: root)))
    try TestSupport.git(["merge", "--abort"], in: root)
    let merge = try repo.createCommit(tree: tree, parents: [main, topic], message: "merge topic")
    #expect(try Oracle.line(["log", "-1", "--format=%P", merge.hex], in: root) == "\(main.hex) \(topic.hex)")
    #expect(
      try Oracle.lines(["ls-tree", "--name-only", merge.hex], in: root).sorted() == [
        "README.md", "m1.txt", "m2.txt", "t1.txt", "t2.txt", "t3.txt",
      ])
    #expect(try Oracle.line(["rev-parse", "main"], in: root) == main.hex)
    let fsck = try TestSupport.run(TestSupport.gitPath, ["fsck", "--strict"], in: root)
    #expect(fsck.status == 0, "\(fsck.stderr)")
  }

  @Test func treeWithoutABaseContainsOnlyTheWrites() throws {
    try Self.treeWithoutBase()
  }

  static func treeWithoutBase() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    let tree = try repo.tree(
      applying: [
        .write(path: "only/one.txt", data: Data("1\n".utf8)), .write(path: "two.txt", data: Data("2\n".utf8)),
      ],
      to: nil)
    #expect(try Oracle.lines(["ls-tree", "-r", "--name-only", tree.hex], in: root) == ["only/one.txt", "two.txt"])
    let commit = try repo.createCommit(tree: tree, parents: [], message: "root")
    #expect(try Oracle.line(["log", "-1", "--format=%P", commit.hex], in: root) == "")
    #expect(try repo.fileContents(at: "only/one.txt", in: commit) == Data("1\n".utf8))
  }

  @Test func anEmptyChangeListReproducesTheBaseTree() throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    let base = try repo.commit(try Oracle.oid("HEAD", in: root)).tree
    #expect(try repo.tree(applying: [], to: base) == base)
    #expect(base.hex == (try Oracle.hex("HEAD^{tree}", in: root)))
  }

  @Test func binaryContentRoundTrips() throws {
    try Self.binaryRoundTrip()
  }

  static func binaryRoundTrip() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    let bytes = Data((0...255).map { UInt8($0) } + [0, 0, 10, 13])
    let parent = try #require(try repo.headCommitID())
    let tree = try repo.tree(applying: [.write(path: "blob.bin", data: bytes)], to: repo.commit(parent).tree)
    let commit = try repo.createCommit(tree: tree, parents: [parent], message: "binary")
    #expect(try repo.fileContents(at: "blob.bin", in: commit) == bytes)
    let blob = try Oracle.line(["rev-parse", "\(commit.hex):blob.bin"], in: root)
    let size = try Oracle.line(["cat-file", "-s", blob], in: root)
    #expect(size == "\(bytes.count)")
  }

  @Test func fileContentsReadsFilesAndReturnsNilForMissingPaths() throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    let head = try Oracle.oid("HEAD", in: root)
    let path = "kitty-specs/demo-feature-01M806VT/meta.json"
    let expected = Data(try TestSupport.git(["show", "\(head.hex):\(path)"], in: root).utf8)
    #expect(try repo.fileContents(at: path, in: head) == expected)
    #expect(try repo.fileContents(at: "README.md", in: head) == Data(try TestSupport.read("\(root)/README.md").utf8))

    #expect(try repo.fileContents(at: "no-such-file.txt", in: head) == nil)
    #expect(try repo.fileContents(at: "no/such/dir/file.txt", in: head) == nil)
    #expect(try repo.fileContents(at: "README.md/child", in: head) == nil)
    // A file that exists only at a later commit is absent from an earlier one.
    let first = try Oracle.oid("\(head.hex)~10", in: root)
    #expect(try Oracle.succeeds(["cat-file", "-e", "\(first.hex):\(path)"], in: root) == false)
    #expect(try repo.fileContents(at: path, in: first) == nil)
  }

  @Test func fileContentsOfADirectoryIsNotFileData() throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    let head = try Oracle.oid("HEAD", in: root)
    // A directory has no file contents: either nil or an error is acceptable; tree bytes are not.
    let result = try? repo.fileContents(at: "kitty-specs", in: head)
    #expect((result ?? nil) == nil)
  }

  @Test func aMergeThroughAnInMemoryHandleWritesNoObjectFile() throws {
    let root = try TestSupport.makeRepository()
    for (branch, file) in [("left", "a.txt"), ("right", "b.txt")] {
      try TestSupport.git(["switch", "-q", "-c", branch, "main"], in: root)
      try TestSupport.write("\(branch)\n", to: "\(root)/\(file)")
      try TestSupport.git(["add", file], in: root)
      try TestSupport.git(["commit", "-q", "-m", branch], in: root)
    }
    let objects = { try TestSupport.git(["count-objects"], in: root) }
    let before = try objects()
    let repo = try Repository.openWithObjectsInMemory(at: root)
    let left = try #require(try repo.branchTip("left"))
    let right = try #require(try repo.branchTip("right"))
    guard case .merged(let tree) = try repo.mergeInMemory(ours: left, theirs: right) else {
      Issue.record("expected a clean merge")
      return
    }
    let merged = try repo.createCommit(tree: tree, parents: [left, right], message: "merge")
    #expect(try repo.fileContents(at: "b.txt", in: merged) == Data("right\n".utf8), "readable from memory")
    #expect(try objects() == before, "no loose object was written")
    // A handle opened the usual way writes it.
    _ = try Repository.open(at: root).mergeInMemory(ours: left, theirs: right)
    #expect(try objects() != before)
  }
}
