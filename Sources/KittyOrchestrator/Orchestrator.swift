import Foundation
import KittyCore
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
  public var hostKind: String
  public var merge = false
  public var target: String?
  public var strategy: String?
  public var config: OrchestratorConfig
  /// Seconds between retries grow from this base (exponential, with jitter).
  public var backoffBase: Double = 2

  public init(root: String, mission: String, config: OrchestratorConfig) {
    self.root = root
    self.mission = mission
    self.config = config
    implementationAgents = config.implementationAgents
    reviewAgents = config.singleAgentMode ? config.implementationAgents : config.reviewAgents
    maxConcurrent = config.maxConcurrentWPs
    actor = "git-kitty"
    hostKind = "native"
  }

  public var json: JSONObject {
    [
      "implementation_agents": .strings(implementationAgents), "review_agents": .strings(reviewAgents),
      "max_concurrent": .int(maxConcurrent), "merge": .bool(merge), "target": .optional(target),
      "strategy": .optional(strategy),
    ]
  }
}

/// The final word of a run.
public struct RunResult: Sendable {
  public var state: RunState
  public var exitCode: Int32
  public var summary: String
}

/// Drives every WP of a mission through implementation and review with agent CLIs, in parallel where the
/// dependencies allow. Event-driven: a WP finishing wakes the scheduler; there is no polling sleep.
public final class Orchestrator: @unchecked Sendable {
  let options: OrchestrateOptions
  let host: OrchestratorHost
  let sink: ProgressSink
  private let condition = NSCondition()
  private var state: RunState
  private var active: Set<String> = []
  private var setAside: [String: String] = [:]
  private var claimFailures: [String: Int] = [:]
  private var stopping = false
  private var children: [String: pid_t] = [:]
  let policy: String
  let slug: String

  public init(
    options: OrchestrateOptions, host: OrchestratorHost, sink: ProgressSink, slug: String, resuming: RunState? = nil
  ) {
    self.options = options
    self.host = host
    self.sink = sink
    self.slug = slug
    var fresh = resuming ?? RunState(mission: slug, host: host.name, actor: options.actor, options: options.json)
    fresh.state = "running"
    fresh.pid = getpid()
    self.state = fresh
    let family = options.implementationAgents.first ?? "unknown"
    policy = JSONWriter.pythonDefault.string([
      "orchestrator_id": "git-kitty", "orchestrator_version": "0.1.0", "agent_family": .string(family),
      "approval_mode": "full_auto", "sandbox_mode": "workspace_write", "network_mode": "inherited",
      "dangerous_flags": [],
    ])
  }

  // MARK: state

  func update(_ wp: String, _ change: (inout WPRunState) -> Void) {
    condition.lock()
    var entry = state.wps[wp] ?? WPRunState()
    change(&entry)
    entry.updatedAt = Timestamp.isoNow()
    state.wps[wp] = entry
    state.updatedAt = entry.updatedAt!
    let snapshot = state
    condition.unlock()
    snapshot.save(root: options.root)
  }

  func lockedState() -> RunState {
    condition.lock()
    defer { condition.unlock() }
    return state
  }

  func emit(_ event: ProgressEvent) {
    condition.lock()
    let snapshot = state
    condition.unlock()
    sink.emit(event, state: snapshot)
  }

  var isStopping: Bool {
    condition.lock()
    defer { condition.unlock() }
    return stopping
  }

  /// Stops scheduling and kills every running agent's process group (SIGTERM, then SIGKILL).
  public func stop(reason: String) {
    condition.lock()
    stopping = true
    let groups = Array(children.values)
    condition.broadcast()
    condition.unlock()
    for pgid in groups { kill(-pgid, SIGTERM) }
    emit(ProgressEvent("stopping", "stopping: \(reason)"))
  }

  func register(_ wp: String, pid: pid_t?) {
    condition.lock()
    if let pid { children[wp] = pid } else { children[wp] = nil }
    condition.unlock()
  }

  // MARK: host

  func call(_ args: [String]) -> HostResponse {
    var response = host.call(args)
    // A host that crashed or timed out gets one more chance before the WP is set aside.
    if response.transportError != nil {
      usleep(500_000)
      response = host.call(args)
    }
    return response
  }

  // MARK: the loop

  public func run() -> RunResult {
    RuntimeFiles.ignore(root: options.root)
    // What an earlier run killed mid-write left behind.
    AtomicFile.removeStaleTemporaries(in: "\(options.root)/.kittify")
    AtomicFile.removeStaleTemporaries(in: "\(options.root)/\(MissionPaths.specsDirectory)/\(slug)")
    state.save(root: options.root)
    emit(
      ProgressEvent(
        "start",
        "orchestrating \(slug) with \(options.implementationAgents.joined(separator: ","))"
          + " / \(options.reviewAgents.joined(separator: ",")), up to \(options.maxConcurrent) at once (host: \(host.name))"
      ))
    adoptInFlightWork()
    while true {
      condition.lock()
      if stopping {
        while !active.isEmpty { condition.wait() }
        condition.unlock()
        break
      }
      let free = options.maxConcurrent - active.count
      let busy = active.union(setAside.keys)
      condition.unlock()

      var started = 0
      if free > 0 {
        let ready = call(["list-ready", "--mission", slug])
        if !ready.success {
          emit(ProgressEvent("host-error", "list-ready failed: \(ready.message)"))
          return finish(state: "failed", exitCode: 1, summary: "the host failed: \(ready.message)")
        }
        let ids = ready.data["ready_work_packages"]?.arrayValue?.compactMap { $0["wp_id"]?.stringValue } ?? []
        for wp in ids where !busy.contains(wp) && started < free {
          launch(wp, phase: .implement)
          started += 1
        }
      }
      condition.lock()
      if active.isEmpty && started == 0 {
        condition.unlock()
        break
      }
      // Event-driven: sleep until a WP finishes (or stop() is called).
      let before = active
      while active == before && !stopping { condition.wait() }
      condition.unlock()
    }
    return wrapUp()
  }

  enum Phase { case implement, review }

  /// Resume: WPs left claimed/in_progress re-run the implementer; for_review/in_review re-run the review.
  func adoptInFlightWork() {
    let mission = call(["mission-state", "--mission", slug])
    guard mission.success else { return }
    for item in mission.data["work_packages"]?.arrayValue ?? [] {
      guard let wp = item["wp_id"]?.stringValue, let lane = item["lane"]?.stringValue else { continue }
      switch lane {
      case "claimed", "in_progress":
        emit(ProgressEvent("adopt", wp: wp, "adopting \(lane) work: implementation resumes in its worktree"))
        launch(wp, phase: .implement)
      case "for_review", "in_review":
        emit(ProgressEvent("adopt", wp: wp, "adopting \(lane) work: the review runs again"))
        launch(wp, phase: .review)
      default:
        continue
      }
    }
  }

  func launch(_ wp: String, phase: Phase) {
    condition.lock()
    if active.contains(wp) {
      condition.unlock()
      return
    }
    active.insert(wp)
    condition.unlock()
    let thread = Thread { [self] in
      let task = WorkPackageTask(orchestrator: self, wp: wp)
      let outcome = task.run(startingWith: phase)
      condition.lock()
      active.remove(wp)
      if case .setAside(let reason) = outcome { setAside[wp] = reason }
      if case .claimFailed(let reason) = outcome {
        claimFailures[wp, default: 0] += 1
        if claimFailures[wp]! >= 3 { setAside[wp] = reason }
      }
      condition.broadcast()
      condition.unlock()
    }
    thread.stackSize = 4 << 20
    thread.start()
  }

  // MARK: the end

  func wrapUp() -> RunResult {
    if isStopping {
      return finish(
        state: "aborted", exitCode: 130,
        summary: "stopped; WPs in flight keep their lanes. Resume with: git kitty resume")
    }
    let mission = call(["mission-state", "--mission", slug])
    var lanes: [String: String] = [:]
    for item in mission.data["work_packages"]?.arrayValue ?? [] {
      if let wp = item["wp_id"]?.stringValue, let lane = item["lane"]?.stringValue { lanes[wp] = lane }
    }
    let finished = Set(["approved", "done", "canceled"])
    let open = lanes.filter { !finished.contains($0.value) }.keys.sorted()
    if open.isEmpty {
      if options.merge { return acceptAndMerge(lanes: lanes) }
      let done = lanes.filter { $0.value == "approved" || $0.value == "done" }.count
      return finish(
        state: "completed", exitCode: 0,
        summary: "all \(done) WPs approved or done. Next: git kitty orchestrator-api accept-mission --mission \(slug) "
          + "--actor <you> && git kitty orchestrator-api merge-mission --mission \(slug)  (or rerun with --merge)")
    }
    condition.lock()
    let asides = setAside
    condition.unlock()
    var reasons: [String] = []
    for wp in open {
      let lane = lanes[wp] ?? "?"
      if let why = asides[wp] {
        reasons.append("\(wp) (\(lane)): \(why)")
      } else if lane == "blocked" {
        reasons.append("\(wp) is blocked: \(state.wps[wp]?.lastError ?? "see its log")")
      } else if lane == "planned" {
        let item = mission.data["work_packages"]?.arrayValue?.first { $0["wp_id"]?.stringValue == wp }
        let deps = item?["dependencies"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let waiting = deps.filter { !finished.contains(lanes[$0] ?? "") }
        reasons.append(
          "\(wp) waits for \(waiting.isEmpty ? "nothing (it was never claimed)" : waiting.joined(separator: ", "))")
      } else {
        reasons.append("\(wp) is \(lane)")
      }
    }
    return finish(
      state: "attention", exitCode: 1,
      summary: "\(open.count) WP(s) need attention:\n  " + reasons.joined(separator: "\n  ")
        + "\nFix what is named above, then: git kitty resume")
  }

  func acceptAndMerge(lanes: [String: String]) -> RunResult {
    if !lanes.isEmpty, lanes.values.allSatisfy({ $0 == "done" || $0 == "canceled" }) {
      // A resumed or repeated run whose merge already happened: there is nothing left to merge.
      return finish(state: "completed", exitCode: 0, summary: "mission \(slug) is done: every WP is already merged")
    }
    let accept = call(["accept-mission", "--mission", slug, "--actor", options.actor])
    if !accept.success && !lanes.values.allSatisfy({ $0 == "done" }) {
      return finish(state: "attention", exitCode: 1, summary: "accept-mission failed: \(accept.message)")
    }
    var args = ["merge-mission", "--mission", slug]
    if let target = options.target { args += ["--target", target] }
    if let strategy = options.strategy { args += ["--strategy", strategy] }
    let merge = call(args)
    guard merge.success else {
      return finish(
        state: "attention", exitCode: 1,
        summary:
          "merge-mission failed: \(merge.message) \(merge.data["errors"].map { JSONWriter.pythonDefault.string($0) } ?? "")"
      )
    }
    emit(ProgressEvent("merged", "merged into \(merge.data["target_branch"]?.stringValue ?? "the target")"))
    var summary = "mission \(slug) accepted and merged into \(merge.data["target_branch"]?.stringValue ?? "its target")"
    if let kept = merge.data["kept"]?.arrayValue, !kept.isEmpty {
      summary += "; kept for you: " + kept.map { JSONWriter.pythonDefault.string($0) }.joined(separator: ", ")
    }
    return finish(state: "completed", exitCode: 0, summary: summary)
  }

  func finish(state final: String, exitCode: Int32, summary: String) -> RunResult {
    condition.lock()
    state.state = final
    state.summary = summary
    state.updatedAt = Timestamp.isoNow()
    let snapshot = state
    condition.unlock()
    snapshot.save(root: options.root)
    emit(ProgressEvent("finish", summary, fields: ["state": .string(final)]))
    sink.finish(state: snapshot)
    return RunResult(state: snapshot, exitCode: exitCode, summary: summary)
  }
}
