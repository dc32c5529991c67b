import Foundation
import KittyBasics
import KittyCluster
import KittyCore
import KittyExecutors
import KittyGit
import KittyHost
import KittyWorkspaces

/// What `git kitty orchestrate` was asked to do.
public struct OrchestrateOptions: Sendable {
  public var root: String
  public var mission: String
  public var implementationAgents: [String]
  public var reviewAgents: [String]
  public var maxConcurrent: Int
  public var actor: String
  public var hostKind: HostKind
  public var merge = false
  public var target: String?
  public var strategy: String?
  /// With merge: land the approved lanes without asking the host to accept the mission first.
  public var skipAcceptance = false
  public var config: OrchestratorConfig
  /// Stop starting agent runs once this much was spent (USD, as the CLIs report it).
  public var maxCostUSD: Double?
  /// What happens to agents still running when the budget is spent: they finish their run, or they are stopped
  /// (their WPs keep their lanes for `resume`).
  public var onBudget: BudgetAction = .finish
  /// Seconds between retries grow from this base (exponential, with jitter).
  public var backoffBase: Double
  /// `--sandbox` (nil: `[sandbox] mode`, else bwrap when it works here).
  public var sandbox: SandboxMode?
  /// `--executor` (nil: `[executor] kind`).
  public var executor: ExecutorKind?
  public var executorKind: ExecutorKind { executor ?? config.executor }
  public var requestedSandbox: SandboxMode? { sandbox ?? config.sandbox.mode }

  public init(root: String, mission: String, config: OrchestratorConfig) {
    self.root = root
    self.mission = mission
    self.config = config
    implementationAgents = config.implementationAgents
    reviewAgents = config.singleAgentMode ? config.implementationAgents : config.reviewAgents
    maxConcurrent = config.maxConcurrentWPs
    actor = "git-kitty"
    hostKind = .native
    maxCostUSD = config.maxCostUSD
    backoffBase = config.retryBackoffSeconds
  }

  /// What the run state keeps of these options, for `resume`.
  public var saved: SavedRunOptions {
    SavedRunOptions(
      implementationAgents: implementationAgents, reviewAgents: reviewAgents, maxConcurrent: maxConcurrent,
      merge: merge, target: target, strategy: strategy, maxCostUSD: maxCostUSD, onBudget: onBudget,
      sandbox: sandbox, executor: executor, skipAcceptance: skipAcceptance)
  }

  func spec(_ id: String) throws(AgentCatalog.Failure) -> AgentSpec {
    try AgentCatalog.spec(id, settings: config.agentSettings[id])
  }
}

/// `--on-budget`: what a spent budget does to the agents still running.
public enum BudgetAction: String, Sendable, CaseIterable {
  case finish, stop
}

/// The final word of a run.
public struct RunResult: Sendable {
  public var state: RunState
  public var exitCode: Int32
  public var summary: String
}

/// Drives every WP of a mission through implementation and review, in parallel where the dependencies allow.
/// The actor owns the run state; each WP is a task in one task group; a WP finishing wakes the scheduler (no
/// polling); `stop` cancels the group, which tears down every agent's process group.
public actor Orchestrator {
  let options: OrchestrateOptions
  let host: any MissionHost
  let executor: any Executor
  let sink: ProgressSink
  let slug: String
  let policy: String
  private var state: RunState
  private var setAside: [String: String] = [:]
  private var claimFailures: [String: Int] = [:]
  private var stopping = false
  private var budgetReported = false
  /// The tips the last conflict prediction merged, and the conflicts already reported (each is reported once).
  private var conflictTips: ConflictPredictor.Tips?
  /// The pairs of commits merged so far: a prediction merges only pairs with a moved tip.
  private var conflictMemo = ConflictPredictor.Memo()
  private var reportedConflicts: Set<String> = []
  private var loop: Task<Void, Never>?
  nonisolated let runID: String

  public init(
    options: OrchestrateOptions, host: any MissionHost, executor: any Executor = LocalExecutor(), sink: ProgressSink,
    slug: String, resuming: RunState? = nil
  ) {
    self.options = options
    self.host = host
    self.executor = executor
    self.sink = sink
    self.slug = slug
    var fresh =
      resuming ?? RunState(mission: slug, host: host.kind.rawValue, actor: options.actor, options: options.saved)
    fresh.state = .running
    fresh.pid = getpid()
    self.state = fresh
    runID = fresh.runID
    let family = options.implementationAgents.first ?? "unknown"
    policy = JSONWriter.pythonDefault.string([
      "orchestrator_id": "git-kitty", "orchestrator_version": .string(GitKittyVersion.current),
      "agent_family": .string(family), "approval_mode": "full_auto", "sandbox_mode": "workspace_write",
      "network_mode": "inherited", "dangerous_flags": [],
    ])
  }

  // MARK: state

  func update(_ wp: String, _ change: (inout WPRunState) -> Void) {
    var entry = state.wps[wp] ?? WPRunState()
    change(&entry)
    entry.updatedAt = Timestamp.isoNow()
    state.wps[wp] = entry
    state.updatedAt = entry.updatedAt!
    state.save(root: options.root)
  }

  var snapshot: RunState { state }

  func wpState(_ wp: String) -> WPRunState? { state.wps[wp] }

  func emit(_ event: ProgressEvent) {
    sink.emit(event, state: state)
  }

  var isStopping: Bool { stopping }

  /// Adds what an agent run spent. With `--on-budget stop`, a spent budget stops the agents still running.
  func record(_ usage: AgentUsage?, wp: String) {
    guard let usage else { return }
    update(wp) { $0.usage = ($0.usage ?? AgentUsage()) + usage }
    if options.onBudget == .stop, !budgetAllowsRun(), !stopping {
      budgetStopped = true
      stop(reason: "the cost budget is spent (--on-budget stop)")
    }
  }

  private var budgetStopped = false

  /// Whether `--max-cost-usd` still allows starting an agent run.
  func budgetAllowsRun() -> Bool {
    guard let limit = options.maxCostUSD else { return true }
    let spent = state.usage.costUSD ?? 0
    if spent < limit { return true }
    if !budgetReported {
      budgetReported = true
      emit(
        ProgressEvent(
          "budget", String(format: "spent $%.4f of the $%.2f budget: no new agent runs start", spent, limit),
          fields: ["cost_usd": .double(spent), "max_cost_usd": .double(limit)]))
    }
    return false
  }

  /// Stops scheduling and cancels every WP task (their agents' process groups get SIGTERM, then SIGKILL).
  public func stop(reason: String) {
    guard !stopping else { return }
    stopping = true
    emit(ProgressEvent("stopping", "stopping: \(reason)"))
    loop?.cancel()
  }

  // MARK: the loop

  enum Phase: Sendable { case implement, review }

  public func run() async -> RunResult {
    RuntimeFiles.ignore(root: options.root)
    RuntimeFiles.sweepRunDirectories(root: options.root, keeping: runID)
    // What an earlier run killed mid-write left behind.
    AtomicFile.removeStaleTemporaries(in: "\(options.root)/.kittify")
    AtomicFile.removeStaleTemporaries(in: "\(options.root)/\(MissionPaths.specsDirectory)/\(slug)")
    state.save(root: options.root)
    emit(
      ProgressEvent(
        "start",
        "orchestrating \(slug) with \(options.implementationAgents.joined(separator: ","))"
          + " / \(options.reviewAgents.joined(separator: ",")), up to \(options.maxConcurrent) at once "
          + "(host: \(host.kind.rawValue), executor: \(executor.name))"))
    let task = Task { await self.schedule() }
    loop = task
    if stopping { task.cancel() }
    await task.value
    defer { removeRunScratch() }
    if let hostFailure { return finish(state: .failed, exitCode: 1, summary: "the host failed: \(hostFailure)") }
    return await wrapUp()
  }

  private var hostFailure: String?

  /// The scheduler: starts ready WPs up to the limit and waits for any of them to finish.
  private func schedule() async {
    await withTaskGroup(of: (String, WorkPackageFlow.Outcome).self) { group in
      var active: Set<String> = []
      func launch(_ wp: String, _ phase: Phase) {
        guard !active.contains(wp) else { return }
        active.insert(wp)
        let flow = WorkPackageFlow(orchestrator: self, wp: wp)
        group.addTask { (wp, await flow.run(startingWith: phase)) }
      }
      for (wp, phase) in await adoptable() { launch(wp, phase) }
      while !stopping && !Task.isCancelled {
        let free = options.maxConcurrent - active.count
        if free > 0 && budgetAllowsRun() {
          do throws(HostError) {
            let ready = try await host.listReady(mission: slug)
            if ready.contains(where: { !active.contains($0) && setAside[$0] == nil }) { predictConflicts() }
            var started = 0
            for wp in ready where !active.contains(wp) && setAside[wp] == nil && started < free {
              launch(wp, .implement)
              started += 1
            }
          } catch {
            emit(ProgressEvent("host-error", "list-ready failed: \(error.message)"))
            hostFailure = error.message
            break
          }
        }
        guard !active.isEmpty, let (wp, outcome) = await group.next() else { break }
        active.remove(wp)
        switch outcome {
        case .setAside(let reason): setAside[wp] = reason
        case .claimFailed(let reason):
          claimFailures[wp, default: 0] += 1
          if claimFailures[wp]! >= 3 { setAside[wp] = reason }
        case .approved, .blocked, .stopped: break
        }
      }
      // Stopping: the tasks were cancelled with this one; wait for their agents to be torn down.
      await group.waitForAll()
    }
  }

  /// Resume: WPs left claimed/in_progress go on implementing (or straight to review when their work is already
  /// committed); for_review/in_review re-run the review.
  private func adoptable() async -> [(String, Phase)] {
    guard let mission = try? await host.missionState(mission: slug) else { return [] }
    var adopted: [(String, Phase)] = []
    for wp in mission.workPackages {
      switch wp.lane {
      case .claimed?, .inProgress?:
        emit(ProgressEvent("adopt", wp: wp.id, "adopting \(wp.laneName) work: implementation resumes in its worktree"))
        adopted.append((wp.id, .implement))
      case .forReview?, .inReview?:
        emit(ProgressEvent("adopt", wp: wp.id, "adopting \(wp.laneName) work: the review runs again"))
        adopted.append((wp.id, .review))
      default:
        continue
      }
    }
    return adopted
  }

  // MARK: the end

  private func wrapUp() async -> RunResult {
    if budgetStopped {
      let spent = state.usage.costUSD ?? 0
      return finish(
        state: .attention, exitCode: 1,
        summary: String(
          format: "the cost budget is spent ($%.4f of $%.2f): running agents were stopped; ", spent,
          options.maxCostUSD ?? 0) + "WPs in flight keep their lanes. Raise --max-cost-usd, then: git kitty resume")
    }
    if stopping {
      return finish(
        state: .aborted, exitCode: 130,
        summary: "stopped; WPs in flight keep their lanes. Resume with: git kitty resume")
    }
    let mission: HostMissionState
    do throws(HostError) {
      mission = try await host.missionState(mission: slug)
    } catch {
      return finish(state: .failed, exitCode: 1, summary: "the host failed: \(error.message)")
    }
    let lanes = mission.lanes
    let finished: Set<Lane> = [.approved, .done, .canceled]
    let open = mission.workPackages.filter { !finished.contains($0.lane ?? .planned) }.map(\.id).sorted()
    if open.isEmpty {
      if options.merge { return await acceptAndMerge(lanes: lanes) }
      let done = lanes.values.filter { $0 == .approved || $0 == .done }.count
      return finish(
        state: .completed, exitCode: 0,
        summary: "all \(done) WPs approved or done. Next: git kitty orchestrator-api accept-mission --mission \(slug) "
          + "--actor <you> && git kitty orchestrator-api merge-mission --mission \(slug)  (or rerun with --merge)")
    }
    var reasons: [String] = []
    for wp in open {
      let item = mission.workPackages.first { $0.id == wp }
      let lane = item?.laneName ?? "?"
      if let why = setAside[wp] {
        reasons.append("\(wp) (\(lane)): \(why)")
      } else if item?.lane == .blocked {
        reasons.append("\(wp) is blocked: \(state.wps[wp]?.lastError ?? "see its log")")
      } else if item?.lane == .planned {
        let waiting = (item?.dependencies ?? []).filter { !finished.contains(lanes[$0] ?? .planned) }
        if waiting.isEmpty, !budgetAllowsRun() {
          reasons.append("\(wp) was not started: the cost budget is spent")
        } else {
          reasons.append(
            "\(wp) waits for \(waiting.isEmpty ? "nothing (it was never claimed)" : waiting.joined(separator: ", "))")
        }
      } else {
        reasons.append("\(wp) is \(lane)")
      }
    }
    let budget =
      options.maxCostUSD.map { limit in
        (state.usage.costUSD ?? 0) >= limit
          ? String(format: "\nThe $%.2f budget is spent; raise --max-cost-usd to go on.", limit) : ""
      } ?? ""
    return finish(
      state: .attention, exitCode: 1,
      summary: "\(open.count) WP(s) need attention:\n  " + reasons.joined(separator: "\n  ") + budget
        + "\nFix what is named above, then: git kitty resume")
  }

  private func acceptAndMerge(lanes: [String: Lane]) async -> RunResult {
    if !lanes.isEmpty, lanes.values.allSatisfy({ $0 == .done || $0 == .canceled }) {
      // A resumed or repeated run whose merge already happened: there is nothing left to merge.
      return finish(state: .completed, exitCode: 0, summary: "mission \(slug) is done: every WP is already merged")
    }
    if options.skipAcceptance {
      emit(ProgressEvent("accept-skipped", "acceptance skipped (--skip-acceptance): landing the approved lanes"))
    } else {
      do throws(HostError) {
        try await host.acceptMission(mission: slug, actor: options.actor)
      } catch {
        if !lanes.values.allSatisfy({ $0 == .done }) {
          return finish(
            state: .attention, exitCode: 1,
            summary: "accept-mission failed: \(error.message)\(Self.outstanding(error.details))\n"
              + "Fix what the host names, then: git kitty resume (or land without the host's acceptance: "
              + "git kitty resume --skip-acceptance)")
        }
      }
    }
    predictConflicts()
    let verb = (try? await host.capabilities().landingVerb) ?? "merge-mission"
    let merge: HostMergeResult
    do throws(HostError) {
      merge = try await host.mergeInOrder(mission: slug, target: options.target, strategy: options.strategy)
    } catch {
      let code = error.details["preflight_error_code"]?.stringValue.map { " (\($0))" } ?? ""
      let details = error.details["errors"].map { " " + JSONWriter.pythonDefault.string($0) } ?? ""
      let conflicts = predictedConflicts()
      return finish(
        state: .attention, exitCode: 1, summary: "\(verb) failed\(code): \(error.message)\(details)\(conflicts)",
        namesConflicts: !conflicts.isEmpty)
    }
    if let stop = merge.stop { return stopped(at: stop, after: merge) }
    state.predictedConflicts = []  // every approved lane is merged: nothing is left to conflict
    emit(ProgressEvent("merged", "merged into \(merge.targetBranch ?? "the target")"))
    var summary =
      "mission \(slug) \(options.skipAcceptance ? "merged (acceptance skipped)" : "accepted and merged") into "
      + (merge.targetBranch ?? "its target")
    if !merge.kept.isEmpty { summary += "; kept for you: " + merge.kept.joined(separator: ", ") }
    return finish(state: .completed, exitCode: 0, summary: summary)
  }

  /// The merge in dependency order stopped at a lane that conflicts: what was merged, what was not, and the exact
  /// commands that resolve the conflict in the lane and finish the merge.
  private func stopped(at stop: MergeStop, after merge: HostMergeResult) -> RunResult {
    let wps = stop.wpIDs.isEmpty ? "" : " [\(stop.wpIDs.joined(separator: ", "))]"
    let paths = stop.paths.joined(separator: " ")
    emit(
      ProgressEvent(
        "merge-stopped", "merge stopped at \(stop.laneID)\(wps): it conflicts with \(stop.against) on \(paths)",
        fields: [
          "lane_id": .string(stop.laneID), "wp_ids": .strings(stop.wpIDs), "paths": .strings(stop.paths),
          "merged_lanes": .strings(merge.mergedLanes), "done_wps": .strings(merge.doneWPs),
          "not_merged": .strings([stop.laneID] + stop.remaining),
        ]))
    let lines = Self.stopMessage(
      stop, merged: merge, worktreeExists: FileManager.default.fileExists(atPath: stop.worktree))
    return finish(state: .attention, exitCode: 1, summary: lines.joined(separator: "\n"), namesConflicts: true)
  }

  /// The final message of a merge that stopped: what was merged, what was not, and the commands to run, each on
  /// its own line (the lane's worktree is added back first when it is gone).
  static func stopMessage(_ stop: MergeStop, merged merge: HostMergeResult, worktreeExists: Bool) -> [String] {
    let wps = stop.wpIDs.isEmpty ? "" : " [\(stop.wpIDs.joined(separator: ", "))]"
    let paths = stop.paths.joined(separator: " ")
    var lines = ["merge stopped at \(stop.laneID)\(wps): it conflicts with \(stop.against) on \(paths)."]
    lines.append(
      merge.mergedLanes.isEmpty
        ? "Nothing was merged."
        : "Merged into \(stop.target) first: \(merge.mergedLanes.joined(separator: ", "))"
          + (merge.doneWPs.isEmpty ? "" : " (\(merge.doneWPs.joined(separator: ", ")) done)") + ".")
    lines.append("Not merged, left as they are: \(([stop.laneID] + stop.remaining).joined(separator: ", ")).")
    lines.append("Resolve it in the lane (merge \(stop.target) into it, fix \(paths), commit), then finish the merge:")
    let worktree = shellQuoted(stop.worktree)
    if !worktreeExists { lines.append("  git worktree add \(worktree) \(stop.laneBranch)") }
    lines.append("  git -C \(worktree) merge \(shellQuoted(stop.target))")
    lines.append(
      "  git -C \(worktree) add -- \(stop.paths.map(shellQuoted).joined(separator: " ")) "
        + "&& git -C \(worktree) commit --no-edit")
    lines.append("  git kitty resume")
    return lines
  }

  static func shellQuoted(_ text: String) -> String {
    text.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:@+,".contains($0) }
      ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// Predicts the merge conflicts between the approved lanes and with the target (in memory, `git kitty mission
  /// check`), before each claim and before the merge, when the approved tips moved since the last check. A new
  /// conflict is reported once (an event); the run state keeps the current ones for the table, status and the
  /// final message. Nothing stops because of a prediction.
  func predictConflicts() {
    guard let repository = try? HostRepository.locate(from: options.root),
      let found = try? NativeHost(repository: repository).checkMission(
        slug, target: options.target, unlessTipsAre: conflictTips, memo: &conflictMemo)
    else { return }
    conflictTips = found.1
    let conflicts = found.0.report.conflicts
    state.predictedConflicts = conflicts.map(Self.describe)
    state.save(root: options.root)
    for conflict in conflicts where reportedConflicts.insert(Self.describe(conflict)).inserted {
      emit(
        ProgressEvent(
          "conflict-predicted",
          "predicted conflict: \(Self.describe(conflict)) (merging them will stop there; "
            + "git kitty mission check \(slug))",
          fields: [
            "between": .strings(conflict.between), "wp_ids": .strings(conflict.wpIDs),
            "paths": .strings(conflict.paths),
          ]))
    }
  }

  static func describe(_ conflict: ConflictPredictor.Conflict) -> String {
    "\(conflict.between.joined(separator: " x ")) [\(conflict.wpIDs.joined(separator: ", "))]: "
      + conflict.paths.joined(separator: ", ")
  }

  /// After a failed merge: the conflicts an in-memory merge of the approved lanes predicts (`git kitty mission
  /// check`), one line each, and what to do next; empty when it predicts none.
  private func predictedConflicts() -> String {
    guard let repository = try? HostRepository.locate(from: options.root),
      let check = try? NativeHost(repository: repository).checkMission(slug, target: options.target),
      !check.report.conflicts.isEmpty
    else { return "" }
    let lines = check.report.conflicts.map { conflict in
      "\n  conflict: \(conflict.between.joined(separator: " x ")) [\(conflict.wpIDs.joined(separator: ", "))]: "
        + conflict.paths.joined(separator: ", ")
    }
    return lines.joined()
      + "\nResolve them on the lane branches (git kitty mission check \(slug) shows them), then: git kitty resume"
  }

  /// What a refused accept-mission names: spec-kitty 4.0's readiness checks (`outstanding`, by kind) and the WPs
  /// that are not finished, one per line.
  static func outstanding(_ details: JSONObject) -> String {
    var lines: [String] = []
    for (kind, items) in details["outstanding"]?.objectValue ?? [:] {
      for item in items.arrayValue ?? [] { lines.append("\(kind): \(item.stringValue ?? "\(item)")") }
    }
    if let wps = details["incomplete_wps"]?.arrayValue?.compactMap(\.stringValue), !wps.isEmpty {
      lines.append("incomplete: " + wps.joined(separator: ", "))
    }
    return lines.map { "\n  " + $0.replacingOccurrences(of: "\n", with: "\n    ") }.joined()
  }

  /// Ends the run. The conflicts predicted last are added to the summary unless it names them already.
  private func finish(
    state final: RunState.Status, exitCode: Int32, summary given: String, namesConflicts: Bool = false
  )
    -> RunResult
  {
    var summary = given
    if !state.predictedConflicts.isEmpty && !namesConflicts {
      summary +=
        "\npredicted conflicts (git kitty mission check \(slug)):\n  "
        + state.predictedConflicts.joined(separator: "\n  ")
    }
    state.state = final
    state.summary = summary
    state.updatedAt = Timestamp.isoNow()
    for key in state.wps.keys { state.wps[key]?.pid = nil }
    state.save(root: options.root)
    let usage = state.usage
    var fields: JSONObject = [
      "state": .string(final.rawValue), "input_tokens": .int(usage.inputTokens),
      "output_tokens": .int(usage.outputTokens),
    ]
    if let cost = usage.costUSD { fields["cost_usd"] = .double(cost) }
    emit(ProgressEvent("finish", summary, fields: fields))
    sink.finish(state: state)
    return RunResult(state: state, exitCode: exitCode, summary: summary)
  }

  // MARK: scratch files

  /// This run's private scratch directory (verdict files), removed when the run ends.
  nonisolated var scratchDirectory: String { "\(RuntimeFiles.runsDirectory(root: options.root))/\(runID)" }

  private func removeRunScratch() {
    try? FileManager.default.removeItem(atPath: scratchDirectory)
    // Every WP task has ended, so no cluster job of this run is waited on any more.
    JobLedger(root: options.root, run: runID).removeAll()
  }
}
