import Foundation
import KittyBasics
import KittyGit

/// The job exchange: a bare repository inside the coordinator's git directory (`<git-common-dir>/kitty/exchange.git`)
/// that borrows the coordinator's objects through an alternate. It is the only repository a job is given: the job
/// fetches its base from it and pushes its result into it. Its `update` hook accepts nothing but the creation of a
/// registered job's own `work` and `result` refs (the work only as a fast-forward of the job's base) and logs every
/// refusal; the coordinator fetches a result into its own repository and validates it again before a lane moves.
public struct JobExchange: Sendable {
  /// The exchange repository on this machine.
  public let path: String
  /// The coordinator's repository (the main worktree's root).
  public let root: String
  let scratch: String

  public static let refusalLog = "kitty-refused.log"

  public init(root: String, commonDirectory: String, scratch: String) {
    self.root = root
    self.path = "\(commonDirectory)/kitty/exchange.git"
    self.scratch = scratch
  }

  /// The exchange of the repository at `root`.
  public static func locate(root: String, scratch: String) throws(GitError) -> JobExchange {
    let repo = try Repository.open(at: root)
    let common = repo.commonDirectory.hasSuffix("/") ? String(repo.commonDirectory.dropLast()) : repo.commonDirectory
    return JobExchange(root: root, commonDirectory: common, scratch: scratch)
  }

  var git: GitCommand { GitCommand(scratch: scratch) }

  /// Creates the exchange if it is missing, and (re)writes its hook and settings: idempotent, but not safe to run
  /// twice at once (the run lock keeps other processes out; `ExchangeSetup` runs it once per run).
  public func ensure() async throws(GitCommand.Failed) {
    let fm = FileManager.default
    if !fm.fileExists(atPath: "\(path)/HEAD") {
      do {
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
      } catch {
        throw GitCommand.Failed(command: "init", detail: "\(path) cannot be created: \(error.localizedDescription)")
      }
      try await git.run(["init", "--bare", "-q", path], in: root)
    }
    let common = FilePaths.directory(of: FilePaths.directory(of: path))
    let alternates = "\(path)/objects/info/alternates"
    let wanted = "\(common)/objects\n"
    if (try? String(contentsOfFile: alternates, encoding: .utf8)) != wanted {
      try? fm.createDirectory(atPath: "\(path)/objects/info", withIntermediateDirectories: true)
      try? wanted.write(toFile: alternates, atomically: true, encoding: .utf8)
    }
    try? fm.createDirectory(atPath: "\(path)/hooks", withIntermediateDirectories: true)
    let hook = "\(path)/hooks/update"
    if (try? String(contentsOfFile: hook, encoding: .utf8)) != Self.updateHook {
      try? Self.updateHook.write(toFile: hook, atomically: true, encoding: .utf8)
    }
    chmod(hook, 0o755)
    for (key, value) in [
      // The hook must run even where a global core.hooksPath points elsewhere.
      ("core.hooksPath", "\(path)/hooks"), ("receive.denyDeletes", "true"), ("receive.denyNonFastForwards", "true"),
      // Objects are borrowed from the coordinator: never repack or prune here.
      ("gc.auto", "0"), ("receive.autogc", "false"), ("receive.fsckObjects", "false"),
    ] {
      if (try? await git.line(["config", "--file", "\(path)/config", "--get", key], in: root)) != value {
        try await git.run(["config", "--file", "\(path)/config", key, value], in: root)
      }
    }
  }

  /// The hook: a job may create its own `work` (a descendant of its base) and `result` refs, once; everything else
  /// is refused and logged.
  static let updateHook = """
    #!/bin/sh
    # git-kitty job exchange (written by git-kitty; docs/cluster.md): a job may create its own work and result refs
    # once, and nothing else. Every refusal is logged for the coordinator.
    ref=$1 old=$2 new=$3
    case $old in *[!0]*) created=no ;; *) created=yes ;; esac
    why="not a job's own new work or result ref"
    case $ref in
    refs/kitty/jobs/*/work | refs/kitty/jobs/*/result)
      prefix=${ref%/*}
      if [ $created != yes ]; then why="a job's refs are written once"
      elif ! base=$(git rev-parse -q --verify "$prefix/base^{commit}"); then why="no job is registered as $prefix"
      elif git rev-parse -q --verify "$prefix/result" >/dev/null; then why="the job already sent its result"
      elif [ "${ref##*/}" = work ] && ! git merge-base --is-ancestor "$base" "$new" 2>/dev/null; then
        why="the work is not a fast-forward of the job's base $base"
      else exit 0
      fi ;;
    esac
    printf '%s refused %s %s (%s)\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$ref" "$new" "$why" >>kitty-refused.log
    echo "git-kitty job exchange: $ref refused: $why" >&2
    exit 1

    """

  /// Makes `prefix` a job the exchange accepts a result for, starting at `base`.
  public func register(prefix: String, base: String) async throws(GitCommand.Failed) {
    try await git.run(["--git-dir=\(path)", "update-ref", "\(prefix)/base", base], in: root)
  }

  /// Whether the job at `prefix` has pushed its result (a cheap look at the refs; no process).
  public func hasResult(prefix: String) -> Bool {
    guard let repo = try? Repository.open(at: path) else { return false }
    return (try? repo.reference(named: "\(prefix)/result")) != nil
  }

  /// A job's result, fetched into the coordinator's repository as `<prefix>/result` (and `<prefix>/work`).
  public struct Collected: Sendable {
    public var result: JobResult
    public var work: String?
    public var log: Data?
    public var rawLog: Data?
  }

  public enum CollectFailure: Error, Sendable, CustomStringConvertible {
    case missing
    case unreadable(String)
    public var description: String {
      switch self {
      case .missing: return "the job sent no result"
      case .unreadable(let why): return "the job's result could not be read: \(why)"
      }
    }
  }

  /// Fetches the job's refs from the exchange into the coordinator's repository and reads its result record.
  public func collect(prefix: String) async throws(CollectFailure) -> Collected {
    guard let exchange = try? Repository.open(at: path),
      let result = try? exchange.reference(named: "\(prefix)/result")
    else { throw .missing }
    let work = try? exchange.reference(named: "\(prefix)/work")
    var refspecs = ["\(prefix)/result:\(prefix)/result"]
    if work != nil { refspecs.append("\(prefix)/work:\(prefix)/work") }
    do {
      try await git.run(
        ["fetch", "--no-tags", "--no-write-fetch-head", "-q", "--force", path] + refspecs, in: root)
    } catch {
      throw .unreadable(error.description)
    }
    guard let repo = try? Repository.open(at: root), let commit = result.target,
      let record = try? repo.fileContents(at: "result.json", in: commit), let decoded = JobResult.decode(record)
    else { throw .unreadable("result.json is missing or not a job result") }
    return Collected(
      result: decoded, work: work?.target?.description, log: try? repo.fileContents(at: "agent.log", in: commit),
      rawLog: try? repo.fileContents(at: "agent.jsonl", in: commit))
  }

  /// Removes a collected (or abandoned) job's refs from the exchange.
  public func forget(prefix: String) async {
    let lines = ["base", "work", "result"].map { "delete \(prefix)/\($0)\n" }.joined()
    _ = try? await git.run(["--git-dir=\(path)", "update-ref", "--stdin"], in: root, stdin: lines)
  }

  /// Refusals logged since byte `offset` of the exchange's log, and the offset after them.
  public func refusals(since offset: UInt64) -> (lines: [String], end: UInt64) {
    guard let handle = FileHandle(forReadingAtPath: "\(path)/\(Self.refusalLog)") else { return ([], offset) }
    defer { try? handle.close() }
    let end = (try? handle.seekToEnd()) ?? offset
    guard end > offset else { return ([], end) }
    try? handle.seek(toOffset: offset)
    let data = (try? handle.read(upToCount: Int(min(end - offset, 1 << 20)))) ?? nil
    let text = data.flatMap { String(data: $0, encoding: .utf8) } ?? ""
    return (text.split(separator: "\n").map(String.init), end)
  }

  public var refusalLogSize: UInt64 {
    ((try? FileManager.default.attributesOfItem(atPath: "\(path)/\(Self.refusalLog)"))?[.size] as? UInt64) ?? 0
  }
}

/// Prepares a run's exchange once, however many WPs ask at the same time.
actor ExchangeSetup {
  private var done: Task<String?, Never>?

  /// nil when the exchange is ready, else why not.
  func ensure(_ exchange: JobExchange) async -> String? {
    if let done { return await done.value }
    let task = Task { () -> String? in
      do throws(GitCommand.Failed) {
        try await exchange.ensure()
        return nil
      } catch {
        return error.description
      }
    }
    done = task
    let failure = await task.value
    if failure != nil { done = nil }  // the next WP tries again
    return failure
  }
}
