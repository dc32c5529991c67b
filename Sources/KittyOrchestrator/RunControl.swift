import Foundation
import KittyCluster
import KittyCore
import KittyExecutors
import KittyHost
import KittyWorkspaces

/// Agent process groups recorded in a run state.
public enum ProcessGroups {
  public static func isAlive(_ pid: Int32) -> Bool { pid > 0 && (kill(pid, 0) == 0 || errno == EPERM) }

  /// Kills the process groups of agents a dead orchestrator left running. A recorded pid whose process now
  /// started at another time belongs to someone else (the pid was reused): it is left alone. A run state from
  /// before start times were recorded cannot tell: its pid counts as an agent only while that process works in
  /// one of `root`'s lane worktrees. When the group's leader is gone, the group id cannot have been reused while
  /// members remain, so they are ours.
  public static func killOrphans(_ state: RunState, root: String) {
    let worktrees = (root as NSString).resolvingSymlinksInPath + "/.worktrees/"  // /proc shows real paths
    let groups = state.wps.values.compactMap { wp -> Int32? in
      guard let pid = wp.pid, pid > 0 else { return nil }
      guard let now = startTime(pid) else { return pid }
      if let recorded = wp.pidStart { return now == recorded ? pid : nil }
      let directory = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")) ?? ""
      return (directory + "/").hasPrefix(worktrees) ? pid : nil
    }
    for pid in groups { kill(-pid, SIGTERM) }
    if groups.isEmpty { return }
    usleep(200_000)  // usleep: TERM-to-KILL grace for a dead run's groups (no child to wait on)
    for pid in groups { kill(-pid, SIGKILL) }
  }

  /// When `pid` started (ticks since boot); nil when it does not exist.
  public static func startTime(_ pid: Int32) -> UInt64? { ProcessStartTime.of(pid) }
}

/// `git kitty status`: the run state joined with the host's lanes.
public struct RunStatus: Sendable {
  public var state: RunState?
  public var lanes: [String: String]
  public var running: Bool
  public var holder: String?
  public var hookEvents: [String]

  /// Lanes come from the files through the in-process host (a status read must not start spec-kitty).
  public static func collect(root: String) async -> RunStatus {
    let state = RunState.load(root: root)
    var lanes: [String: String] = [:]
    if let state, let mission = try? await LocalHost(root: root).missionState(mission: state.mission) {
      for wp in mission.workPackages { lanes[wp.id] = wp.laneName }
    }
    let holder = RunLock.holder(root: root)
    // Scratch files of runs that are not alive (a killed run's) go; the live run's stay.
    RuntimeFiles.sweepRunDirectories(root: root, keeping: holder == nil ? nil : state?.runID)
    let hooks = LogTail.read("\(root)/.kittify/logs/hooks.log", bytes: 2048).split(separator: "\n").suffix(5).map(
      String.init)
    return RunStatus(state: state, lanes: lanes, running: holder != nil, holder: holder, hookEvents: hooks)
  }

  public var json: JSONValue {
    guard let state else { return ["run": .null, "running": .bool(running)] }
    var wps = JSONObject()
    for wp in Set(state.wps.keys).union(lanes.keys).sorted() {
      let s = state.wps[wp] ?? WPRunState()
      var object = s.json.objectValue ?? [:]
      object["lane"] = .optional(lanes[wp])
      object["alive"] = .bool(s.pid.map(ProcessGroups.isAlive) ?? false)
      object["elapsed_seconds"] = Self.elapsed(s, live: running).map { .int(Int($0)) } ?? .null
      wps[wp] = .object(object)
    }
    return [
      "run_id": .string(state.runID), "mission": .string(state.mission),
      "state": .string((running || state.state != .running ? state.state : .interrupted).rawValue),
      "running": .bool(running), "holder": .optional(holder), "started_at": .string(state.startedAt),
      "summary": .optional(state.summary), "wps": .object(wps), "hook_events": .strings(hookEvents),
      "usage": state.usage.json, "predicted_conflicts": .strings(state.predictedConflicts),
    ]
  }

  /// How long a WP has been (or was) worked on: up to now while the run is alive and the WP is in flight,
  /// else up to its last update.
  static func elapsed(_ s: WPRunState, live: Bool) -> Double? {
    guard let start = s.startedAt, let sinceStart = TableProgress.seconds(since: start) else { return nil }
    let finished = s.phase.isSettled
    if live && !finished { return sinceStart }
    guard let end = s.updatedAt, let sinceEnd = TableProgress.seconds(since: end) else { return sinceStart }
    return max(0, sinceStart - sinceEnd)
  }

  static func cost(_ usage: AgentUsage?) -> String {
    guard let usage else { return "-" }
    if let cost = usage.costUSD { return String(format: "$%.4f", cost) }
    return usage.inputTokens + usage.outputTokens > 0 ? "\(usage.inputTokens + usage.outputTokens) tok" : "-"
  }

  public var text: String {
    guard let state else { return "no orchestrator run in this repository yet" + (running ? " (one is starting)" : "") }
    let shownState =
      running || state.state != .running ? state.state.rawValue : "interrupted (no process; git kitty resume)"
    var lines = ["run \(state.runID)  mission \(state.mission)  \(shownState)  started \(state.startedAt)"]
    lines.append(
      "WP     lane          phase        agent        runs retries  elapsed  alive  cost       log / last error")
    // (alive: "yes" for an agent process here, "job <id>@<node>" for a cluster job)
    for wp in Set(state.wps.keys).union(lanes.keys).sorted() {
      let s = state.wps[wp] ?? WPRunState()
      let elapsed = Self.elapsed(s, live: running).map { TableProgress.duration($0) } ?? "-"
      let alive =
        s.job.map { "job \($0)" + (s.node.map { "@\($0)" } ?? "") }
        ?? (s.pid.map(ProcessGroups.isAlive) == true ? "yes" : "-")
      func pad(_ text: String, _ n: Int) -> String { text.padding(toLength: n, withPad: " ", startingAt: 0) }
      lines.append(
        pad(wp, 6) + " " + pad(lanes[wp] ?? "?", 13) + " " + pad(s.phase.rawValue, 12) + " " + pad(s.agent ?? "-", 12)
          + " " + pad(String(s.attempt), 4) + " " + pad(String(s.retries), 8) + " " + pad(elapsed, 8) + " "
          + pad(alive, max(6, alive.count))
          + " " + pad(Self.cost(s.usage), 10) + " " + (s.lastError ?? s.log ?? ""))
    }
    let total = state.usage
    if total.inputTokens + total.outputTokens > 0 {
      lines.append(
        "total: \(Self.cost(total)), \(total.inputTokens) input / \(total.outputTokens) output tokens"
          + (total.cachedInputTokens > 0 ? " (\(total.cachedInputTokens) cached)" : ""))
    }
    // A finished run's summary carries them.
    if !state.predictedConflicts.isEmpty, state.summary == nil {
      lines.append("predicted conflicts:\n  " + state.predictedConflicts.joined(separator: "\n  "))
    }
    if let summary = state.summary { lines.append(summary) }
    if !hookEvents.isEmpty { lines.append("recent hook events:\n  " + hookEvents.joined(separator: "\n  ")) }
    return lines.joined(separator: "\n")
  }
}

/// `git kitty abort`.
public enum RunAbort {
  public static func abort(root: String, cleanup: Bool, force: Bool) async throws -> [String] {
    guard var state = RunState.load(root: root) else {
      throw WorkspaceError.notFound("orchestrator run (\(RunState.fileName))")
    }
    var report: [String] = []
    // 1. Stop the orchestrator (it kills its agents' groups on SIGTERM), then make sure no agent survives.
    if ProcessGroups.isAlive(state.pid), RunLock.holder(root: root) != nil {
      kill(state.pid, SIGTERM)
      // Another process holds the lock: nothing signals its release to us, so look every 100 ms (at most 10 s).
      for _ in 0..<100 where RunLock.holder(root: root) != nil { try? await Task.sleep(for: .milliseconds(100)) }
      if RunLock.holder(root: root) != nil { kill(state.pid, SIGKILL) }
      report.append("stopped orchestrator pid \(state.pid)")
      state = RunState.load(root: root) ?? state
    }
    ProcessGroups.killOrphans(state, root: root)
    report += await ClusterJobs.cancel(root: root, run: state.runID)
    // 2. Release our claims through the host the run used: WPs we held in flight go back to planned (or stay,
    //    with a note, if refused).
    let host = (HostKind(rawValue: state.host) ?? .native).make(root: root)
    let mission = try? await host.missionState(mission: state.mission)
    for wp in mission?.workPackages ?? [] {
      guard state.wps[wp.id] != nil, wp.lane == .claimed || wp.lane == .inProgress else { continue }
      var request = HostTransition(mission: state.mission, wp: wp.id, to: .planned, actor: state.actor)
      request.note = "released by git kitty abort of run \(state.runID)"
      do throws(HostError) {
        try await host.transition(request)
        report.append("released \(wp.id) (\(wp.laneName) -> planned)")
      } catch {
        report.append("could not release \(wp.id): \(error.message)")
      }
    }
    state.state = .aborted
    state.summary = "aborted by git kitty abort at \(Timestamp.isoNow())"
    for key in state.wps.keys {
      state.wps[key]?.pid = nil
      state.wps[key]?.job = nil
    }
    state.save(root: root)
    RuntimeFiles.sweepRunDirectories(root: root, keeping: nil)
    report.append("recorded the abort of run \(state.runID)")
    // 3. Optionally clean the mission's worktrees and branches, keeping (and listing) anything with work in it.
    if cleanup {
      let context = try RepositoryContext.locate(from: root)
      let target = (try? Mission(repoRoot: context.root, slug: state.mission))?.targetBranch
      for entry in try WorktreeInventory(context: context).list(mission: state.mission) where entry.managed {
        do {
          let result = try WorktreeManager(context: context).remove(
            path: entry.path, targetBranch: target, force: force)
          report.append("removed \(entry.path)" + (result.branchDeleted ? " and \(result.branch ?? "")" : ""))
          if let branch = result.branch, !result.branchDeleted, force, let repo = try? context.open(),
            let tip = try? repo.branchTip(branch)
          {
            try? repo.deleteBranch(branch, expected: tip)
            report.append("deleted \(branch)")
          } else if let reason = result.branchKeptReason {
            report.append("kept branch \(result.branch ?? ""): \(reason)")
          }
        } catch {
          report.append("KEPT \(entry.path): \(error)")
        }
      }
      let deleted = (try? ReviewBranches(context: context).deleteAll(slug: state.mission)) ?? []
      if !deleted.isEmpty { report.append("deleted \(deleted.count) review branch(es)") }
    }
    return report
  }
}
