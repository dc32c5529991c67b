import Foundation
import KittyCore
import KittyGit
import KittyTestSupport
import KittyWorkspaces
import Testing

/// A fresh clone of the lanes-fresh fixture (mission `demo-feature-01M806VT` on `develop`, lanes a–d) with a
/// local `main`, plus the tips of the branches no operation may ever move. Tests create one, then
/// `defer { box.expectProtectedTipsUnchanged() }`.
final class Sandbox {
  static let slug = "demo-feature-01M806VT"
  static let missionBranch = "kitty/mission-demo-feature-01M806VT"
  static let target = "develop"

  let root: String
  private(set) var context: RepositoryContext
  private var pinned: [String: String?] = [:]
  private var eventCounter = 0

  init(fixture: String = "lanes-fresh") throws {
    root = try TestSupport.cloneFixture(fixture)
    try TestSupport.git(["branch", "-q", "main", "origin/main"], in: root)
    context = try RepositoryContext.locate(from: root)
    try pinProtectedTips()
  }

  var manager: WorktreeManager { WorktreeManager(context: context) }
  var admin: String { "\(root)/.git/worktrees" }

  /// Re-reads `.kittify/config.yaml` and the remote default branch.
  func reloadContext() throws {
    context = try RepositoryContext.locate(from: root)
    try pinProtectedTips()
  }

  // MARK: protected branches

  /// main, master, the remote default (develop) and every configured protected branch.
  var protectedNames: [String] {
    Set(["main", "master", Self.target]).union(context.protection.branches).sorted()
  }

  /// Records the protected tips (call again after a test's own setup moved one with git).
  func pinProtectedTips() throws {
    pinned = [:]
    for name in protectedNames { pinned[name] = try tip(name) }
  }

  func expectProtectedTipsUnchanged(sourceLocation: SourceLocation = #_sourceLocation) {
    for (name, before) in pinned.sorted(by: { $0.key < $1.key }) {
      let after = try? tip(name)
      #expect(after == before, "protected branch \(name) moved", sourceLocation: sourceLocation)
    }
  }

  // MARK: names

  func path(_ lane: String) -> String { MissionPaths.laneWorktree(repoRoot: root, slug: Self.slug, laneID: lane) }
  func name(_ lane: String) -> String { "\(Self.slug)-\(lane)" }
  func branch(_ lane: String) -> String { MissionPaths.laneBranch(slug: Self.slug, laneID: lane) }

  /// The spec `git kitty worktree add` would use (dependency lanes merged when their WPs are approved).
  func spec(_ lane: String) throws -> LaneWorktreeSpec {
    let mission = try Mission(repoRoot: root, slug: Self.slug)
    return try MissionWorkspaces(context: context, mission: mission).spec(for: lane)
  }

  /// A spec with explicit merge sources.
  func plainSpec(_ lane: String, merges: [LaneWorktreeSpec.MergeSource] = []) -> LaneWorktreeSpec {
    LaneWorktreeSpec(missionSlug: Self.slug, laneID: lane, targetBranch: Self.target, repoRoot: root, merges: merges)
  }

  @discardableResult
  func ensure(_ lane: String) throws -> LaneWorktreeResult {
    try manager.ensureLaneWorktree(try spec(lane))
  }

  // MARK: git

  @discardableResult
  func git(_ arguments: [String], in directory: String? = nil) throws -> String {
    try TestSupport.git(arguments, in: directory ?? root)
  }

  /// `git` output without surrounding whitespace.
  func line(_ arguments: [String], in directory: String? = nil) throws -> String {
    try git(arguments, in: directory).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func succeeds(_ arguments: [String], in directory: String? = nil) throws -> Bool {
    try TestSupport.run(TestSupport.gitPath, arguments, in: directory ?? root).status == 0
  }

  /// The commit a branch or revision names; nil when it does not exist.
  func tip(_ revision: String) throws -> String? {
    let ref = revision.hasPrefix("refs/") || revision.count == 40 ? revision : "refs/heads/\(revision)"
    let result = try TestSupport.run(
      TestSupport.gitPath, ["rev-parse", "--verify", "--quiet", "\(ref)^{commit}"], in: root)
    return result.status == 0 ? result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
  }

  /// Writes a file in `directory` and commits it there with git; returns the new commit.
  @discardableResult
  func commit(_ file: String, _ text: String, in directory: String, message: String? = nil) throws -> String {
    try TestSupport.write(text, to: "\(directory)/\(file)")
    try git(["add", "--", file], in: directory)
    try git(["commit", "-q", "-m", message ?? "edit \(file)"], in: directory)
    return try line(["rev-parse", "HEAD"], in: directory)
  }

  /// Creates a branch at `start` with one commit on top, without checking it out; returns the commit.
  @discardableResult
  func branchWithCommit(_ branch: String, from start: String, file: String, text: String) throws -> String {
    let scratch = TestSupport.temporaryDirectory("scratch") + "/wt"
    try git(["worktree", "add", "-q", "-b", branch, scratch, start])
    let commit = try commit(file, text, in: scratch)
    try git(["worktree", "remove", scratch])
    return commit
  }

  /// `git worktree list --porcelain`, linked worktrees only: path -> (HEAD, branch ref or nil, extra lines).
  func gitWorktrees() throws -> [String: (head: String?, branch: String?, extra: [String])] {
    let blocks = try git(["worktree", "list", "--porcelain"]).components(separatedBy: "\n\n").filter { !$0.isEmpty }
    var result: [String: (head: String?, branch: String?, extra: [String])] = [:]
    for block in blocks.dropFirst() {
      let lines = block.split(separator: "\n").map(String.init)
      guard let path = lines.first?.dropFirst("worktree ".count) else { continue }
      let head = lines.first { $0.hasPrefix("HEAD ") }.map { String($0.dropFirst(5)) }
      let branch = lines.first { $0.hasPrefix("branch ") }.map { String($0.dropFirst(7)) }
      let extra = lines.dropFirst().filter { !$0.hasPrefix("HEAD ") && !$0.hasPrefix("branch ") }
      result[String(path)] = (head, branch, extra)
    }
    return result
  }

  /// Local branch names as `git branch` lists them (`*` current, `+` checked out in a linked worktree).
  func gitBranches() throws -> [String: Character] {
    var result: [String: Character] = [:]
    for line in try git(["branch", "--list", "--no-color"]).split(separator: "\n") {
      let marker = line.first ?? " "
      result[String(line.dropFirst(2))] = marker
    }
    return result
  }

  /// Checks that git sees the lane worktree as git-kitty made it: registered on its branch at the branch tip,
  /// clean, and the branch marked as checked out.
  func expectGitAgrees(lane: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let listed = try gitWorktrees()[path(lane)]
    #expect(listed != nil, "git worktree list does not list \(path(lane))", sourceLocation: sourceLocation)
    #expect(listed?.branch == "refs/heads/\(branch(lane))", sourceLocation: sourceLocation)
    #expect(listed?.head == (try tip(branch(lane))), sourceLocation: sourceLocation)
    #expect(try git(["status", "--porcelain"], in: path(lane)) == "", sourceLocation: sourceLocation)
    #expect(
      try line(["symbolic-ref", "HEAD"], in: path(lane)) == "refs/heads/\(branch(lane))",
      sourceLocation: sourceLocation)
    #expect(try gitBranches()[branch(lane)] == "+", sourceLocation: sourceLocation)
    #expect(try git(["worktree", "prune", "--dry-run", "-v"]) == "", sourceLocation: sourceLocation)
  }

  // MARK: status events

  /// Appends a transition row in spec-kitty's format moving `wp` to `lane`.
  func move(_ wp: String, to lane: String, from: String = "planned") throws {
    eventCounter += 1
    let id = "01M9ZZ" + String(repeating: "0", count: 18) + String(format: "%02d", eventCounter)
    let at = String(format: "2026-11-22T00:%02d:00.000000+00:00", eventCounter)
    let row =
      #"{"actor": "kitty-test", "at": "\#(at)", "event_id": "\#(id)", "evidence": null, "#
      + #""execution_mode": "worktree", "force": false, "from_lane": "\#(from)", "#
      + #""mission_id": "01M806VTF7GJCNP0YY012Y1DZ6", "mission_slug": "\#(Self.slug)", "policy_metadata": null, "#
      + #""reason": "test", "review_ref": null, "to_lane": "\#(lane)", "wp_id": "\#(wp)"}"#
    let log = "\(root)/kitty-specs/\(Self.slug)/status.events.jsonl"
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data((row + "\n").utf8))
  }

  func approve(_ wp: String) throws { try move(wp, to: "approved") }

  // MARK: snapshots

  /// What "the repository exactly as before" means: git's worktree list, every ref and reflog, the admin
  /// directories, the managed work directories, and the main checkout's HEAD and status.
  struct State: Equatable {
    var worktreeList: String
    var refs: String
    var adminFiles: [String: Data]
    var workFiles: [String: Data]
    var worktreesDirectoryExists: Bool
    /// Which branches have a reflog (a rolled-back move may add entries to a reflog, never a reflog file).
    var reflogs: [String: Data]
    var mainHead: String
    var mainStatus: String

    /// What differs from `other`, in words (empty when equal).
    func differences(from other: State) -> [String] {
      var result: [String] = []
      if worktreeList != other.worktreeList {
        result.append("git worktree list was\n\(other.worktreeList)and is now\n\(worktreeList)")
      }
      if refs != other.refs { result.append("refs were\n\(other.refs)and are now\n\(refs)") }
      for (label, mine, theirs) in [
        ("file under .git/worktrees", adminFiles, other.adminFiles),
        ("file under .worktrees", workFiles, other.workFiles), ("reflog", reflogs, other.reflogs),
      ] {
        for key in Set(mine.keys).union(theirs.keys).sorted() where mine[key] != theirs[key] {
          let change = mine[key] == nil ? "disappeared" : theirs[key] == nil ? "appeared" : "changed"
          result.append("\(label) \(key) \(change)")
        }
      }
      if worktreesDirectoryExists != other.worktreesDirectoryExists {
        result.append(".worktrees \(worktreesDirectoryExists ? "appeared" : "disappeared")")
      }
      if mainHead != other.mainHead { result.append("main HEAD was \(other.mainHead), is \(mainHead)") }
      if mainStatus != other.mainStatus {
        result.append("main status was\n\(other.mainStatus)and is now\n\(mainStatus)")
      }
      return result
    }
  }

  /// Expects the repository to be exactly as `before`, naming what changed when it is not.
  func expectUnchanged(since before: State, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let changes = try state().differences(from: before)
    #expect(changes.isEmpty, "\(changes.joined(separator: "\n"))", sourceLocation: sourceLocation)
  }

  func state() throws -> State {
    State(
      worktreeList: try git(["worktree", "list", "--porcelain"]),
      refs: try git(["for-each-ref", "--format=%(refname) %(objectname) %(symref)"]),
      adminFiles: TestSupport.snapshotTree(admin),
      workFiles: TestSupport.snapshotTree("\(root)/.worktrees"),
      worktreesDirectoryExists: FileManager.default.fileExists(atPath: "\(root)/.worktrees"),
      reflogs: TestSupport.snapshotTree("\(root)/.git/logs/refs").mapValues { _ in Data() },
      mainHead: try line(["symbolic-ref", "HEAD"]) + " " + (try line(["rev-parse", "HEAD"])),
      mainStatus: try git(["status", "--porcelain", "--untracked-files=all"]))
  }
}

/// The error a call threw, for checking its case and message.
func caught(_ body: () throws -> Void) -> Error? {
  do {
    try body()
    return nil
  } catch {
    return error
  }
}

/// Runs `body` as if `directory` could not be written to (`chattr +i`, or a read-only mode when not root).
/// Returns false when neither works on this machine.
func withUnwritableDirectory(_ directory: String, _ body: () throws -> Void) throws -> Bool {
  let probe = "\(directory)/.probe-\(UUID().uuidString)"
  func writable() -> Bool {
    let ok = FileManager.default.createFile(atPath: probe, contents: Data())
    if ok { try? FileManager.default.removeItem(atPath: probe) }
    return ok
  }
  if getuid() != 0 {
    chmod(directory, 0o555)
    defer { chmod(directory, 0o755) }
    guard !writable() else { return false }
    try body()
    return true
  }
  let chattr = "/usr/bin/chattr"
  guard FileManager.default.isExecutableFile(atPath: chattr),
    (try? TestSupport.run(chattr, ["+i", directory]))?.status == 0
  else { return false }
  defer { _ = try? TestSupport.run(chattr, ["-i", directory]) }
  guard !writable() else { return false }
  try body()
  return true
}
