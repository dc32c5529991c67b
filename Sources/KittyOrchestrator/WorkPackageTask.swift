import Foundation
import KittyCore
import KittyGit
import KittyHost
import KittyWorkspaces

/// One WP's way through implementation, review and rework, on its own thread.
struct WorkPackageTask {
  enum Outcome {
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

  func emit(_ message: String, _ kind: String = "wp") {
    orchestrator.emit(ProgressEvent(kind, wp: wp, message))
  }

  func run(startingWith phase: Orchestrator.Phase) -> Outcome {
    guard let context = workContext() else { return .setAside("its WP file could not be read") }
    var resumed = phase == .review
    if phase == .implement {
      let claim = orchestrator.call([
        "start-implementation", "--mission", slug, "--wp", wp, "--actor", actor, "--policy", orchestrator.policy,
      ])
      guard claim.success else {
        let reason = "start-implementation failed (\(claim.errorCode ?? "no envelope")): \(claim.message)"
        emit(reason, "claim-failed")
        orchestrator.update(wp) { $0.lastError = reason }
        return .claimFailed(reason)
      }
      resumed = claim.data["no_op"]?.boolValue == true
      let head = Git.head(claim.data["workspace_path"]?.stringValue ?? "")
      orchestrator.update(wp) {
        if !resumed || $0.claimHead == nil { $0.claimHead = head }
        $0.phase = "implementing"
        $0.startedAt = $0.startedAt ?? Timestamp.isoNow()
        $0.lastError = nil
      }
      emit("claimed; worktree \(claim.data["workspace_path"]?.stringValue ?? "?")")
      for message in WorktreeInclude.apply(root: options.root, worktree: context.workspace).messages { emit(message) }
      if let failed = setUpWorktree(context) { return failed }
      switch implement(context, role: .implementation, feedback: nil, cycle: 0, resumed: resumed) {
      case .success: break
      case .failure(let outcome): return outcome
      }
    }
    return reviewLoop(context, startCycle: (orchestrator.stateSnapshot.wps[wp]?.cycle ?? 0) + 1)
  }

  // MARK: context

  struct Context {
    var prompt: Prompts.Context
    var body: String
    var workspace: String
    var branch: String
    var base: String
  }

  func workContext() -> Context? {
    let resolved = orchestrator.call(["resolve-workspace", "--mission", slug, "--wp", wp])
    guard resolved.success, let promptPath = resolved.data["prompt_path"]?.stringValue,
      let workspace = resolved.data["workspace_path"]?.stringValue,
      let text = try? String(contentsOfFile: promptPath, encoding: .utf8)
    else { return nil }
    let wpFile = try? WorkPackage.parse(text: text, path: promptPath)
    let branch = resolved.data["lane_branch"]?.stringValue ?? "HEAD"
    let base = resolved.data["lane_base_ref"]?.stringValue ?? "HEAD"
    return Context(
      prompt: .init(
        missionSlug: slug, wpID: wp, wpText: text, workspace: workspace, branch: branch, baseRef: base,
        subtasks: wpFile?.subtasks ?? []),
      body: wpFile?.body ?? text, workspace: workspace, branch: branch, base: base)
  }

  // MARK: implementation

  enum Step {
    case success
    case failure(Outcome)
  }

  /// Runs implementers (with retries and fallback) until one leaves a new commit, then hands over to review.
  func implement(_ c: Context, role: AgentRole, feedback: String?, cycle: Int, resumed: Bool) -> Step {
    let agents = options.implementationAgents
    var lastError = "no implementation agent configured"
    for (index, agentID) in agents.enumerated() {
      let spec: AgentSpec
      do {
        spec = try AgentCatalog.spec(agentID, config: options.config)
      } catch {
        lastError = error.description
        continue
      }
      if index > 0 { emit("falling back to \(agentID)") }
      var retry = 0
      while true {
        if orchestrator.isStopping { return .failure(.stopped) }
        let before = Git.head(c.workspace)
        let outcome = runAgent(spec, role: role, context: c, feedback: feedback, cycle: cycle, verdictFile: nil)
        // Killed by a stop (abort, Ctrl-C): not a failed attempt; the WP keeps its lane for resume.
        if orchestrator.isStopping { return .failure(.stopped) }
        if outcome.failure == nil {
          let leftovers = Git.commitLeftovers(c.workspace, message: "feat(\(wp)): implementation by \(agentID)")
          let after = Git.head(c.workspace)
          // A resumed implementer's earlier commits count only if they were made after the claim (the lane may
          // carry a dependency's or an earlier WP's commits beyond the base).
          let claimHead = orchestrator.stateSnapshot.wps[wp]?.claimHead
          let hasWork = claimHead.map { $0 != after && Git.commitsBeyond(c.workspace, base: $0) > 0 } ?? false
          if after != before || (resumed && hasWork && role == .implementation) {
            return handOff(c)
          }
          lastError = "\(agentID) exited 0 but made no commit" + (leftovers.map { " (\($0))" } ?? "")
        } else {
          lastError = "\(agentID) \(outcome.message ?? "failed")"
        }
        emit("implementation attempt failed: \(lastError)")
        orchestrator.update(wp) { $0.lastError = lastError }
        if outcome.failure == .auth || outcome.failure == .spawn { break }
        retry += 1
        if retry > options.config.maxRetries { break }
        orchestrator.update(wp) { $0.retries += 1 }
        backoff(retry, rateLimited: outcome.failure == .rateLimit)
      }
    }
    return .failure(block("all implementation agents failed: \(lastError)"))
  }

  /// in_progress → for_review, never forced: the host's commit gate and subtask guard must pass.
  func handOff(_ c: Context) -> Step {
    let result = orchestrator.call([
      "transition", "--mission", slug, "--wp", wp, "--to", "for_review", "--actor", actor, "--policy",
      orchestrator.policy, "--note", "implementation complete", "--subtasks-complete",
    ])
    if !result.success {
      if result.message.contains("Illegal transition: for_review") || result.message.contains("in_review -> for_review")
      {
        return .success
      }
      return .failure(block("for_review was refused: \(result.message)"))
    }
    emit("ready for review")
    return .success
  }

  // MARK: review

  func reviewLoop(_ c: Context, startCycle: Int) -> Outcome {
    var cycle = startCycle
    while true {
      if orchestrator.isStopping { return .stopped }
      orchestrator.update(wp) {
        $0.phase = "reviewing"
        $0.cycle = cycle
      }
      let start = orchestrator.call([
        "start-review", "--mission", slug, "--wp", wp, "--actor", actor, "--policy", orchestrator.policy,
      ])
      guard start.success else { return .setAside("start-review failed: \(start.message)") }
      // Pin exactly what the reviewer sees.
      var reference = "review://\(wp)/cycle-\(cycle)"
      if let repoContext = try? RepositoryContext.locate(from: options.root),
        let entry = try? ReviewBranches(context: repoContext).create(slug: slug, wpID: wp, commit: c.branch)
      {
        reference = entry.branch
      }
      guard let verdict = review(c, cycle: cycle) else {
        if orchestrator.isStopping { return .stopped }
        return .setAside("no reviewer produced a verdict (it stays in_review; resume reruns the review)")
      }
      if verdict.approved {
        let result = orchestrator.call([
          "transition", "--mission", slug, "--wp", wp, "--to", "approved", "--actor", actor, "--policy",
          orchestrator.policy, "--review-result-json",
          JSONWriter.pythonDefault.string([
            "reviewer": .string(orchestrator.stateSnapshot.wps[wp]?.agent ?? "reviewer"), "verdict": "approved",
            "reference": .string(reference),
          ]),
        ])
        guard result.success else { return .setAside("approval was refused: \(result.message)") }
        orchestrator.update(wp) {
          $0.phase = "done"
          $0.pid = nil
        }
        emit("approved (review \(reference))", "approved")
        return .approved
      }
      let feedbackPath = writeFeedback(verdict.feedback, cycle: cycle)
      var review: JSONObject = [
        "reviewer": .string(orchestrator.stateSnapshot.wps[wp]?.agent ?? "reviewer"), "verdict": "changes_requested",
        "reference": .string(reference),
      ]
      if let feedbackPath { review["feedback_path"] = .string(feedbackPath) }
      let reject = orchestrator.call([
        "transition", "--mission", slug, "--wp", wp, "--to", "in_progress", "--actor", actor, "--policy",
        orchestrator.policy, "--review-result-json", JSONWriter.pythonDefault.string(.object(review)), "--note",
        String(verdict.feedback.prefix(500)),
      ])
      guard reject.success else { return .setAside("the rejection was refused: \(reject.message)") }
      orchestrator.update(wp) { $0.feedback = String(verdict.feedback.prefix(2000)) }
      emit("changes requested (cycle \(cycle)): \(verdict.feedback.prefix(120))", "rejected")
      if cycle >= options.config.maxReviewCycles {
        return block(
          "review cycle limit (\(options.config.maxReviewCycles)) reached; last feedback: \(verdict.feedback.prefix(300))"
        )
      }
      orchestrator.update(wp) { $0.phase = "reworking" }
      switch implement(c, role: .rework, feedback: verdict.feedback, cycle: cycle, resumed: false) {
      case .success: break
      case .failure(let outcome): return outcome
      }
      cycle += 1
    }
  }

  /// Runs reviewers (retries, then fallback) until one reports a verdict; nil when none could.
  func review(_ c: Context, cycle: Int) -> Verdict? {
    for agentID in options.reviewAgents {
      guard let spec = try? AgentCatalog.spec(agentID, config: options.config) else { continue }
      var retry = 0
      while !orchestrator.isStopping {
        let verdictFile =
          "\(NSTemporaryDirectory())kitty-verdicts/\(orchestrator.stateSnapshot.runID)/\(wp)-\(cycle)-\(retry).json"
        let headBefore = Git.head(c.workspace)
        let outcome = runAgent(spec, role: .review, context: c, feedback: nil, cycle: cycle, verdictFile: verdictFile)
        if orchestrator.isStopping { return nil }  // killed by the stop: no verdict, the review reruns on resume
        let log = orchestrator.stateSnapshot.wps[wp]?.log ?? ""
        if Git.head(c.workspace) != headBefore {
          emit("the reviewer moved the branch; its commits stay for the next review")
        }
        if outcome.failure == nil || outcome.failure == .crashed,
          let verdict = Verdict.read(verdictFile: verdictFile, logFile: log)
        {
          return verdict
        }
        if spec.isScript, outcome.failure == .crashed {
          // The script agent's review block: non-zero exit is a rejection with its output as feedback.
          return Verdict(
            approved: false,
            feedback: LogTail.read(log, bytes: 2000).split(separator: "\n")
              .filter { !$0.hasPrefix("=== ") }.joined(separator: "\n"))
        }
        if spec.isScript, outcome.failure == nil { return Verdict(approved: true, feedback: "") }
        let why = outcome.failure == nil ? "no verdict" : (outcome.message ?? "failed")
        emit("review attempt failed (\(agentID): \(why)); that is not a rejection")
        orchestrator.update(wp) { $0.lastError = "reviewer \(agentID): \(why)" }
        if outcome.failure == .auth || outcome.failure == .spawn { break }
        retry += 1
        if retry > options.config.maxRetries { break }
        backoff(retry, rateLimited: outcome.failure == .rateLimit)
      }
    }
    return nil
  }

  // MARK: worktree setup

  /// `[worktree] setup` of orchestrator.toml, once per worktree and command: a note in the worktree's git
  /// directory records the command that succeeded there. A failure sets the WP aside (it keeps its claim; resume
  /// runs the setup again).
  func setUpWorktree(_ c: Context) -> Outcome? {
    guard let setup = WorktreeSetup(config: options.config, root: options.root, missionSlug: slug, wpID: wp),
      !setup.isDone(in: c.workspace)
    else { return nil }
    emit("worktree setup: \(setup.command) (log \(setup.shownLog))")
    let started = Date()
    let failure = setup.run(in: c.workspace, runner: runTracked)
    if orchestrator.isStopping { return .stopped }
    if let failure {
      emit(failure, "setup-failed")
      orchestrator.update(wp) { $0.lastError = failure }
      return .setAside(failure)
    }
    emit("worktree setup done (\(Int(Date().timeIntervalSince(started).rounded())) s)")
    return nil
  }

  // MARK: helpers

  func runAgent(
    _ spec: AgentSpec, role: AgentRole, context c: Context, feedback: String?, cycle: Int, verdictFile: String?
  ) -> AgentOutcome {
    orchestrator.update(wp) {
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
    case .rework: prompt = Prompts.rework(c.prompt, feedback: feedback ?? "", cycle: cycle)
    case .review:
      prompt = Prompts.review(
        c.prompt, diff: Git.diff(c.workspace, base: c.base), verdictFile: verdictFile ?? "", cycle: cycle)
    }
    let script =
      spec.isScript
      ? Prompts.scriptBlock(c.body, name: role == .review ? "kitty-review" : "kitty-implement")
        ?? (role == .review ? "exit 0" : "echo 'this WP has no sh kitty-implement block' >&2; exit 1") : nil
    orchestrator.update(wp) {
      $0.log = log
      $0.startedAt = $0.startedAt ?? Timestamp.isoNow()
    }
    let timeout = spec.timeoutSeconds ?? options.config.timeoutSeconds
    emit("\(role.rawValue) by \(spec.id), attempt \(roleAttempt) (log \(log.dropFirst(options.root.count + 1)))")
    let invocation = AgentInvocation(
      spec: spec, role: role, wpID: wp, missionSlug: slug, attempt: roleAttempt, cycle: cycle, workspace: c.workspace,
      prompt: prompt, promptFile: "\(logDir)/\(role.rawValue)-\(roleAttempt).prompt.md", logFile: log,
      verdictFile: verdictFile, timeout: timeout, script: script, feedback: feedback)
    return runTracked(invocation)
  }

  /// Runs an agent (or the setup) with its pid recorded while it lives: a stop kills its group, and a resume after
  /// a crash finds it.
  func runTracked(_ invocation: AgentInvocation) -> AgentOutcome {
    let outcome = AgentRunner.run(invocation) { pid in
      orchestrator.register(wp, pid: pid)
      let start = ProcessGroups.startTime(pid)
      orchestrator.update(wp) {
        $0.pid = pid
        $0.pidStart = start
      }
    }
    orchestrator.register(wp, pid: nil)
    orchestrator.update(wp) { $0.pid = nil }
    return outcome
  }

  /// Exponential backoff with jitter; rate limits wait longer.
  func backoff(_ retry: Int, rateLimited: Bool) {
    let base = options.backoffBase * (rateLimited ? 5 : 1)
    let delay = min(base * pow(2, Double(retry - 1)), 300) * Double.random(in: 0.8...1.2)
    var waited = 0.0
    while waited < delay && !orchestrator.isStopping {
      usleep(100_000)
      waited += 0.1
    }
  }

  /// Moves the WP to blocked with the reason as the note (never forced), and reports it.
  func block(_ reason: String) -> Outcome {
    let result = orchestrator.call([
      "transition", "--mission", slug, "--wp", wp, "--to", "blocked", "--actor", actor, "--note",
      String(reason.prefix(1000)),
    ])
    orchestrator.update(wp) {
      $0.phase = result.success ? "blocked" : "failed"
      $0.lastError = reason
    }
    emit("blocked: \(reason)", "blocked")
    return result.success ? .blocked : .setAside(reason)
  }

  /// Keeps the reviewer's feedback next to the logs; returns its path relative to the repository.
  func writeFeedback(_ feedback: String, cycle: Int) -> String? {
    let relative = ".kittify/logs/\(slug)/\(wp)/review-\(cycle)-feedback.md"
    let path = "\(options.root)/\(relative)"
    try? FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    guard (try? feedback.write(toFile: path, atomically: true, encoding: .utf8)) != nil else { return nil }
    return relative
  }
}

extension Orchestrator {
  var stateSnapshot: RunState {
    lockedState()
  }
}

/// Small git operations in a worktree through the git binary (hooks and all, as a person's commit would be).
enum Git {
  static func run(_ args: [String], in directory: String) -> ChildProcess.Captured {
    ChildProcess.runCapturing(
      ["git"] + args, directory: directory, environment: ChildProcess.scrubbedEnvironment(), timeout: 120)
  }

  static func head(_ workspace: String) -> String? {
    let result = run(["rev-parse", "HEAD"], in: workspace)
    return result.status == 0 ? result.stdout.trimmingWhitespace : nil
  }

  static func commitsBeyond(_ workspace: String, base: String) -> Int {
    Int(run(["rev-list", "--count", "\(base)..HEAD"], in: workspace).stdout.trimmingWhitespace) ?? 0
  }

  /// Commits whatever the agent left uncommitted (tracked and untracked, honouring .gitignore).
  /// Commits what the agent left uncommitted; nil when that worked or there was nothing, else git's complaint.
  @discardableResult
  static func commitLeftovers(_ workspace: String, message: String) -> String? {
    let status = run(["status", "--porcelain"], in: workspace)
    guard status.status == 0 else { return "git status: \(status.stderr.trimmingWhitespace)" }
    guard !status.stdout.trimmingWhitespace.isEmpty else { return nil }
    for args in [["add", "-A"], ["-c", "commit.gpgsign=false", "commit", "-q", "-m", message]] {
      let result = run(args, in: workspace)
      if result.status != 0 {
        return "git \(args[0] == "-c" ? "commit" : args[0]): "
          + (result.stderr.trimmingWhitespace.split(separator: "\n").last.map(String.init) ?? "exit \(result.status)")
      }
    }
    return nil
  }

  static func diff(_ workspace: String, base: String) -> String {
    let result = run(["diff", "--stat", "--patch", "\(base)...HEAD"], in: workspace)
    let text = result.stdout
    return text.count > 200_000 ? String(text.prefix(200_000)) + "\n… (diff truncated)" : text
  }
}
