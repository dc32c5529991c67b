import Foundation
import KittyGit
import KittyTestSupport
import Testing

/// Linked worktrees made by `git worktree add`, as KittyGit lists and opens them.
@Suite struct WorktreeTests {
  /// `git worktree list --porcelain` as (path, branch ref or nil, lock line or nil), linked worktrees only.
  static func gitWorktrees(_ root: String) throws -> [(path: String, branch: String?, locked: String?)] {
    let blocks = try TestSupport.git(["worktree", "list", "--porcelain"], in: root)
      .components(separatedBy: "\n\n").filter { !$0.isEmpty }.dropFirst()
    return blocks.map { block in
      let lines = block.split(separator: "\n").map(String.init)
      let path = lines.first { $0.hasPrefix("worktree ") }.map { String($0.dropFirst(9)) } ?? ""
      let branch = lines.first { $0.hasPrefix("branch ") }.map { String($0.dropFirst(7)) }
      let locked = lines.first { $0 == "locked" || $0.hasPrefix("locked ") }
      return (Oracle.canonical(path), branch, locked)
    }
  }

  @Test func worktreesListsWhatGitWorktreeAddMade() throws {
    let root = try TestSupport.makeRepository()
    let parent = (root as NSString).deletingLastPathComponent
    try TestSupport.git(["worktree", "add", "-q", "-b", "kitty/lane-a", "\(parent)/lane-a"], in: root)
    try TestSupport.git(["worktree", "add", "-q", "-b", "kitty/lane-b", "\(parent)/nested/dir/lane-b"], in: root)

    let repo = try Repository.discover(from: root)
    let listed = try repo.worktrees()
    let fromGit = try Self.gitWorktrees(root)
    #expect(listed.count == 2)
    #expect(listed.map { Oracle.canonical($0.path) }.sorted() == fromGit.map(\.path).sorted())
    #expect(Set(listed.map(\.name)) == ["lane-a", "lane-b"])  // git names the admin dir after the basename
    for info in listed {
      #expect(!info.path.hasSuffix("/"))
      #expect(info.isLocked == false)
      #expect(info.lockReason == nil)
      #expect(info.isValid, "\(info.name): \(info.validationError ?? "")")
      #expect(info.validationError == nil)
      #expect(FileManager.default.fileExists(atPath: "\(root)/.git/worktrees/\(info.name)/HEAD"))
    }
    let laneA = try #require(listed.first { $0.name == "lane-a" })
    #expect(Oracle.canonical(laneA.path) == Oracle.canonical("\(parent)/lane-a"))
    #expect(try repo.worktree(named: "lane-a") == laneA)
  }

  /// `worktree(named:)` documents nil for an unregistered name, but 1.5.1's `git_worktree_lookup` reports a
  /// missing admin directory as a generic error (-1, "filesystem callback returned 1"), not `GIT_ENOTFOUND`
  /// (that changed in libgit2 1.6.1), so KittyGit throws.
  @Test func worktreeNamedAnUnregisteredNameIsNil() throws {
    let (main, _) = try Oracle.repositoryWithWorktree(name: "wt", branch: "feature")
    let repo = try Repository.discover(from: main)
    #expect(!FileManager.default.fileExists(atPath: "\(main)/.git/worktrees/no-such"))
    do {
      #expect(try repo.worktree(named: "no-such") == nil)
    }
  }

  @Test func aRepositoryWithoutLinkedWorktreesListsNone() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    #expect(try repo.worktrees().isEmpty)
  }

  @Test func worktreesListedFromInsideALinkedWorktreeAreTheSame() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree(name: "wt", branch: "feature")
    let fromMain = try Repository.discover(from: main).worktrees()
    let fromWorktree = try Repository.discover(from: worktree).worktrees()
    #expect(fromMain == fromWorktree)
    #expect(fromMain.map(\.name) == ["wt"])
  }

  @Test func aLockedWorktreeReportsItsReason() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree(name: "wt", branch: "feature")
    try TestSupport.git(["worktree", "lock", "--reason", "why", worktree], in: main)
    let gitLock = try #require(try Self.gitWorktrees(main).first?.locked)
    #expect(gitLock == "locked why")

    let info = try #require(try Repository.discover(from: main).worktree(named: "wt"))
    #expect(info.isLocked)
    #expect(info.isValid)
    // git stores "why\n"; the reason git shows (and the user typed) is "why".
    #expect(info.lockReason?.trimmingCharacters(in: .newlines) == "why")
    do {
      #expect(info.lockReason == "why")
    }
  }

  @Test func aWorktreeLockedWithoutAReasonHasNoReason() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree(name: "wt", branch: "feature")
    try TestSupport.git(["worktree", "lock", worktree], in: main)
    #expect(try Self.gitWorktrees(main).first?.locked == "locked")
    let info = try #require(try Repository.discover(from: main).worktree(named: "wt"))
    #expect(info.isLocked)
    #expect(info.lockReason == nil)

    try TestSupport.git(["worktree", "unlock", worktree], in: main)
    #expect(try Repository.discover(from: main).worktree(named: "wt")?.isLocked == false)
  }

  @Test func aDeletedWorkDirectoryIsInvalid() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree(name: "wt", branch: "feature")
    try FileManager.default.removeItem(atPath: worktree)
    let porcelain = try TestSupport.git(["worktree", "list", "--porcelain"], in: main)
    #expect(porcelain.contains("prunable"))

    let repo = try Repository.discover(from: main)
    let info = try #require(try repo.worktree(named: "wt"))
    #expect(info.isValid == false)
    #expect(info.validationError?.isEmpty == false)
    #expect(info.isLocked == false)
    #expect(Oracle.canonical(info.path) == Oracle.canonical(worktree))
    #expect(try repo.worktrees().map(\.isValid) == [false])
    #expect(repo.worktreeHeadReference(named: "wt") == "refs/heads/feature")

    try TestSupport.git(["worktree", "prune"], in: main)
    #expect(try repo.worktrees().isEmpty)
    do {
      #expect(try repo.worktree(named: "wt") == nil)
    }
  }

  /// One deleted worktree must not hide the healthy ones from `worktrees()`.
  @Test func aDeletedWorktreeDoesNotHideTheOthers() throws {
    let root = try TestSupport.makeRepository()
    let parent = (root as NSString).deletingLastPathComponent
    for name in ["alive-1", "gone", "alive-2"] {
      try TestSupport.git(["worktree", "add", "-q", "-b", name, "\(parent)/\(name)"], in: root)
    }
    try FileManager.default.removeItem(atPath: "\(parent)/gone")
    #expect(try Self.gitWorktrees(root).count == 3)
    let repo = try Repository.discover(from: root)
    let listed = try repo.worktrees()
    #expect(listed.map(\.name) == ["alive-1", "alive-2", "gone"])
    #expect(listed.map(\.isValid) == [true, true, false])
    #expect(listed.map { Oracle.canonical($0.path) } == (try Self.gitWorktrees(root).map(\.path).sorted()))
    #expect(try repo.worktree(named: "alive-1")?.isValid == true)
    #expect(try repo.worktree(named: "alive-2")?.isValid == true)
  }

  /// libgit2 1.5.1 does not clear its thread-local error on success; a later failure that records no message
  /// must not report the earlier one, and an unknown worktree name is simply absent.
  @Test func aGitErrorDoesNotCarryAStaleMessageFromAnEarlierFailure() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    #expect(throws: GitError.self) { try repo.resolve("stale-revision-marker") }
    #expect(try repo.worktree(named: "no-such") == nil)
    do {
      try repo.lockWorktree(named: "no-such", reason: "x")
      Issue.record("locking an unknown worktree must fail")
    } catch {
      #expect(!error.message.contains("stale-revision-marker"), "\(error.operation): \(error.message)")
    }
  }

  /// On a thread where libgit2 never recorded an error, `git_error_last()` is NULL in 1.5.1; a failure that
  /// records none must still give a usable GitError (and not crash).
  @Test func aFailureWithoutALibgit2MessageStillGivesAGitError() throws {
    let root = try TestSupport.makeRepository()
    nonisolated(unsafe) var outcome: (code: Int32, message: String)? = nil
    nonisolated(unsafe) var returnedNil = false
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      defer { done.signal() }
      do {
        let repo = try Repository.open(at: root)
        returnedNil = try repo.worktree(named: "no-such") == nil
      } catch let error as GitError {
        outcome = (error.code, error.message)
      } catch {
        outcome = (0, "not a GitError: \(error)")
      }
    }
    thread.start()
    done.wait()
    if returnedNil { return }  // the lookup bug is fixed: nothing failed
    let (code, message) = try #require(outcome)
    #expect(code < 0)
    #expect(!message.isEmpty)
  }

  @Test func worktreeHeadReferenceGivesTheCheckedOutBranch() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree(name: "wt", branch: "kitty/lane-a")
    let repo = try Repository.discover(from: main)
    let expected = try Oracle.line(["symbolic-ref", "HEAD"], in: worktree)
    #expect(expected == "refs/heads/kitty/lane-a")
    #expect(repo.worktreeHeadReference(named: "wt") == expected)
    #expect(try Self.gitWorktrees(main).first?.branch == expected)

    // Switching branches inside the worktree is seen; detaching gives nil.
    try TestSupport.git(["switch", "-q", "-c", "kitty/lane-b"], in: worktree)
    #expect(repo.worktreeHeadReference(named: "wt") == "refs/heads/kitty/lane-b")
    try TestSupport.git(["switch", "-q", "--detach"], in: worktree)
    #expect(repo.worktreeHeadReference(named: "wt") == nil)
    #expect(repo.worktreeHeadReference(named: "no-such") == nil)
  }

  @Test func worktreeHeadReferenceWorksFromInsideALinkedWorktree() throws {
    let (_, worktree) = try Oracle.repositoryWithWorktree(name: "wt", branch: "feature")
    let repo = try Repository.discover(from: worktree)
    #expect(repo.worktreeHeadReference(named: "wt") == "refs/heads/feature")
  }

  @Test func openWorktreeSeesItsOwnHeadAndDirectory() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree(name: "wt", branch: "feature")
    let tip = try Oracle.commitFile("wt.txt", "x\n", message: "wt", in: worktree)
    let repo = try Repository.discover(from: main)
    let opened = try repo.openWorktree(named: "wt")
    #expect(opened.isWorktree)
    #expect(Oracle.canonical(try #require(opened.workingDirectory)) == Oracle.canonical(worktree))
    #expect(Oracle.canonical(opened.commonDirectory) == Oracle.canonical("\(main)/.git"))
    #expect(try opened.currentBranch() == (try Oracle.line(["rev-parse", "--abbrev-ref", "HEAD"], in: worktree)))
    #expect(try opened.headCommitID() == tip)
    #expect(try repo.currentBranch() == "main")

    let error = #expect(throws: GitError.self) { try repo.openWorktree(named: "no-such") }
    #expect((error?.code ?? 0) < 0)
  }
}
