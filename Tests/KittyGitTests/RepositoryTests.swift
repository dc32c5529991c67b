import Foundation
import KittyGit
import KittyTestSupport
import Testing

/// Opening repositories (discover / open / initialise), their directories and HEAD, checked against `git`.
@Suite struct RepositoryDiscoveryTests {
  @Test func discoverFromNestedSubdirectoryFindsTheRoot() throws {
    let root = try TestSupport.makeRepository()
    let nested = "\(root)/a/b/c"
    try FileManager.default.createDirectory(atPath: nested, withIntermediateDirectories: true)

    let repo = try Repository.discover(from: nested)
    #expect(
      Oracle.canonical(try #require(repo.workingDirectory)) == (try Oracle.absolutePath("--show-toplevel", in: nested)))
    #expect(Oracle.canonical(repo.gitDirectory) == (try Oracle.absolutePath("--git-dir", in: nested)))
    #expect(Oracle.canonical(repo.commonDirectory) == (try Oracle.absolutePath("--git-common-dir", in: nested)))
    #expect(repo.isWorktree == false)
    #expect(repo.isBare == false)
    #expect(Oracle.canonical(try #require(repo.mainWorkingDirectory)) == Oracle.canonical(root))
    #expect(try repo.currentBranch() == "main")
    #expect(try repo.headCommitID() == (try Oracle.oid("HEAD", in: root)))
  }

  @Test func directoriesKeepTheirDocumentedTrailingSlash() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    #expect(repo.gitDirectory.hasSuffix("/"))
    #expect(repo.commonDirectory.hasSuffix("/"))
    #expect(try #require(repo.workingDirectory).hasSuffix("/"))
    #expect(try #require(repo.mainWorkingDirectory).hasSuffix("/") == false)
  }

  @Test func discoverFromInsideALinkedWorktree() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree(name: "wt", branch: "feature")
    let nested = "\(worktree)/deep/er"
    try FileManager.default.createDirectory(atPath: nested, withIntermediateDirectories: true)

    for start in [worktree, nested] {
      let repo = try Repository.discover(from: start)
      #expect(repo.isWorktree, "from \(start)")
      #expect(Oracle.canonical(repo.commonDirectory) == Oracle.canonical("\(main)/.git"))
      #expect(Oracle.canonical(repo.commonDirectory) == (try Oracle.absolutePath("--git-common-dir", in: start)))
      #expect(Oracle.canonical(repo.gitDirectory) == (try Oracle.absolutePath("--git-dir", in: start)))
      #expect(Oracle.canonical(repo.gitDirectory) == Oracle.canonical("\(main)/.git/worktrees/wt"))
      #expect(Oracle.canonical(try #require(repo.workingDirectory)) == Oracle.canonical(worktree))
      #expect(Oracle.canonical(try #require(repo.mainWorkingDirectory)) == Oracle.canonical(main))

      let gitBranch = try Oracle.line(["rev-parse", "--abbrev-ref", "HEAD"], in: start)
      #expect(gitBranch == "feature")
      #expect(try repo.currentBranch() == gitBranch)
      #expect(try repo.headReferenceName() == (try Oracle.line(["symbolic-ref", "HEAD"], in: start)))
      #expect(try repo.headCommitID() == (try Oracle.oid("HEAD", in: start)))
    }
  }

  @Test func worktreeHeadMovesIndependentlyOfTheMainCheckout() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree()
    let newTip = try Oracle.commitFile("wt.txt", "in the worktree\n", message: "wt commit", in: worktree)
    let fromWorktree = try Repository.discover(from: worktree)
    let fromMain = try Repository.discover(from: main)
    #expect(try fromWorktree.headCommitID() == newTip)
    #expect(try fromMain.headCommitID() == (try Oracle.oid("HEAD", in: main)))
    #expect(try fromMain.headCommitID() != newTip)
    #expect(try fromMain.resolve("feature") == newTip)
  }

  @Test func detachedHeadHasNoBranch() throws {
    let root = try TestSupport.makeRepository()
    try Oracle.commitFile("two.txt", "2\n", message: "two", in: root)
    try TestSupport.git(["checkout", "-q", "--detach", "HEAD~1"], in: root)
    let repo = try Repository.discover(from: root)
    #expect(try repo.headReferenceName() == nil)
    #expect(try repo.currentBranch() == nil)
    #expect(repo.isHeadUnborn == false)
    #expect(try repo.headCommitID() == (try Oracle.oid("HEAD", in: root)))
  }

  @Test func openDoesNotSearchUpwards() throws {
    let root = try TestSupport.makeRepository()
    try FileManager.default.createDirectory(atPath: "\(root)/sub", withIntermediateDirectories: true)
    let repo = try Repository.open(at: root)
    #expect(Oracle.canonical(try #require(repo.workingDirectory)) == Oracle.canonical(root))
    let error = #expect(throws: GitError.self) { try Repository.open(at: "\(root)/sub") }
    #expect(error?.isNotFound == true)
  }

  @Test func bareRepositoryHasNoWorkingDirectory() throws {
    let parent = TestSupport.temporaryDirectory("bare")
    try TestSupport.git(["init", "-q", "--bare", "b.git"], in: parent)
    let repo = try Repository.discover(from: "\(parent)/b.git")
    #expect(repo.isBare)
    #expect(repo.workingDirectory == nil)
    #expect(repo.mainWorkingDirectory == nil)
    #expect(Oracle.canonical(repo.commonDirectory) == Oracle.canonical("\(parent)/b.git"))
  }

  @Test func initialiseCreatesARepositoryGitAgreesWith() throws {
    let path = TestSupport.temporaryDirectory("init") + "/new/repo"
    let repo = try Repository.initialise(at: path, initialBranch: "trunk")
    #expect(FileManager.default.fileExists(atPath: "\(path)/.git/HEAD"))
    #expect(try Oracle.line(["symbolic-ref", "HEAD"], in: path) == "refs/heads/trunk")
    #expect(try Oracle.line(["rev-parse", "--is-inside-work-tree"], in: path) == "true")
    #expect(repo.isHeadUnborn)
    #expect(try repo.headReferenceName() == "refs/heads/trunk")
    #expect(try repo.currentBranch() == "trunk")
  }
}

/// Repositories whose config carries extensions libgit2 1.5.1 does not know (newer git writes them).
@Suite struct RepositoryExtensionTests {
  /// Edits `.git/config` with `git config -f` from outside the repository: git 2.39 itself refuses to
  /// enter a v1 repository carrying `extensions.relativeWorktrees`, so the oracle reads come first.
  static func setFormat(_ root: String, extensions: [String: String]) throws {
    let config = "\(root)/.git/config"
    let outside = TestSupport.temporaryDirectory("outside")
    try TestSupport.git(["config", "-f", config, "core.repositoryformatversion", "1"], in: outside)
    for (key, value) in extensions.sorted(by: { $0.key < $1.key }) {
      try TestSupport.git(["config", "-f", config, key, value], in: outside)
    }
  }

  @Test func worktreeConfigExtensionDoesNotStopDiscover() throws {
    let root = try TestSupport.makeRepository()
    try Self.setFormat(root, extensions: ["extensions.worktreeConfig": "true"])
    // What `git sparse-checkout` leaves behind besides the extension.
    try TestSupport.write("[core]\n\tsparseCheckout = true\n", to: "\(root)/.git/config.worktree")
    #expect(try Oracle.line(["config", "--get", "extensions.worktreeconfig"], in: root) == "true")

    let repo = try Repository.discover(from: root)
    #expect(try repo.headCommitID() == (try Oracle.oid("HEAD", in: root)))
    _ = try Repository.open(at: root)
  }

  @Test func relativeWorktreesExtensionDoesNotStopDiscover() throws {
    let root = try TestSupport.makeRepository()
    let head = try Oracle.oid("HEAD", in: root)
    try Self.setFormat(root, extensions: ["extensions.relativeWorktrees": "true"])
    #expect(try TestSupport.read("\(root)/.git/config").contains("relativeWorktrees = true"))
    let repo = try Repository.discover(from: root)
    #expect(try repo.headCommitID() == head)
    #expect(try repo.currentBranch() == "main")
    _ = try Repository.open(at: root)
  }

  @Test func bothExtensionsTogetherAlsoFromALinkedWorktree() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree()
    let expectedHead = try Oracle.oid("HEAD", in: worktree)
    try Self.setFormat(
      main, extensions: ["extensions.worktreeConfig": "true", "extensions.relativeWorktrees": "true"])

    let fromMain = try Repository.discover(from: main)
    #expect(try fromMain.currentBranch() == "main")
    let fromWorktree = try Repository.discover(from: worktree)
    #expect(fromWorktree.isWorktree)
    #expect(try fromWorktree.currentBranch() == "feature")
    #expect(try fromWorktree.headCommitID() == expectedHead)
  }

  /// git >= 2.48 with `worktree.useRelativePaths` writes relative links both ways; git 2.39 cannot,
  /// so the links are rewritten by hand the way the newer git writes them.
  @Test func relativeWorktreeLinksAreFollowed() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree(name: "wt", branch: "feature")
    let expectedHead = try Oracle.oid("HEAD", in: worktree)
    let mainName = (main as NSString).lastPathComponent
    // The worktree's `.git` points at the admin directory relative to the worktree; the admin `gitdir`
    // file points back relative to the admin directory `.git/worktrees/wt`.
    try "gitdir: ../\(mainName)/.git/worktrees/wt\n".write(
      toFile: "\(worktree)/.git", atomically: true, encoding: .utf8)
    try "../../../../wt/.git\n".write(toFile: "\(main)/.git/worktrees/wt/gitdir", atomically: true, encoding: .utf8)
    try Self.setFormat(main, extensions: ["extensions.relativeWorktrees": "true"])

    let repo = try Repository.discover(from: worktree)
    #expect(repo.isWorktree)
    #expect(Oracle.canonical(repo.commonDirectory) == Oracle.canonical("\(main)/.git"))
    let workingDirectory = try #require(repo.workingDirectory)
    #expect(Oracle.canonical(workingDirectory) == Oracle.canonical(worktree), "libgit2 gave \(workingDirectory)")
    #expect(Oracle.canonical(try #require(repo.mainWorkingDirectory)) == Oracle.canonical(main))
    #expect(try repo.currentBranch() == "feature")
    #expect(try repo.headCommitID() == expectedHead)

    let listed = try Repository.discover(from: main).worktrees()
    #expect(listed.map(\.name) == ["wt"])
    #expect(listed.map { Oracle.canonical($0.path) } == [Oracle.canonical(worktree)])
    #expect(listed.map(\.isValid) == [true])
  }

  @Test func anUnknownExtensionIsStillRefused() throws {
    let root = try TestSupport.makeRepository()
    try Self.setFormat(root, extensions: ["extensions.kittyBogus": "true"])
    // git itself refuses such a repository too.
    #expect(try Oracle.succeeds(["rev-parse", "HEAD"], in: root) == false)
    let error = #expect(throws: GitError.self) { try Repository.discover(from: root) }
    #expect((error?.code ?? 0) < 0)
    #expect(error?.message.isEmpty == false)
  }
}

/// Errors, revisions, HEAD.
@Suite struct RepositoryHeadTests {
  @Test func nonRepositoryGivesAGitErrorWithCodeAndMessage() throws {
    let dir = TestSupport.temporaryDirectory("not-a-repo")
    #expect(try Oracle.succeeds(["rev-parse", "--git-dir"], in: dir) == false)
    let error = try #require(#expect(throws: GitError.self) { try Repository.discover(from: dir) })
    #expect(error.code < 0)
    #expect(error.isNotFound)
    #expect(!error.message.isEmpty)
    #expect(!error.message.contains("without a message"), "libgit2 did record a message: \(error.message)")
    #expect(error.errorClass != 0)
    #expect(error.description.contains(error.operation))

    let openError = try #require(#expect(throws: GitError.self) { try Repository.open(at: dir) })
    #expect(openError.code < 0)
    #expect(!openError.message.isEmpty)
  }

  @Test func missingDirectoryGivesAGitError() throws {
    let dir = TestSupport.temporaryDirectory("gone") + "/does/not/exist"
    let error = try #require(#expect(throws: GitError.self) { try Repository.discover(from: dir) })
    #expect(error.code < 0)
    #expect(!error.message.isEmpty)
  }

  @Test(arguments: [
    "HEAD", "HEAD~1", "HEAD^", "HEAD~3", "develop", "main", "origin/main", "refs/remotes/origin/develop",
    "develop~2", "main^{commit}", ":/spec-kitty init",
  ])
  func resolveAgreesWithRevParse(revision: String) throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    #expect(try repo.resolve(revision) == (try Oracle.oid(revision, in: root)), "\(revision)")
  }

  @Test func resolveAcceptsFullAndAbbreviatedShasAndPeelsTags() throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    let target = try Oracle.oid("develop~4", in: root)
    #expect(try repo.resolve(target.hex) == target)
    #expect(try repo.resolve(target.short) == target)
    try TestSupport.git(["tag", "-a", "-m", "annotated", "v-annotated", "develop~4"], in: root)
    try TestSupport.git(["tag", "v-light", "develop~5"], in: root)
    #expect(try repo.resolve("v-annotated") == target)
    #expect(try repo.resolve("v-light") == (try Oracle.oid("develop~5", in: root)))
  }

  @Test func resolveOfAnUnknownRevisionThrowsNotFound() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    #expect(try Oracle.succeeds(["rev-parse", "--verify", "no-such-branch"], in: root) == false)
    let error = #expect(throws: GitError.self) { try repo.resolve("no-such-branch") }
    #expect(error?.isNotFound == true)
    #expect(error?.message.isEmpty == false)
  }

  @Test func headCommitIDMatchesRevParseHead() throws {
    let root = try Oracle.fixtureWithMain()
    let repo = try Repository.discover(from: root)
    #expect(try repo.headCommitID() == (try Oracle.oid("HEAD", in: root)))
    #expect(repo.isHeadUnborn == false)
    #expect(try repo.headReferenceName() == "refs/heads/develop")
    #expect(try repo.currentBranch() == "develop")
  }

  @Test func freshInitWithoutCommitIsUnborn() throws {
    let root = TestSupport.temporaryDirectory("unborn")
    try TestSupport.git(["init", "-q", "-b", "trunk"], in: root)
    try TestSupport.configureIdentity(root)
    #expect(try Oracle.succeeds(["rev-parse", "--verify", "HEAD"], in: root) == false)

    let repo = try Repository.discover(from: root)
    #expect(repo.isHeadUnborn)
    #expect(try repo.headCommitID() == nil)
    #expect(try repo.headReferenceName() == "refs/heads/trunk")
    #expect(try repo.currentBranch() == "trunk")
    #expect(throws: GitError.self) { try repo.resolve("HEAD") }

    // The same handle notices the first commit.
    let first = try Oracle.commitFile("a.txt", "a\n", message: "first", in: root)
    #expect(repo.isHeadUnborn == false)
    #expect(try repo.headCommitID() == first)
  }

  @Test func headSeesCommitsMadeByGitAfterOpening() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    let before = try repo.headCommitID()
    let after = try Oracle.commitFile("later.txt", "later\n", message: "later", in: root)
    #expect(before != after)
    #expect(try repo.headCommitID() == after)
  }
}
