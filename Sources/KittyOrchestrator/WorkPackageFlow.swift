import Foundation
import KittyBasics
import KittyCore
import KittyExecutors
import KittyGit
import KittyHost
import KittyWorkspaces
import Synchronization

/// One WP's way through implementation, review and rework: a task of the orchestrator's group. It reads and
/// writes run state only through the orchestrator actor and lanes only through the host.
struct WorkPackageFlow: Sendable {
  enum Outcome: Sendable {
    case approved, blocked
    case setAside(String)
    case claimFailed(String)
    case stopped
  }

  let orchestrator: Orchestrator
  let wp: String
  var options: OrchestrateOptions { orchestrator.options }
  var slug: String { orchestrator.slug }
  var actor: String { options.actor }
  var host: any MissionHost { orchestrator.host }
  /// Where this run's short commands put their output files (removed with the run's directory).
  var scratch: String { orchestrator.scratchDirectory + "/tmp" }

  func emit(_ message: String, _ kind: String = "wp", fields: JSONObject = [:]) async {
    await orchestrator.emit(ProgressEvent(kind, wp: wp, message, fields: fields))
  }

  func update(_ change: @Sendable (inout WPRunState) -> Void) async {
    await orchestrator.update(wp, change)
  }

  var stopped: Bool {
    get async {
      if Task.isCancelled { return true }
      return await orchestrator.isStopping
    }
  }

  func run(startingWith phase: Orchestrator.Phase) async -> Outcome {
    guard let context = await workContext() else { return .setAside("its WP file could not be read") }
    if phase == .implement {
      let claim: HostWorkspace
      do throws(HostError) {
        claim = try await host.startImplementation(mission: slug, wp: wp, actor: actor, policy: orchestrator.policy)
      } catch {
        let reason = "start-implementation failed (\(error.code?.rawValue ?? "no envelope")): \(error.message)"
        await emit(reason, "claim-failed")
        await update { $0.lastError = reason }
        return .claimFailed(reason)
      }
      let resumed = claim.noOp
      let head = WorkspaceGit.head(claim.workspacePath)
      await update {
        if !resumed || $0.claimHead == nil { $0.claimHead = head }
        $0.phase = .implementing
        $0.startedAt = $0.startedAt ?? Timestamp.isoNow()
        $0.lastError = nil
      }
      await emit("claimed; worktree \(claim.workspacePath)")
      if let failed = await prepareWorktree(context) { return failed }
      // A resumed WP whose implementer already committed (the orchestrator died before the hand-off) goes
      // straight to review instead of asking an agent for work that is done.
      if resumed, let claimHead = await orchestrator.wpState(wp)?.claimHead,
        WorkspaceGit.head(context.workspace) != claimHead,
        WorkspaceGit.commitsBeyond(context.workspace, base: claimHead) > 0
      {
        await emit("work committed since the claim: handing it to review")
        if case .failure(let outcome) = await handOff(context) { return outcome }
      } else {
        switch await implement(context, role: .implementation, feedback: nil, cycle: 0) {
        case .success: break
        case .failure(let outcome): return outcome
        }
      }
    }
    return await reviewLoop(context, startCycle: ((await orchestrator.wpState(wp))?.cycle ?? 0) + 1)
  }

  // MARK: context

  struct Context: Sendable {
    var prompt: Prompts.Context
    var body: String
    var workspace: String
    var branch: String
    var base: String
    var subtasks: [String]
  }

  func workContext() async -> Context? {
    guard let resolved = try? await host.resolveWorkspace(mission: slug, wp: wp),
      let promptPath = resolved.promptPath, let text = try? String(contentsOfFile: promptPath, encoding: .utf8)
    else { return nil }
    let wpFile = try? WorkPackage.parse(text: text, path: promptPath)
    let branch = resolved.laneBranch ?? "HEAD"
    let base = resolved.laneBaseRef ?? "HEAD"
    return Context(
      prompt: .init(
        missionSlug: slug, wpID: wp, wpText: text, workspace: resolved.workspacePath, branch: branch, baseRef: base,
        subtasks: wpFile?.subtasks ?? []),
      body: wpFile?.body ?? text, workspace: resolved.workspacePath, branch: branch, base: base,
      subtasks: wpFile?.subtasks ?? [])
  }

  // MARK: implementation

  enum Step: Sendable {
    case success
    case failure(Outcome)
  }

  /// Runs implementers (with retries and fallback) until one leaves a new commit, then hands over to review.
  func implement(_ c: Context, role: AgentRole, feedback: String?, cycle: Int) async -> Step {
    var lastError = "no implementation agent configured"
    for (index, agentID) in options.implementationAgents.enumerated() {
      let spec: AgentSpec
      do {
        spec = try options.spec(agentID)
      } catch {
        lastError = error.description
        continue
      }
      if index > 0 { await emit("falling back to \(agentID)") }
      var retry = 0
      while true {
        if await stopped { return .failure(.stopped) }
        guard await orchestrator.budgetAllowsRun() else {
          return .failure(.setAside("the cost budget is spent before its \(role.rawValue) (it keeps its lane; resume)"))
        }
        let before = WorkspaceGit.head(c.workspace)
        // Rework continues the implementer's own session where the CLI can (and is not told not to).
        let state = await orchestrator.wpState(wp)
        let session =
          role == .rework && state?.sessionAgent == spec.id && spec.resumeArgs != nil ? state?.session : nil
        let outcome = await runAgent(
          spec, role: role, context: c, feedback: feedback, cycle: cycle, verdictFile: nil, resumeSession: session)
        let stopNow = await stopped
        if outcome.failure == .stopped || stopNow { return .failure(.stopped) }
        if outcome.failure == nil {
          if WorkspaceGit.head(c.workspace) != before {
            if WorkspaceGit.isDirty(c.workspace) {
              await emit("\(agentID) committed but left uncommitted changes; they are not part of the review")
            }
            return await handOff(c)
          }
          // The agent did its work but did not commit it: commit for it, and say so (every normal run commits).
          let leftovers = await WorkspaceGit.commitLeftovers(
            c.workspace, message: "feat(\(wp)): implementation by \(agentID)", scratch: scratch)
          if WorkspaceGit.head(c.workspace) != before {
            await emit("\(agentID) made no commit; git-kitty committed what it left in the worktree", "leftovers")
            return await handOff(c)
          }
          lastError = "\(agentID) exited 0 but made no commit" + (leftovers.map { " (\($0))" } ?? "")
        } else {
          lastError = "\(agentID) \(outcome.message)"
        }
        await emit(
          "implementation attempt failed: \(lastError)", "attempt-failed",
          fields: ["failure": .optional(outcome.failure?.rawValue), "error": .optional(outcome.errorLine)])
        let failureLine = lastError
        await update { $0.lastError = failureLine }
        if outcome.failure == .auth || outcome.failure == .spawn { break }
        retry += 1
        if retry > options.config.maxRetries { break }
        await update { $0.retries += 1 }
        await backoff(retry, rateLimited: outcome.failure == .rateLimit)
      }
    }
    return .failure(await block("all implementation agents failed: \(lastError)"))
  }

  /// in_progress → for_review, never forced: the host's commit gate must pass. The orchestrator records the
  /// subtasks itself, the way the host reads them (agents are not asked to run git-kitty or spec-kitty).
  func handOff(_ c: Context) async -> Step {
    do throws(HostError) {
      try await host.markSubtasksDone(mission: slug, wp: wp, subtasks: c.subtasks)
    } catch {
      return .failure(await block("its subtasks could not be recorded as done: \(error.message)"))
    }
    var request = HostTransition(mission: slug, wp: wp, to: .forReview, actor: actor)
    request.policy = orchestrator.policy
    request.note = "implementation complete"
    request.subtasksComplete = true
    do throws(HostError) {
      try await host.transition(request)
    } catch {
      // A hook (or a person) may have moved it already: what counts is the lane it is in now.
      if let lane = try? await host.missionState(mission: slug).lane(of: wp), lane == .forReview || lane == .inReview {
        return .success
      }
      return .failure(await block("for_review was refused: \(error.message)"))
    }
    await emit("ready for review")
    return .success
  }

  // MARK: review

  func reviewLoop(_ c: Context, startCycle: Int) async -> Outcome {
    var cycle = startCycle
    while true {
      if await stopped { return .stopped }
      guard await orchestrator.budgetAllowsRun() else {
        return .setAside("the cost budget is spent before its review (it stays for_review; raise the budget, resume)")
      }
      let thisCycle = cycle
      await update {
        $0.phase = .reviewing
        $0.cycle = thisCycle
      }
      // start-review pins exactly what the reviewer sees: only this commit can be approved and merged.
      let pin: HostReviewPin?
      do throws(HostError) {
        pin = try await host.startReview(
          mission: slug, wp: wp, actor: actor, policy: orchestrator.policy, reviewRef: nil)
      } catch {
        return .setAside("start-review failed: \(error.message)")
      }
      guard let pinned = pin?.commit ?? WorkspaceGit.head(c.workspace) else {
        return .setAside("its worktree has no HEAD")
      }
      let reference = pin?.branch ?? "review://\(wp)/cycle-\(cycle)"
      let reviewed = await review(c, cycle: cycle, pinned: pinned)
      let aside: WorkspaceGit.PutAside?
      do {
        aside = try await WorkspaceGit.restore(
          c.workspace, pinned: pinned, refPrefix: "refs/kitty/reviewer/\(slug)/\(wp)/\(cycle)", scratch: scratch)
      } catch {
        return .setAside("the reviewer changed the worktree and it could not be put back: \(error)")
      }
      if let aside {
        let summary = "the reviewer changed the lane; git-kitty put it back at \(pinned.prefix(10)): \(aside.summary)"
        await emit(summary, "reviewer-changes")
        await update { $0.reviewerChanges = aside.summary }
      }
      guard let verdict = reviewed else {
        if await stopped { return .stopped }
        return .setAside("no reviewer produced a verdict (it stays in_review; resume reruns the review)")
      }
      let reviewer = (await orchestrator.wpState(wp))?.agent ?? "reviewer"
      var result = HostReviewResult(
        reviewer: reviewer, verdict: verdict.approved ? .approved : .changesRequested, reference: reference)
      // The host keeps review_result's own fields only: what was reviewed and what was put aside go in the note.
      let reviewedNote =
        "reviewed commit \(pinned)"
        + (aside.map {
          "; the reviewer changed the lane and git-kitty put it back: "
            + $0.summary
        } ?? "")
      if verdict.approved {
        var request = HostTransition(mission: slug, wp: wp, to: .approved, actor: actor)
        request.policy = orchestrator.policy
        request.review = result
        request.note = reviewedNote
        do throws(HostError) {
          try await host.transition(request)
        } catch {
          return .setAside("approval was refused: \(error.message)")
        }
        await update {
          $0.phase = .done
          $0.pid = nil
        }
        await emit("approved (review \(reference))", "approved")
        return .approved
      }
      result.feedbackPath = writeFeedback(verdict.feedback, cycle: cycle)
      var reject = HostTransition(mission: slug, wp: wp, to: .inProgress, actor: actor)
      reject.policy = orchestrator.policy
      reject.review = result
      reject.note = String(verdict.feedback.prefix(500)) + "\n(\(reviewedNote))"
      do throws(HostError) {
        try await host.transition(reject)
      } catch {
        return .setAside("the rejection was refused: \(error.message)")
      }
      let feedback = String(verdict.feedback.prefix(2000))
      await update { $0.feedback = feedback }
      await emit("changes requested (cycle \(cycle)): \(verdict.feedback.prefix(120))", "rejected")
      if cycle >= options.config.maxReviewCycles {
        return await block(
          "review cycle limit (\(options.config.maxReviewCycles)) reached; last feedback: \(verdict.feedback.prefix(300))"
        )
      }
      await update { $0.phase = .reworking }
      switch await implement(c, role: .rework, feedback: verdict.feedback, cycle: cycle) {
      case .success: break
      case .failure(let outcome): return outcome
      }
      cycle += 1
    }
  }

  /// Runs reviewers (retries, then fallback) until one reports a verdict; nil when none could.
  func review(_ c: Context, cycle: Int, pinned: String) async -> Verdict? {
    for agentID in options.reviewAgents {
      guard let spec = try? options.spec(agentID) else { continue }
      var retry = 0
      while !(await stopped) {
        guard await orchestrator.budgetAllowsRun() else { return nil }
        let verdictFile = "\(orchestrator.scratchDirectory)/verdicts/\(wp)-\(cycle)-\(retry).json"
        let outcome = await runAgent(
          spec, role: .review, context: c, feedback: nil, cycle: cycle, verdictFile: verdictFile, resumeSession: nil)
        try? FileManager.default.removeItem(atPath: verdictFile)
        let stopNow = await stopped
        if outcome.failure == .stopped || stopNow { return nil }  // the review reruns on resume
        if outcome.failure == nil || outcome.failure == .crashed, let verdict = outcome.verdict {
          return verdict
        }
        if spec.isScript, outcome.failure == .crashed {
          // The script agent's review block: non-zero exit is a rejection with its output as feedback.
          let log = (await orchestrator.wpState(wp))?.log ?? ""
          return Verdict(
            approved: false,
            feedback: LogTail.read(log, bytes: 2000).split(separator: "\n")
              .filter { !$0.hasPrefix("=== ") }.joined(separator: "\n"))
        }
        if spec.isScript, outcome.failure == nil { return Verdict(approved: true, feedback: "") }
        let why = outcome.failure == nil ? "no verdict" : outcome.message
        await emit(
          "review attempt failed (\(agentID): \(why)); that is not a rejection", "attempt-failed",
          fields: ["failure": .optional(outcome.failure?.rawValue), "error": .optional(outcome.errorLine)])
        await update { $0.lastError = "reviewer \(agentID): \(why)" }
        if outcome.failure == .auth || outcome.failure == .spawn { break }
        retry += 1
        if retry > options.config.maxRetries { break }
        await backoff(retry, rateLimited: outcome.failure == .rateLimit)
      }
    }
    return nil
  }

  // MARK: worktree preparation

  /// `.worktreeinclude`, then `[worktree] setup` of orchestrator.toml once per worktree and command. A failed setup
  /// sets the WP aside (it keeps its claim; resume runs the setup again).
  func prepareWorktree(_ c: Context) async -> Outcome? {
    let preparation = options.config.preparation(root: options.root, missionSlug: slug, wpID: wp)
    let (slug, wp) = (self.slug, self.wp)
    let failure = await preparation.prepare(
      worktree: c.workspace,
      runSetup: { setup, worktree in
        await setup.run(in: worktree, missionSlug: slug, wpID: wp) { invocation in await self.runTracked(invocation) }
      },
      progress: { step in
        switch step {
        case .included(let outcome):
          for message in outcome.messages { await emit(message) }
        case .setupStarted(let command, let log):
          await emit("worktree setup: \(command) (log \(log))")
        case .setupFinished(let seconds):
          await emit("worktree setup done (\(seconds) s)")
        }
      })
    if await stopped { return .stopped }
    guard let failure else { return nil }
    await emit(failure, "setup-failed")
    await update { $0.lastError = failure }
    return .setAside(failure)
  }

  // MARK: helpers

  func runAgent(
    _ spec: AgentSpec, role: AgentRole, context c: Context, feedback: String?, cycle: Int, verdictFile: String?,
    resumeSession: String?
  ) async -> AgentOutcome {
    await update {
      $0.attempt += 1  // the WP's run count (status shows it); logs and messages number the runs of each role
      $0.agent = spec.id
      $0.role = role.rawValue
      if !$0.agentsTried.contains(spec.id) { $0.agentsTried.append(spec.id) }
    }
    let logDir = "\(options.root)/.kittify/logs/\(slug)/\(wp)"
    var roleAttempt = 1
    while FileManager.default.fileExists(atPath: "\(logDir)/\(role.rawValue)-\(roleAttempt).log") { roleAttempt += 1 }
    let log = "\(logDir)/\(role.rawValue)-\(roleAttempt).log"
    let prompt: String
    switch role {
    case .implementation, .setup: prompt = Prompts.implementation(c.prompt)
    case .rework:
      prompt =
        resumeSession != nil
        ? Prompts.reworkContinuation(c.prompt, feedback: feedback ?? "", cycle: cycle)
        : Prompts.rework(c.prompt, feedback: feedback ?? "", cycle: cycle)
    case .review:
      prompt = Prompts.review(
        c.prompt, diff: await WorkspaceGit.diff(c.workspace, base: c.base, scratch: scratch),
        verdictFile: verdictFile ?? "",
        cycle: cycle)
    }
    let script =
      spec.isScript
      ? Prompts.scriptBlock(c.body, name: role == .review ? "kitty-review" : "kitty-implement")
        ?? (role == .review ? "exit 0" : "echo 'this WP has no sh kitty-implement block' >&2; exit 1") : nil
    await update {
      $0.log = log
      $0.startedAt = $0.startedAt ?? Timestamp.isoNow()
    }
    let timeout = spec.timeoutSeconds ?? options.config.timeoutSeconds
    await emit(
      "\(role.rawValue) by \(spec.id), attempt \(roleAttempt)\(resumeSession != nil ? " (continuing its session)" : "")"
        + " (log \(log.dropFirst(options.root.count + 1)))")
    let dirs = WorkspaceGit.directories(c.workspace)
    let paths = AgentPaths(
      workspace: c.workspace, promptFile: "\(logDir)/\(role.rawValue)-\(roleAttempt).prompt.md",
      verdictFile: verdictFile, gitDir: dirs.gitDir, gitCommonDir: dirs.commonDir, branch: c.branch)
    WorkspaceGit.prepareWritableRoots(paths)
    let invocation = AgentInvocation(
      spec: spec, role: role, wpID: wp, missionSlug: slug, attempt: roleAttempt, cycle: cycle, paths: paths,
      prompt: prompt, logFile: log, timeout: timeout, script: script, feedback: feedback, resumeSession: resumeSession)
    let outcome = await runTracked(invocation)
    let report = outcome.report
    await orchestrator.record(report.usage, wp: wp)
    if role.commandRole == .implementation, let session = report.sessionID {
      await update {
        $0.session = session
        $0.sessionAgent = spec.id
      }
    }
    var fields: JSONObject = [
      "agent": .string(spec.id), "role": .string(role.rawValue), "seconds": .double(outcome.seconds),
    ]
    if let process = outcome.processSeconds { fields["process_seconds"] = .double(process) }
    if let usage = report.usage {
      fields["input_tokens"] = .int(usage.inputTokens)
      fields["output_tokens"] = .int(usage.outputTokens)
      if let cost = usage.costUSD { fields["cost_usd"] = .double(cost) }
    }
    if let session = report.sessionID { fields["session"] = .string(session) }
    if !report.refusedTools.isEmpty { fields["refused_tools"] = .strings(report.refusedTools) }
    if let failure = outcome.failure { fields["failure"] = .string(failure.rawValue) }
    if let error = outcome.errorLine { fields["error"] = .string(error) }
    await emit(
      "\(role.rawValue) by \(spec.id) ended: \(outcome.failure == nil ? "ok" : outcome.message)", "agent-run",
      fields: fields)
    return outcome
  }

  /// Runs an agent (or the setup) through the executor with its pid recorded while it lives: a stop kills its
  /// group, and a resume after a crash finds it.
  func runTracked(_ invocation: AgentInvocation) async -> AgentOutcome {
    let orchestrator = self.orchestrator
    let wp = self.wp
    var invocation = invocation
    invocation.runID = orchestrator.runID
    // The pid is recorded from a task of its own, which may run after the run ended: it must not record a pid
    // that is gone (status would show a dead agent, and a resume would signal its group id).
    let ended = RunEnded()
    let outcome = await orchestrator.executor.run(invocation) { handle in
      switch handle {
      case .process(let pid):
        let start = ProcessGroups.startTime(pid)
        Task {
          await orchestrator.update(wp) {
            guard !ended.isSet else { return }
            $0.pid = pid
            $0.pidStart = start
          }
        }
      case .job(let id, let node):
        Task {
          await orchestrator.update(wp) {
            $0.job = id
            $0.node = node
          }
          let place = node.map { "running on \($0)" } ?? "submitted"
          await orchestrator.emit(
            ProgressEvent("job", wp: wp, "job \(id) \(place)", fields: ["job": .string(id), "node": .optional(node)]))
        }
      }
    }
    await update {
      ended.set()
      $0.pid = nil
      $0.job = nil
    }
    for note in outcome.notes { await emit(note, "executor-note") }
    return outcome
  }

  /// Exponential backoff with jitter; rate limits wait longer. Cancellation (a stop) ends the wait.
  func backoff(_ retry: Int, rateLimited: Bool) async {
    let base = options.backoffBase * (rateLimited ? 5 : 1)
    let delay = min(base * pow(2, Double(retry - 1)), 300) * Double.random(in: 0.8...1.2)
    try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
  }

  /// Moves the WP to blocked with the reason as the note (never forced), and reports it.
  func block(_ reason: String) async -> Outcome {
    var request = HostTransition(mission: slug, wp: wp, to: .blocked, actor: actor)
    request.note = String(reason.prefix(1000))
    let moved = (try? await host.transition(request)) != nil
    await update {
      $0.phase = moved ? .blocked : .failed
      $0.lastError = reason
    }
    await emit("blocked: \(reason)", "blocked")
    return moved ? .blocked : .setAside(reason)
  }

  /// Keeps the reviewer's feedback next to the logs; returns its path relative to the repository.
  func writeFeedback(_ feedback: String, cycle: Int) -> String? {
    let relative = ".kittify/logs/\(slug)/\(wp)/review-\(cycle)-feedback.md"
    let path = "\(options.root)/\(relative)"
    try? FileManager.default.createDirectory(
      atPath: FilePaths.directory(of: path), withIntermediateDirectories: true)
    // Written in place, not synced: a copy for the logs (the host's event keeps the feedback).
    guard FileAppend.replace(path, with: feedback) else { return nil }
    return relative
  }
}

/// Set once a tracked run has ended; read by the task that records the run's pid.
private final class RunEnded: Sendable {
  private let value = Mutex(false)
  func set() { value.withLock { $0 = true } }
  var isSet: Bool { value.withLock { $0 } }
}
