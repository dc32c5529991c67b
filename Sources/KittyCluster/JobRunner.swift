import Foundation
import KittyBasics
import KittyExecutors
import KittyGit

/// `git-kitty job run`: one job on a node. It makes a worktree of the lane at the job's base in a node-local cache of
/// the repository (fetched from the exchange; later jobs fetch only what is new), runs the agent there exactly as
/// the local executor would (the same argv, environment, transcript and verdict reading; inside bubblewrap when the
/// job asks for it), commits what an implementer left uncommitted, and pushes its work and a result record to the
/// job's own refs in the exchange. The worktree goes when the job ends; the cache stays.
public struct JobRunner: Sendable {
  public var job: JobDescription
  /// Where the cache and the job's directory live: `$KITTY_NODE_SCRATCH`, else `$TMPDIR`, else /tmp.
  public var scratchRoot: String
  /// The scheduler's id for this job (`$SLURM_JOB_ID`), for the record.
  public var schedulerJob: String?
  /// Keep the job's directory (`$KITTY_JOB_KEEP=1`), to look at what the agent left.
  public var keep = false

  public init(job: JobDescription, environment: [String: String] = ProcessInfo.processInfo.environment) {
    self.job = job
    let scratch = environment["KITTY_NODE_SCRATCH"] ?? environment["TMPDIR"] ?? "/tmp"
    scratchRoot = (scratch.hasSuffix("/") ? String(scratch.dropLast()) : scratch) + "/git-kitty"
    schedulerJob = environment["SLURM_JOB_ID"]
    keep = environment["KITTY_JOB_KEEP"] == "1"
  }

  /// The cache of one exchange's objects on this node.
  var cache: String {
    let key = job.exchange.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
    return "\(scratchRoot)/cache/\(String(key, radix: 16)).git"
  }

  var name: String { job.jobName + "-" + (schedulerJob ?? String(getpid())) }
  var directory: String { "\(scratchRoot)/jobs/\(name)" }
  var workspace: String { "\(directory)/work" }

  public struct Failure: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
  }

  /// Runs the job; the line it prints at the end says what it sent. Throws when the job could not send a result
  /// (the coordinator then counts a failed attempt).
  public func run(log: @Sendable (String) -> Void = { _ in }) async throws(Failure) -> JobResult {
    let git = GitCommand(scratch: "\(directory)/tmp")
    do {
      try await prepare(git)
    } catch {
      try? await cleanUp(git)
      throw Failure(message: "the node could not check out \(job.base.prefix(10)): \(error)")
    }
    log("job \(job.jobName): \(job.role.rawValue) of \(job.wp) by \(job.agent.id) in \(workspace)")
    // git names the worktree's own directory (after the path's last part, made unique): ask it.
    let gitDir =
      (try? Repository.open(at: workspace)).map { Path.stripTrailingSlash($0.gitDirectory) }
      ?? "\(cache)/worktrees/work"
    // In a directory of its own: a sandbox shows the reviewer only that directory of it, over what holds it.
    let verdictFile = job.role == .review ? "\(directory)/verdict/verdict.json" : nil
    let paths = AgentPaths(
      workspace: workspace, promptFile: "\(directory)/prompt.md", verdictFile: verdictFile, gitDir: gitDir,
      gitCommonDir: cache, branch: job.laneBranch)
    for directory in [paths.branchRefDirectory, paths.branchLogDirectory].compactMap({ $0 }) {
      try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    var invocation = AgentInvocation(
      spec: job.agent, role: job.role, wpID: job.wp, missionSlug: job.mission, attempt: job.attempt, cycle: job.cycle,
      paths: paths, prompt: job.prompt.replacingOccurrences(of: job.coordinatorWorkspace, with: workspace),
      logFile: "\(directory)/agent.log", timeout: job.timeoutSeconds, script: job.script, feedback: job.feedback,
      resumeSession: job.resumeSession)
    invocation.runID = job.run
    let executor = await self.executor()
    var outcome: AgentOutcome
    switch executor {
    case .success(let executor): outcome = await executor.run(invocation) { _ in }
    case .failure(let why):
      outcome = AgentOutcome(status: nil, failure: .spawn, errorLine: why.message, seconds: 0)
    }
    var result = JobResult(outcome: outcome, node: Self.hostName(), directory: workspace)
    result.schedulerJob = schedulerJob
    if job.bringsWork && outcome.failure == nil {
      await commitLeftovers(&result, git: git)
    }
    let head = (try? Repository.open(at: workspace).headCommitID())?.map(\.description) ?? nil
    if job.bringsWork, let head, head != job.base {
      if isFastForward(head) {
        result.work = head
      } else {
        result.outcome.failure = result.outcome.failure ?? .crashed
        result.outcome.errorLine =
          "the agent's HEAD \(head.prefix(10)) is not a fast-forward of the base \(job.base.prefix(10)) "
          + "(history was rewritten); the job did not send it"
      }
    }
    do {
      try await send(result, git: git)
    } catch {
      try? await cleanUp(git)
      throw Failure(message: "the result could not be sent to \(job.exchange): \(error)")
    }
    try? await cleanUp(git)
    return result
  }

  /// The cache (created once per node, its fetches serialized by a lock) and the job's worktree at the base.
  func prepare(_ git: GitCommand) async throws {
    let fm = FileManager.default
    try fm.createDirectory(atPath: "\(directory)/tmp", withIntermediateDirectories: true)
    try fm.createDirectory(atPath: FilePaths.directory(of: cache), withIntermediateDirectories: true)
    let lock = open(cache + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    defer { if lock >= 0 { close(lock) } }
    if lock >= 0 { flock(lock, LOCK_EX) }  // released by close
    if !fm.fileExists(atPath: "\(cache)/HEAD") {
      try await git.run(["init", "--bare", "-q", cache], in: scratchRoot)
    }
    for (key, value) in [("user.name", job.authorName), ("user.email", job.authorEmail), ("gc.auto", "0")] {
      try await git.run(["--git-dir=\(cache)", "config", key, value], in: scratchRoot)
    }
    try await git.run(
      [
        "--git-dir=\(cache)", "fetch", "-q", "--no-tags", "--no-write-fetch-head", job.exchange,
        "+\(job.refPrefix)/base:refs/kitty/base/\(name)",
      ], in: scratchRoot)
    let fetched = try await git.line(["--git-dir=\(cache)", "rev-parse", "refs/kitty/base/\(name)"], in: scratchRoot)
    guard fetched == job.base else {
      throw Failure(message: "the exchange's base for \(job.refPrefix) is \(fetched.prefix(10)), not \(job.base)")
    }
    // -f: a lost job on this node may still hold the branch in a stale worktree.
    try await git.run(
      ["--git-dir=\(cache)", "worktree", "add", "-q", "-f", "-B", job.laneBranch, workspace, job.base],
      in: scratchRoot)
  }

  func executor() async -> Result<any Executor, Failure> {
    if job.sandbox == SandboxMode.none { return .success(LocalExecutor()) }
    switch await Bubblewrap.probe() {
    case .available(let path):
      return .success(SandboxedExecutor(bwrap: path, settings: job.sandboxSettings, root: workspace))
    case .unavailable(let reason):
      if job.sandbox == .bwrap {
        return .failure(Failure(message: "sandbox bwrap was asked for, but on this node \(reason)"))
      }
      return .success(LocalExecutor())
    }
  }

  /// Commits what the implementer left uncommitted, as the orchestrator does for a local run.
  func commitLeftovers(_ result: inout JobResult, git: GitCommand) async {
    guard let repo = try? Repository.open(at: workspace), (try? repo.isDirty(includeUntracked: true)) == true,
      (try? repo.headCommitID())?.map(\.description) == job.base
    else { return }
    do {
      try await git.run(["add", "-A"], in: workspace)
      try await git.run(
        ["-c", "commit.gpgsign=false", "commit", "-q", "-m", "feat(\(job.wp)): implementation by \(job.agent.id)"],
        in: workspace)
      result.committedLeftovers = true
      result.outcome.notes.append("\(job.agent.id) made no commit; the job committed what it left in the worktree")
    } catch {
      result.outcome.notes.append("what \(job.agent.id) left uncommitted could not be committed: \(error)")
    }
  }

  func isFastForward(_ head: String) -> Bool {
    guard let repo = try? Repository.open(at: workspace), let headID = try? repo.resolve(head),
      let baseID = try? repo.resolve(job.base), let counts = try? repo.aheadBehind(headID, baseID)
    else { return false }
    return counts.behind == 0
  }

  /// The result record (with the agent's transcript) as a commit of its own, pushed with the work in one atomic push.
  func send(_ result: JobResult, git: GitCommand) async throws {
    let repo = try Repository.open(at: cache)
    var files: [TreeChange] = [.write(path: "result.json", data: result.encoded())]
    for (name, path) in [("agent.log", "\(directory)/agent.log"), ("agent.jsonl", "\(directory)/agent.jsonl")] {
      if let data = FileManager.default.contents(atPath: path) { files.append(.write(path: name, data: data)) }
    }
    let tree = try repo.tree(applying: files, to: nil)
    let commit = try repo.createCommit(
      tree: tree, parents: [], message: "git-kitty job result: \(job.jobName)\n",
      author: Signature(name: job.authorName, email: job.authorEmail))
    var refspecs = ["\(commit):\(job.refPrefix)/result"]
    if let work = result.work { refspecs.insert("\(work):\(job.refPrefix)/work", at: 0) }
    try await git.run(["--git-dir=\(cache)", "push", "-q", "--atomic", job.exchange] + refspecs, in: scratchRoot)
  }

  func cleanUp(_ git: GitCommand) async throws {
    // The last git commands keep their scratch outside the job's directory, which goes.
    let outside = GitCommand(scratch: "\(scratchRoot)/tmp")
    _ = try? await outside.run(["--git-dir=\(cache)", "update-ref", "-d", "refs/kitty/base/\(name)"], in: scratchRoot)
    if keep { return }
    _ = try? await outside.run(["--git-dir=\(cache)", "worktree", "remove", "--force", workspace], in: scratchRoot)
    try? FileManager.default.removeItem(atPath: directory)
    _ = try? await outside.run(["--git-dir=\(cache)", "worktree", "prune"], in: scratchRoot)
  }

  static func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    gethostname(&buffer, buffer.count)
    return String(cString: buffer)
  }
}
