import Foundation
import KittyBasics
import KittyCore
import KittyExecutors
import KittyGit

/// Runs each agent as a Slurm job (`--executor slurm`): the job protocol of docs/cluster.md. The coordinator pins
/// the lane's tip as the job's base, registers it in the job exchange, writes a ledger entry and submits a batch
/// script that runs `git-kitty job run` with the job's description. It follows the job with `squeue` (one call per
/// interval for the whole run) and the exchange's refs, and when the result is there fetches it, checks that the
/// work is a fast-forward of the base and fast-forwards the lane branch and worktree. It stays the only writer of
/// the event log: the job never talks to the host. Cancellation (a stop) cancels the job; a run killed without a
/// stop leaves its jobs running for `resume` to adopt from the ledger.
public struct SlurmExecutor: Executor {
  public var name: String { "slurm" }
  public let settings: SlurmSettings
  public let root: String
  /// The sandbox asked of the nodes (nil: bwrap where it works there).
  public let sandbox: SandboxMode?
  public let sandboxSettings: SandboxSettings
  let slurm: SlurmCommands
  let queue: SlurmQueue
  let setup = ExchangeSetup()
  let scratch: String

  public init(
    settings: SlurmSettings, root: String, sandbox: SandboxMode?, sandboxSettings: SandboxSettings,
    environment: [String: String] = ProcessEnvironment.scrubbed()
  ) {
    self.settings = settings
    self.root = root
    self.sandbox = sandbox
    self.sandboxSettings = sandboxSettings
    scratch = "\(root)/.kittify/jobs/.tmp"
    slurm = SlurmCommands(scratch: scratch, environment: environment)
    queue = SlurmQueue(slurm: slurm, interval: .milliseconds(Int64(settings.pollSeconds * 1000)))
  }

  public func run(_ invocation: AgentInvocation, started: @escaping @Sendable (AgentHandle) -> Void) async
    -> AgentOutcome
  {
    // `[worktree] setup` prepares the coordinator's worktree: it runs here.
    if invocation.role == .setup { return await LocalExecutor().run(invocation, started: started) }
    let begin = Date()
    let queue = self.queue
    let log = TranscriptFile(path: invocation.logFile)
    func failed(_ failure: AgentFailure, _ message: String) -> AgentOutcome {
      log.append("=== \(message) ===\n")
      return AgentOutcome(
        status: nil, failure: failure, errorLine: message, seconds: Date().timeIntervalSince(begin))
    }
    guard let run = invocation.runID else { return failed(.spawn, "the slurm executor needs the run's id") }
    guard let branch = invocation.paths.branch, branch != "HEAD",
      let base = (try? Repository.open(at: invocation.workspace).headCommitID())?.map(\.description) ?? nil
    else { return failed(.spawn, "the lane worktree \(invocation.workspace) has no branch or no commit") }
    guard let exchange = try? JobExchange.locate(root: root, scratch: scratch) else {
      return failed(.spawn, "the repository at \(root) cannot be opened for its job exchange")
    }
    if let problem = await setup.ensure(exchange) {
      return failed(.spawn, "the job exchange could not be prepared: \(problem)")
    }
    let ledger = JobLedger(root: root, run: run)
    var entry: JobLedger.Entry
    if let existing = ledger.entry(invocation.wpID), existing.role.commandRole == invocation.role.commandRole,
      existing.base == base
    {
      entry = existing
      log.append(
        "=== git-kitty \(invocation.role.rawValue) of \(invocation.wpID): adopting job \(existing.job ?? existing.name) "
          + "(submitted by this run before the coordinator restarted) ===\n")
      let queued = await entry.job.asyncMap { await queue.status(id: $0, name: entry.name) } ?? nil
      if queued == nil, !exchange.hasResult(prefix: entry.refPrefix) {
        // The submission's answer was lost, or the job is gone: find it by name, else submit it again.
        if let found = try? await slurm.jobs(named: [entry.name]).first(where: { !$0.isFinished }) {
          entry.job = found.id
          ledger.write(entry)
        } else if entry.job == nil {
          do {
            entry = try await submit(invocation, entry: entry, exchange: exchange, log: log)
          } catch {
            return failed(.spawn, error.description)
          }
        }
      }
    } else {
      if let stale = ledger.entry(invocation.wpID) {
        if let job = stale.job { try? await slurm.cancel([job]) }
        await exchange.forget(prefix: stale.refPrefix)
        ledger.remove(invocation.wpID)
      }
      let prefix = JobDescription.refPrefix(
        run: run, wp: invocation.wpID, role: invocation.role, attempt: invocation.attempt)
      entry = JobLedger.Entry(
        wp: invocation.wpID, role: invocation.role, attempt: invocation.attempt,
        name: JobDescription.jobName(run: run, wp: invocation.wpID, role: invocation.role, attempt: invocation.attempt),
        refPrefix: prefix, base: base, job: nil, node: nil, logFile: invocation.logFile,
        submittedAt: Timestamp.isoNow(),
        refusalOffset: exchange.refusalLogSize)
      log.append(
        "=== git-kitty \(invocation.role.rawValue) of \(invocation.wpID) by \(invocation.spec.id), attempt "
          + "\(invocation.attempt), \(Timestamp.isoNow()): a Slurm job from \(base.prefix(10)) ===\n")
      do {
        entry = try await submit(invocation, entry: entry, exchange: exchange, log: log, branch: branch, base: base)
      } catch {
        ledger.remove(invocation.wpID)
        await exchange.forget(prefix: prefix)
        return failed(.spawn, error.description)
      }
    }
    guard let job = entry.job else { return failed(.spawn, "job \(entry.name) has no id") }
    started(.job(id: job, node: entry.node))
    let jobName = entry.name
    await queue.track(jobName)
    defer { Task { await queue.untrack(jobName) } }

    // Follow the job until its result is in the exchange, it ends without one, or the run stops.
    var node = entry.node
    var ended: SlurmCommands.JobStatus?
    var unseen = 0
    while !exchange.hasResult(prefix: entry.refPrefix) {
      if Task.isCancelled {
        // In a cancelled task a process would be torn down at once: the cancellation runs detached.
        let prefix = entry.refPrefix
        await Task.detached {
          try? await slurm.cancel([job])
          await waitGone(job, name: jobName)
          await exchange.forget(prefix: prefix)
        }.value
        ledger.remove(invocation.wpID)
        log.append("=== stopped: Slurm job \(job) cancelled ===\n")
        return AgentOutcome(
          status: nil, failure: .stopped, errorLine: "stopped", seconds: Date().timeIntervalSince(begin))
      }
      if let status = await queue.status(id: job, name: entry.name) {
        unseen = 0
        if let placed = status.node, placed != node, status.state != "PENDING" {
          node = placed
          entry.node = placed
          ledger.write(entry)
          started(.job(id: job, node: placed))
          log.append("=== Slurm job \(job) running on \(placed) ===\n")
        }
        if status.isFinished {
          // The result is pushed before the job ends: one more look, then it is missing for good.
          if exchange.hasResult(prefix: entry.refPrefix) { break }
          ended = status
          break
        }
      } else {
        unseen += 1
        // Not in the queue for ~30 s (the controller forgot it, or it never got there).
        if unseen * Int(settings.pollSeconds * 1000) > 30_000 { break }
      }
      try? await Task.sleep(for: .milliseconds(Int64(settings.pollSeconds * 1000)))
    }
    if !exchange.hasResult(prefix: entry.refPrefix) {
      ledger.remove(invocation.wpID)
      await exchange.forget(prefix: entry.refPrefix)
      return await noResult(job: job, status: ended, node: node, log: log, begin: begin)
    }
    let outcome = await accept(invocation, entry: entry, exchange: exchange, log: log, begin: begin)
    ledger.remove(invocation.wpID)
    await exchange.forget(prefix: entry.refPrefix)
    return outcome
  }

  // MARK: submission

  func submit(
    _ invocation: AgentInvocation, entry: JobLedger.Entry, exchange: JobExchange, log: TranscriptFile,
    branch: String? = nil, base: String? = nil
  ) async throws(SlurmCommands.Failure) -> JobLedger.Entry {
    var entry = entry
    let ledger = JobLedger(root: root, run: invocation.runID ?? "")
    ledger.write(entry)
    let identity = (try? Repository.open(at: root))?.defaultSignature()
    let description = JobDescription(
      run: invocation.runID ?? "", mission: invocation.missionSlug, wp: invocation.wpID, role: entry.role,
      attempt: entry.attempt, cycle: invocation.cycle, base: base ?? entry.base,
      laneBranch: branch ?? invocation.paths.branch ?? "", exchange: settings.repository ?? exchange.path,
      refPrefix: entry.refPrefix, agent: invocation.spec, prompt: invocation.prompt,
      coordinatorWorkspace: invocation.workspace, timeoutSeconds: invocation.timeout, sandbox: sandbox,
      sandboxSettings: sandboxSettings, authorName: identity?.name ?? "git-kitty",
      authorEmail: identity?.email ?? "git-kitty@localhost")
    var described = description
    described.script = invocation.script
    described.feedback = invocation.feedback
    described.resumeSession = invocation.resumeSession
    await exchange.forget(prefix: entry.refPrefix)
    do {
      try await exchange.register(prefix: entry.refPrefix, base: described.base)
    } catch {
      throw SlurmCommands.Failure(message: "the job exchange refused to register \(entry.refPrefix): \(error)")
    }
    ledger.keep(described)
    let script = Self.batchScript(described, gitKitty: settings.gitKitty ?? Self.ownExecutable())
    let id = try await slurm.submit(script: script, arguments: sbatchArguments(name: entry.name))
    entry.job = id
    ledger.write(entry)
    log.append("=== submitted as Slurm job \(id) (\(entry.name)) ===\n")
    return entry
  }

  public func sbatchArguments(name: String) -> [String] {
    var args = [
      "--job-name=\(name)", "--chdir=\(settings.workDirectory)",
      "--output=\(settings.workDirectory)/git-kitty-%j.out", "--cpus-per-task=\(settings.cpusPerJob)",
      // A lost node is a failed attempt that git-kitty retries itself: Slurm must not rerun the job behind its back.
      "--no-requeue",
    ]
    if let partition = settings.partition { args.append("--partition=\(partition)") }
    if let time = settings.timeLimit { args.append("--time=\(time)") }
    return args + settings.sbatchArgs
  }

  /// The batch script: the description travels inside it, so a node needs nothing of the coordinator's files.
  public static func batchScript(_ job: JobDescription, gitKitty: String) -> String {
    let json = String(decoding: job.encoded(), as: UTF8.self)  // one line: the terminator cannot occur in it
    return """
      #!/bin/sh
      # git-kitty job \(job.jobName): \(job.role.rawValue) of \(job.wp) (\(job.mission)), see docs/cluster.md
      exec \(shellQuote(gitKitty)) job run - <<'KITTY_JOB_EOF'
      \(json)
      KITTY_JOB_EOF

      """
  }

  static func shellQuote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

  static func ownExecutable() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
  }

  /// Waits (at most 15 s) until the queue no longer runs the job.
  func waitGone(_ job: String, name: String) async {
    for _ in 0..<60 {
      guard let jobs = try? await slurm.jobs(named: [name]),
        jobs.contains(where: { $0.id == job && !$0.isFinished })
      else { return }
      try? await Task.sleep(for: .milliseconds(250))
    }
  }

  // MARK: results

  /// A job that ended without sending a result: a failed attempt, named by what Slurm says of it.
  func noResult(
    job: String, status: SlurmCommands.JobStatus?, node: String?, log: TranscriptFile, begin: Date
  ) async -> AgentOutcome {
    let details = await slurm.details(job)
    let state = status?.state ?? details?["JobState"] ?? "gone from the queue"
    let place = node ?? status?.node ?? details?["NodeList"]
    let output = "\(settings.workDirectory)/git-kitty-\(job).out"
    var message: String
    var failure = AgentFailure.crashed
    switch state {
    case "NODE_FAIL": message = "Slurm job \(job) lost its node \(place ?? "?") (NODE_FAIL)"
    case "TIMEOUT":
      message = "Slurm job \(job) hit its time limit"
      failure = .timeout
    case "CANCELLED": message = "Slurm job \(job) was cancelled outside git-kitty"
    default:
      message =
        "Slurm job \(job) ended \(state)\(details?["ExitCode"].map { " (exit \($0))" } ?? "") without a result; "
        + "its output is \(output)\(place.map { " on \($0)" } ?? "")"
    }
    if let tail = try? String(contentsOfFile: output, encoding: .utf8), !tail.isEmpty {
      log.append("=== the job's output (\(output)) ===\n" + String(tail.suffix(4000)) + "\n")
      if let last = tail.split(separator: "\n").last(where: { !$0.isEmpty }) { message += ": \(last)" }
    }
    log.append("=== \(message) ===\n")
    return AgentOutcome(status: nil, failure: failure, errorLine: message, seconds: Date().timeIntervalSince(begin))
  }

  /// Fetches the result, takes the work only as a fast-forward of the base, and moves the lane.
  func accept(
    _ invocation: AgentInvocation, entry: JobLedger.Entry, exchange: JobExchange, log: TranscriptFile, begin: Date
  ) async -> AgentOutcome {
    let collected: JobExchange.Collected
    do {
      collected = try await exchange.collect(prefix: entry.refPrefix)
    } catch {
      log.append("=== \(error) ===\n")
      return AgentOutcome(status: nil, failure: .crashed, errorLine: error.description, seconds: 0)
    }
    if let text = collected.log { log.append(String(decoding: text, as: UTF8.self)) }
    if let raw = collected.rawLog {
      TranscriptFile(path: invocation.rawFile).append(String(decoding: raw, as: UTF8.self))
    }
    var outcome = collected.result.outcome
    let result = collected.result
    let ranOn = "ran on \(result.node) in \(result.directory) as Slurm job \(result.schedulerJob ?? entry.job ?? "?")"
    outcome.notes.insert(ranOn, at: 0)
    log.append("=== \(ranOn) ===\n")
    let refused = exchange.refusals(since: entry.refusalOffset).lines
    for line in refused {
      outcome.notes.append("the job exchange refused a push while this job ran: \(line)")
    }
    if entry.role.commandRole == .implementation, let work = collected.work {
      if let problem = await fastForward(invocation.workspace, base: entry.base, work: work, prefix: entry.refPrefix) {
        outcome.failure = outcome.failure ?? .crashed
        outcome.errorLine = problem
        outcome.notes.append(problem)
        log.append("=== \(problem) ===\n")
      } else {
        log.append("=== the lane moved to the job's work \(work.prefix(10)) ===\n")
      }
    } else if entry.role.commandRole == .review, collected.work != nil {
      outcome.notes.append("the reviewer's job sent commits; they are not taken (a reviewer cannot change the lane)")
    }
    return outcome
  }

  /// Moves the lane branch (and its worktree) to `work`, only as a fast-forward of the job's base and only while the
  /// lane is still at that base. nil when done, else why not (nothing was changed).
  func fastForward(_ workspace: String, base: String, work: String, prefix: String) async -> String? {
    guard let repo = try? Repository.open(at: workspace), let head = try? repo.headCommitID() else {
      return "the lane worktree \(workspace) cannot be read; the job's work stays at \(prefix)/work"
    }
    guard head.description == base else {
      return "the lane moved while the job ran (\(head.description.prefix(10)) is not the base "
        + "\(base.prefix(10))); the job's work stays at \(prefix)/work"
    }
    guard let workID = try? repo.resolve(work), let baseID = try? repo.resolve(base),
      let counts = try? repo.aheadBehind(workID, baseID), counts.behind == 0
    else {
      return "refused the job's result: \(work.prefix(10)) is not a fast-forward of the base \(base.prefix(10)); "
        + "it stays at \(prefix)/work"
    }
    do {
      try await GitCommand(scratch: scratch).run(["merge", "--ff-only", "-q", work], in: workspace)
    } catch {
      return "the lane could not be fast-forwarded to the job's work: \(error); it stays at \(prefix)/work"
    }
    return nil
  }
}

/// Appends to a run's log file (the local executor's transcript lives in KittyExecutors; a job's comes back whole).
struct TranscriptFile: Sendable {
  let path: String

  func append(_ text: String) { FileAppend.append(text, to: path) }
}

extension Optional {
  func asyncMap<T>(_ transform: (Wrapped) async -> T) async -> T? {
    guard let value = self else { return nil }
    return await transform(value)
  }
}
