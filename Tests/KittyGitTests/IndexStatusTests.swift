import Foundation
import KittyGit
import KittyTestSupport
import Testing

/// The on-disk index (stage, write-tree) and status, checked against `git`.
@Suite struct IndexTests {
  @Test func stagedPathsShowInDiffCached() throws {
    let root = try TestSupport.makeRepository()
    try TestSupport.write("changed\n", to: "\(root)/README.md")
    try TestSupport.write("new\n", to: "\(root)/docs/new.md")
    try TestSupport.write("not staged\n", to: "\(root)/other.txt")
    let repo = try Repository.discover(from: root)
    try repo.stage(paths: ["README.md", "docs/new.md"])
    #expect(try Oracle.lines(["diff", "--cached", "--name-only"], in: root) == ["README.md", "docs/new.md"])
    #expect(try TestSupport.git(["show", ":docs/new.md"], in: root) == "new\n")
    #expect(try Oracle.lines(["ls-files", "--others", "--exclude-standard"], in: root) == ["other.txt"])
  }

  @Test func stageKeepsWhatGitStagedBefore() throws {
    let root = try TestSupport.makeRepository()
    try TestSupport.write("by git\n", to: "\(root)/git.txt")
    let repo = try Repository.discover(from: root)
    _ = try repo.writeIndexTree()  // load the index before git changes it
    try TestSupport.git(["add", "git.txt"], in: root)
    try TestSupport.write("by kitty\n", to: "\(root)/kitty.txt")
    try repo.stage(paths: ["kitty.txt"])
    #expect(try Oracle.lines(["diff", "--cached", "--name-only"], in: root) == ["git.txt", "kitty.txt"])
  }

  @Test func stageOfAMissingUntrackedPathThrows() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    let error = #expect(throws: GitError.self) { try repo.stage(paths: ["nope.txt"]) }
    #expect((error?.code ?? 0) < 0)
    #expect(try Oracle.lines(["diff", "--cached", "--name-only"], in: root).isEmpty)
  }

  /// The doc comment promises `git add <paths>` semantics; `git add` of a deleted tracked file stages the deletion.
  @Test func stageOfADeletedTrackedFileStagesTheDeletionLikeGitAdd() throws {
    let root = try TestSupport.makeRepository()
    try Oracle.commitFile("gone.txt", "bye\n", message: "add gone", in: root)
    try FileManager.default.removeItem(atPath: "\(root)/gone.txt")
    let repo = try Repository.discover(from: root)
    do {
      try repo.stage(paths: ["gone.txt"])
      #expect(try Oracle.lines(["diff", "--cached", "--name-status"], in: root) == ["D\tgone.txt"])
    }
  }

  @Test func stageRecordsTheExecutableBit() throws {
    let root = try TestSupport.makeRepository()
    try TestSupport.write("#!/bin/sh\n", to: "\(root)/run.sh")
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(root)/run.sh")
    let repo = try Repository.discover(from: root)
    try repo.stage(paths: ["run.sh"])
    #expect(try Oracle.line(["ls-files", "-s", "run.sh"], in: root).hasPrefix("100755 "))
  }

  @Test func writeIndexTreeEqualsGitWriteTree() throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    #expect(try repo.writeIndexTree().hex == (try Oracle.line(["write-tree"], in: root)))
    #expect(try repo.writeIndexTree().hex == (try Oracle.hex("HEAD^{tree}", in: root)))

    try TestSupport.write("more\n", to: "\(root)/kitty-specs/extra.md")
    try TestSupport.write("edited\n", to: "\(root)/README.md")
    try repo.stage(paths: ["kitty-specs/extra.md", "README.md"])
    let tree = try repo.writeIndexTree()
    #expect(tree.hex == (try Oracle.line(["write-tree"], in: root)))
    #expect(tree.hex != (try Oracle.hex("HEAD^{tree}", in: root)))

    // After git changes the index behind our back, we still agree with git.
    try TestSupport.git(["rm", "-q", "--cached", "README.md"], in: root)
    #expect(try repo.writeIndexTree().hex == (try Oracle.line(["write-tree"], in: root)))
  }

  @Test func stageAndWriteIndexTreeInALinkedWorktreeUseItsOwnIndex() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree()
    try TestSupport.write("wt only\n", to: "\(worktree)/wt.txt")
    let repo = try Repository.discover(from: worktree)
    try repo.stage(paths: ["wt.txt"])
    #expect(try Oracle.lines(["diff", "--cached", "--name-only"], in: worktree) == ["wt.txt"])
    #expect(try Oracle.lines(["diff", "--cached", "--name-only"], in: main).isEmpty)
    #expect(try repo.writeIndexTree().hex == (try Oracle.line(["write-tree"], in: worktree)))
    let mainRepo = try Repository.discover(from: main)
    #expect(try mainRepo.writeIndexTree().hex == (try Oracle.line(["write-tree"], in: main)))
  }
}

@Suite struct StatusTests {
  /// The paths `git status --porcelain` reports (untracked files listed one by one, like ours).
  static func porcelainPaths(_ root: String, untracked: Bool) throws -> [String] {
    try Oracle.lines(["status", "--porcelain", "--no-renames", untracked ? "-uall" : "-uno"], in: root)
      .map { String($0.dropFirst(3)) }.sorted()
  }

  static func paths(_ repo: Repository, untracked: Bool) throws -> [String] {
    try repo.status(includeUntracked: untracked).map(\.path).sorted()
  }

  @Test func cleanRepositoryIsNotDirty() throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    #expect(try Self.porcelainPaths(root, untracked: true).isEmpty)
    #expect(try repo.isDirty() == false)
    #expect(try repo.isDirty(includeUntracked: false) == false)
    #expect(try repo.status().isEmpty)
  }

  @Test func modifiedTrackedFileIsDirty() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    try TestSupport.write("modified\n", to: "\(root)/README.md")
    #expect(try Self.porcelainPaths(root, untracked: false) == ["README.md"])
    #expect(try repo.isDirty())
    #expect(try repo.isDirty(includeUntracked: false))
    let entry = try #require(try repo.status().first)
    #expect(entry.path == "README.md")
    #expect(entry.isUntracked == false)
  }

  @Test func untrackedFileCountsOnlyWhenAskedFor() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    try TestSupport.write("new\n", to: "\(root)/untracked.txt")
    #expect(try Self.porcelainPaths(root, untracked: true) == ["untracked.txt"])
    #expect(try Self.porcelainPaths(root, untracked: false).isEmpty)
    #expect(try repo.isDirty(includeUntracked: true))
    #expect(try repo.isDirty(includeUntracked: false) == false)
    #expect(try repo.status(includeUntracked: true).map(\.isUntracked) == [true])
  }

  @Test func statusOfChosenPathsLooksAtThosePathsOnlyTakenLiterally() throws {
    let root = try TestSupport.makeRepository()
    try TestSupport.write("a\n", to: "\(root)/dir/a.txt")
    try TestSupport.write("b\n", to: "\(root)/dir/b.txt")
    try TestSupport.git(["add", "dir"], in: root)
    try TestSupport.git(["commit", "-q", "-m", "dir"], in: root)
    let repo = try Repository.discover(from: root)
    try TestSupport.write("changed\n", to: "\(root)/dir/b.txt")
    try TestSupport.write("changed\n", to: "\(root)/README.md")
    try TestSupport.write("a\nstaged\n", to: "\(root)/dir/a.txt")
    try TestSupport.git(["add", "dir/a.txt"], in: root)
    #expect(try repo.status(includeUntracked: false, paths: ["dir/b.txt"]).map(\.path) == ["dir/b.txt"])
    #expect(try repo.status(includeUntracked: false, paths: ["dir/a.txt"]).map(\.path) == ["dir/a.txt"])
    #expect(try repo.status(includeUntracked: false, paths: ["dir/*.txt", "*.md"]).isEmpty, "no pattern matching")
    #expect(try repo.status(includeUntracked: false, paths: ["dir"]).map(\.path) == ["dir/a.txt", "dir/b.txt"])
    #expect(try repo.status(includeUntracked: false, paths: []).isEmpty)
    #expect(try Self.paths(repo, untracked: false) == ["README.md", "dir/a.txt", "dir/b.txt"])
  }

  @Test func ignoredFilesAreNotDirt() throws {
    let root = try TestSupport.makeRepository()
    try Oracle.commitFile(".gitignore", "*.log\nbuild/\n", message: "ignore", in: root)
    try TestSupport.write("noise\n", to: "\(root)/debug.log")
    try TestSupport.write("artefact\n", to: "\(root)/build/out.o")
    let repo = try Repository.discover(from: root)
    #expect(try Self.porcelainPaths(root, untracked: true).isEmpty)
    #expect(try repo.isDirty() == false)
  }

  @Test func mixedChangesMatchGitStatusPorcelain() throws {
    let root = try Oracle.fixtureWithMain()
    let spec = "kitty-specs/demo-feature-01M806VT"
    try TestSupport.write("edited\n", to: "\(root)/README.md")  // modified, unstaged
    try TestSupport.write("staged\n", to: "\(root)/\(spec)/spec.md")
    try TestSupport.git(["add", "\(spec)/spec.md"], in: root)  // modified, staged
    try TestSupport.write("staged new\n", to: "\(root)/brand-new.md")
    try TestSupport.git(["add", "brand-new.md"], in: root)  // added
    try FileManager.default.removeItem(atPath: "\(root)/\(spec)/plan.md")  // deleted, unstaged
    try TestSupport.git(["rm", "-q", "\(spec)/tasks.md"], in: root)  // deleted, staged
    try TestSupport.write("u\n", to: "\(root)/scratch/deep/untracked.txt")  // untracked in a new directory
    try TestSupport.write("u\n", to: "\(root)/\(spec)/untracked.md")

    let repo = try Repository.discover(from: root)
    #expect(try Self.paths(repo, untracked: true) == (try Self.porcelainPaths(root, untracked: true)))
    #expect(try Self.paths(repo, untracked: false) == (try Self.porcelainPaths(root, untracked: false)))
    let untracked = try repo.status().filter(\.isUntracked).map(\.path).sorted()
    let gitUntracked = try Oracle.lines(["ls-files", "--others", "--exclude-standard"], in: root).sorted()
    #expect(untracked == gitUntracked)
  }

  @Test func statusOfALinkedWorktreeIsItsOwn() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree()
    try TestSupport.write("wt edit\n", to: "\(worktree)/README.md")
    let wt = try Repository.discover(from: worktree)
    let mainRepo = try Repository.discover(from: main)
    #expect(try Self.paths(wt, untracked: true) == (try Self.porcelainPaths(worktree, untracked: true)))
    #expect(try wt.isDirty())
    #expect(try Self.porcelainPaths(main, untracked: true).isEmpty)
    #expect(try mainRepo.isDirty() == false)
  }

  @Test func statusFollowsChangesMadeAfterOpening() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    #expect(try repo.isDirty() == false)
    try TestSupport.write("later\n", to: "\(root)/README.md")
    #expect(try repo.isDirty())
    try TestSupport.git(["commit", "-q", "-am", "commit it"], in: root)
    #expect(try repo.isDirty() == false)
  }
}
