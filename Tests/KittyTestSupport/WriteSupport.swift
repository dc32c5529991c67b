import Foundation

/// A writable clone of the `lanes-fresh` fixture (mission `demo-feature-01M806VT`, target branch `develop`).
///
/// A plain clone of the bundle leaves `origin` whose HEAD is `develop`, which makes `develop` a protected branch
/// (spec-kitty protects main, master and the remote default). Write tests therefore drop `origin` after
/// keeping a local `main`, exactly as the real-spec-kitty comparison runs do.
public enum WriteFixture {
  public static let slug = "demo-feature-01M806VT"
  public static let missionID = "01M806VTF7GJCNP0YY012Y1DZ6"
  public static let missionBranch = "kitty/mission-demo-feature-01M806VT"
  /// The policy every transcript call passes.
  public static let policy =
    #"{"orchestrator_id":"swift-orch","orchestrator_version":"0.1.0","agent_family":"claude","approval_mode":"full_auto","sandbox_mode":"workspace_write","network_mode":"none","dangerous_flags":[]}"#

  /// Clones lanes-fresh; with `writable` (the default) creates a local `main` and removes `origin`.
  public static func clone(writable: Bool = true) throws -> String {
    let repo = try TestSupport.cloneFixture("lanes-fresh")
    try TestSupport.git(["branch", "-q", "main", "origin/main"], in: repo)
    if writable { try TestSupport.git(["remote", "remove", "origin"], in: repo) }
    return repo
  }

  public static func missionDirectory(_ repo: String) -> String { "\(repo)/kitty-specs/\(slug)" }
  public static func eventsPath(_ repo: String) -> String { "\(missionDirectory(repo))/status.events.jsonl" }
  public static func statusPath(_ repo: String) -> String { "\(missionDirectory(repo))/status.json" }
  public static func laneWorktree(_ repo: String, _ lane: String) -> String { "\(repo)/.worktrees/\(slug)-\(lane)" }
  public static func laneBranch(_ lane: String) -> String { "\(missionBranch)-\(lane)" }

  /// The rows of an event log, parsed (throws on a line that is not a JSON object).
  public static func rows(_ path: String) throws -> [[String: Any]] {
    try TestSupport.read(path).split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap {
      index, line in
      if line.isEmpty { return nil }
      guard let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        throw TestFailure("line \(index + 1) of \(path) is not a JSON object")
      }
      return row
    }
  }

  /// Commit subjects of `git log` on `ref` (newest first).
  public static func subjects(_ repo: String, _ ref: String = "HEAD", count: Int = 50) throws -> [String] {
    try TestSupport.git(["log", "--format=%s", "-\(count)", ref], in: repo).split(separator: "\n").map(String.init)
  }
}

/// Everything a rejected call must leave untouched: the status files, every ref, the worktree list, the
/// worktree admin directory and the main checkout's status.
public struct RepositoryState: Equatable, CustomStringConvertible {
  public let events: Data?
  public let status: Data?
  public let meta: Data?
  public let refs: String
  public let worktrees: String
  public let worktreeAdmin: [String: Data]
  public let porcelain: String
  public let lanesDirectory: [String: Data]

  public static func capture(_ repo: String) throws -> RepositoryState {
    let fm = FileManager.default
    return RepositoryState(
      events: fm.contents(atPath: WriteFixture.eventsPath(repo)),
      status: fm.contents(atPath: WriteFixture.statusPath(repo)),
      meta: fm.contents(atPath: "\(WriteFixture.missionDirectory(repo))/meta.json"),
      refs: try TestSupport.git(["for-each-ref", "--format=%(refname) %(objectname)"], in: repo),
      worktrees: try TestSupport.git(["worktree", "list", "--porcelain"], in: repo),
      worktreeAdmin: TestSupport.snapshotTree("\(repo)/.git/worktrees"),
      porcelain: try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: repo),
      lanesDirectory: TestSupport.snapshotTree("\(repo)/.worktrees"))
  }

  public var description: String {
    "refs:\n\(refs)worktrees:\n\(worktrees)admin: \(worktreeAdmin.keys.sorted())\nstatus: \(porcelain)"
      + "events: \(events?.count ?? -1) bytes, status.json: \(status?.count ?? -1) bytes"
  }

  /// Names of the parts that differ from `other` (empty when identical).
  public func differences(from other: RepositoryState) -> [String] {
    var result: [String] = []
    if events != other.events { result.append("status.events.jsonl") }
    if status != other.status { result.append("status.json") }
    if meta != other.meta { result.append("meta.json") }
    if refs != other.refs { result.append("refs:\n\(other.refs)->\n\(refs)") }
    if worktrees != other.worktrees { result.append("worktree list:\n\(other.worktrees)->\n\(worktrees)") }
    if worktreeAdmin != other.worktreeAdmin { result.append(".git/worktrees") }
    if porcelain != other.porcelain { result.append("git status: '\(other.porcelain)' -> '\(porcelain)'") }
    if lanesDirectory != other.lanesDirectory { result.append(".worktrees") }
    return result
  }
}
