import Foundation
import KittyCore
import KittyExecutors
import KittyHost
import KittyOrchestrator

/// Why a dashboard read failed: what the client asked for does not exist, or the repository's files are unreadable.
public enum DashboardError: Error, Sendable, Equatable, CustomStringConvertible {
  case notFound(String)
  case badRequest(String)
  case unreadable(String)
  case refused(String)

  public var description: String {
    switch self {
    case .notFound(let what): return "\(what) not found"
    case .badRequest(let why), .unreadable(let why), .refused(let why): return why
    }
  }
}

/// The dashboard's read model: missions, boards, WP pages, run panel, as JSON values for the web app.
/// Lanes and events come from the mission's files through the host's fold; agents, attempts and costs from the
/// orchestrator's run state.
public struct BoardReader: Sendable {
  public let root: String
  let folds: MissionFolds

  public init(root: String, folds: MissionFolds = MissionFolds()) {
    self.root = root
    self.folds = folds
  }

  var specs: String { "\(root)/\(MissionPaths.specsDirectory)" }

  func mission(_ slug: String) throws(DashboardError) -> Mission {
    guard MissionPaths.isSafeSegment(slug), MissionLocator.missionDirectories(specs).contains(slug) else {
      throw .notFound("mission \(slug)")
    }
    do {
      return try Mission(repoRoot: root, slug: slug)
    } catch {
      throw .unreadable(error.description)
    }
  }

  func view(_ slug: String) async throws(DashboardError) -> MissionView {
    let mission = try mission(slug)
    do {
      return try await folds.view(mission)
    } catch {
      throw .unreadable(error.description)
    }
  }

  // MARK: missions

  /// Every mission with its lane counts: `{missions: [{slug, title, total, done, lanes: {lane: n}}]}`.
  public func missions() async -> JSONValue {
    var items: [JSONValue] = []
    for slug in MissionLocator.missionDirectories(specs) {
      do {
        items.append(missionSummary(try await view(slug)))
      } catch {
        items.append(["slug": .string(slug), "error": .string(error.description), "total": 0, "done": 0])
      }
    }
    return ["missions": .array(items), "run": runBrief()]
  }

  func missionSummary(_ view: MissionView) -> JSONValue {
    var lanes = JSONObject()
    for lane in Lane.display { lanes[lane.rawValue] = 0 }
    for id in view.graph.order {
      let lane = view.snapshot.workPackages[id]?.lane ?? Lane.planned.rawValue
      lanes[lane] = .int((lanes[lane]?.intValue ?? 0) + 1)
    }
    let done = (lanes["done"]?.intValue ?? 0) + (lanes["approved"]?.intValue ?? 0)
    return [
      "slug": .string(view.mission.slug), "title": .string(view.mission.meta?.friendlyName ?? ""),
      "target_branch": .optional(view.mission.targetBranch), "total": .int(view.graph.order.count),
      "done": .int(done), "lanes": .object(lanes), "event_count": .int(view.snapshot.eventCount),
    ]
  }

  // MARK: board

  /// The board of one mission: lanes as columns, WPs as cards, dependency edges for the graph.
  public func board(mission slug: String) async throws(DashboardError) -> JSONValue {
    let view = try await view(slug)
    let run = RunState.load(root: root)
    let runWPs = run?.mission == slug ? run?.wps ?? [:] : [:]
    let live = run?.mission == slug && RunLock.holder(root: root) != nil
    let cards: [JSONValue] = view.workPackages.map { wp in
      card(wp, state: view.snapshot.workPackages[wp.id], run: runWPs[wp.id], live: live)
    }
    var summary = missionSummary(view).objectValue ?? [:]
    summary["lane_order"] = .strings(Lane.display.map(\.rawValue))
    summary["work_packages"] = .array(cards)
    summary["run"] = runBrief()
    return .object(summary)
  }

  func card(_ wp: WorkPackage, state: WPState?, run: WPRunState?, live: Bool) -> JSONValue {
    let usage = run?.usage
    let review = state?.reviewResult
    return [
      "id": .string(wp.id), "title": .string(wp.title), "lane": .string(state?.lane ?? Lane.planned.rawValue),
      "dependencies": .strings(wp.dependencies), "actor": .optional(state?.actor),
      "agent": .optional(run?.agent ?? state?.runtime["agent"]?.stringValue),
      "role": .optional(run?.role ?? state?.runtime["role"]?.stringValue), "phase": .optional(run?.phase.rawValue),
      "attempt": .int(run?.attempt ?? 0), "cycle": .int(run?.cycle ?? 0), "retries": .int(run?.retries ?? 0),
      "started_at": .optional(run?.startedAt), "updated_at": .optional(run?.updatedAt),
      "elapsed_seconds": run.flatMap { Self.elapsed($0, live: live) }.map { .double($0) } ?? .null,
      "alive": .bool(live && run?.pid.map(ProcessGroups.isAlive) == true),
      "pid": run?.pid.map { .int(Int($0)) } ?? .null, "last_error": .optional(run?.lastError),
      "input_tokens": .int(usage?.inputTokens ?? 0), "output_tokens": .int(usage?.outputTokens ?? 0),
      "cost_usd": usage?.costUSD.map { .double($0) } ?? .null,
      "verdict": review?["verdict"] ?? .null, "last_transition_at": .optional(state?.lastTransitionAt),
    ]
  }

  /// Seconds a WP has been worked on: until now while its agent runs, else until its last update.
  static func elapsed(_ run: WPRunState, live: Bool) -> Double? {
    guard let start = run.startedAt.flatMap(Self.date) else { return nil }
    let finished = run.phase.isSettled
    let end = (live && !finished) ? Date() : run.updatedAt.flatMap(Self.date) ?? Date()
    return max(0, end.timeIntervalSince(start))
  }

  static func date(_ iso: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: iso) { return date }
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: iso)
  }

  // MARK: run

  func runBrief() -> JSONValue {
    guard let state = RunState.load(root: root) else { return .null }
    let running = RunLock.holder(root: root) != nil
    return [
      "run_id": .string(state.runID), "mission": .string(state.mission),
      "state": .string((running || state.state != .running ? state.state : .interrupted).rawValue),
      "running": .bool(running),
    ]
  }

  /// The run panel: state, agents alive, pids, totals of cost, tokens and time.
  public func run() -> JSONValue {
    guard let state = RunState.load(root: root) else { return ["run": .null, "running": false] }
    let holder = RunLock.holder(root: root)
    let running = holder != nil
    var wps: [JSONValue] = []
    var alive = 0
    var busySeconds = 0.0
    for id in state.wps.keys.sorted() {
      let wp = state.wps[id]!
      let isAlive = running && wp.pid.map(ProcessGroups.isAlive) == true
      if isAlive { alive += 1 }
      let elapsed = Self.elapsed(wp, live: running)
      busySeconds += elapsed ?? 0
      wps.append([
        "id": .string(id), "phase": .string(wp.phase.rawValue), "agent": .optional(wp.agent),
        "role": .optional(wp.role),
        "attempt": .int(wp.attempt), "cycle": .int(wp.cycle), "pid": wp.pid.map { .int(Int($0)) } ?? .null,
        "alive": .bool(isAlive), "elapsed_seconds": elapsed.map { .double($0) } ?? .null,
        "last_error": .optional(wp.lastError), "cost_usd": wp.usage?.costUSD.map { .double($0) } ?? .null,
        "tokens": .int((wp.usage?.inputTokens ?? 0) + (wp.usage?.outputTokens ?? 0)),
      ])
    }
    let total = state.usage
    let end = running ? Date() : Self.date(state.updatedAt) ?? Date()
    let wall = Self.date(state.startedAt).map { max(0, end.timeIntervalSince($0)) }
    return [
      "run": [
        "run_id": .string(state.runID), "mission": .string(state.mission),
        "state": .string((running || state.state != .running ? state.state : .interrupted).rawValue),
        "running": .bool(running), "holder": .optional(holder), "pid": .int(Int(state.pid)),
        "orchestrator_alive": .bool(running && ProcessGroups.isAlive(state.pid)), "host": .string(state.host),
        "started_at": .string(state.startedAt), "updated_at": .string(state.updatedAt),
        "summary": .optional(state.summary), "agents_alive": .int(alive), "work_packages": .array(wps),
        "totals": [
          "cost_usd": total.costUSD.map { .double($0) } ?? .null, "input_tokens": .int(total.inputTokens),
          "output_tokens": .int(total.outputTokens), "cached_input_tokens": .int(total.cachedInputTokens),
          "wall_seconds": wall.map { .double($0) } ?? .null, "agent_seconds": .double(busySeconds),
        ],
      ],
      "running": .bool(running),
    ]
  }

  // MARK: WP page

  /// One WP: its prompt text, its event history, the reviewers' verdicts per cycle, its run state and its logs.
  public func workPackage(mission slug: String, wp id: String) async throws(DashboardError) -> JSONValue {
    let mission = try mission(slug)
    guard WorkPackage.isValidID(id), let file = mission.promptFiles().first(where: { $0.id == id }) else {
      throw .notFound("work package \(id)")
    }
    let wp: WorkPackage
    let stream: EventStream
    do {
      wp = try WorkPackage.load(path: file.path)
      stream = try mission.eventStream(annotations: false)
    } catch let error as WorkPackageError {
      throw .unreadable(error.description)
    } catch let error as MissionError {
      throw .unreadable(error.description)
    } catch {
      throw .unreadable("\(error)")
    }
    var events: [JSONValue] = []
    var reviews: [JSONValue] = []
    for part in stream.transitionParts {
      for event in part where event.wpID == id {
        events.append([
          "event_id": .string(event.eventID.string), "at": .string(event.at.string),
          "from": .string(event.fromLane.rawValue), "to": .string(event.toLane.rawValue),
          "actor": .string(event.actor), "force": .bool(event.force), "reason": .optional(event.reason),
        ])
        guard let result = event.reviewResult else { continue }
        var review: JSONObject = [
          "cycle": .int(reviews.count + 1), "at": .string(event.at.string), "to": .string(event.toLane.rawValue),
          "reviewer": result["reviewer"] ?? .null, "verdict": result["verdict"] ?? .null,
          "reference": result["reference"] ?? .null, "note": .optional(event.reason),
        ]
        if let path = result["feedback_path"]?.stringValue {
          review["feedback_path"] = .string(path)
          review["feedback"] = .optional(readFeedback(path))
        }
        reviews.append(.object(review))
      }
    }
    events.sort { ($0["at"]?.stringValue ?? "") < ($1["at"]?.stringValue ?? "") }
    let run = RunState.load(root: root)
    let live = RunLock.holder(root: root) != nil
    let runWP = run?.mission == slug ? run?.wps[id] : nil
    let state = try? await folds.view(mission).snapshot.workPackages[id]
    return [
      "mission": .string(slug), "card": card(wp, state: state, run: runWP, live: live),
      "text": .string(wp.body), "file": .string(wp.fileName), "owned_files": .strings(wp.ownedFiles),
      "subtasks": .strings(wp.subtasks), "events": .array(events), "reviews": .array(reviews),
      "feedback": .optional(runWP?.feedback), "reviewer_changes": .optional(runWP?.reviewerChanges),
      "logs": .array(logFiles(mission: slug, wp: id)),
    ]
  }

  /// A reviewer's feedback file, when it lies inside the repository (at most 64 KiB of it).
  func readFeedback(_ path: String) -> String? {
    let absolute = path.hasPrefix("/") ? path : "\(root)/\(path)"
    let resolved = (absolute as NSString).standardizingPath
    guard resolved.hasPrefix(root + "/") else { return nil }
    return LogPager.page(path: resolved, offset: 0, limit: 64 << 10).map(\.text)
  }

  // MARK: logs

  func logDirectory(mission slug: String, wp id: String) -> String { "\(root)/.kittify/logs/\(slug)/\(id)" }

  /// The agent logs of one WP, newest last: `[{name, size, modified}]`.
  func logFiles(mission slug: String, wp id: String) -> [JSONValue] {
    let directory = logDirectory(mission: slug, wp: id)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    let files: [(name: String, size: Int, modified: Date)] = names.compactMap { name in
      guard let attributes = try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)"),
        attributes[.type] as? FileAttributeType == .typeRegular
      else { return nil }
      return (name, (attributes[.size] as? Int) ?? 0, (attributes[.modificationDate] as? Date) ?? .distantPast)
    }
    return files.sorted { ($0.modified, $0.name) < ($1.modified, $1.name) }.map { file in
      [
        "name": .string(file.name), "size": .int(file.size),
        "modified": .string(ISO8601DateFormatter().string(from: file.modified)),
      ]
    }
  }

  /// One page of a WP's log file. `offset` nil means the last `limit` bytes (the tail).
  public func logPage(mission slug: String, wp id: String, name: String, offset: Int?, limit: Int)
    throws(DashboardError) -> JSONValue
  {
    _ = try mission(slug)
    guard WorkPackage.isValidID(id) else { throw .notFound("work package \(id)") }
    guard MissionPaths.isSafeSegment(name), !name.hasPrefix(".") else { throw .badRequest("bad log name \(name)") }
    let path = "\(logDirectory(mission: slug, wp: id))/\(name)"
    guard let page = LogPager.page(path: path, offset: offset, limit: limit) else { throw .notFound("log \(name)") }
    return page.json
  }

  // MARK: diff

  /// The diff of the WP's lane branch against its base, at most `limit` bytes of it. Once the lane branch is
  /// merged and deleted: the WP's last review branch (what its reviewer approved) against the target as it was
  /// when that commit was merged; without one, the merge commit that brought the lane in (or, for a lane that
  /// went in by fast-forward, the mission's merge commit). `source` says which: lane, review_branch, lane_merge,
  /// mission_merge.
  public func diff(mission slug: String, wp id: String, limit: Int = 1 << 20) async throws(DashboardError) -> JSONValue
  {
    let mission = try mission(slug)
    let workspace: HostWorkspace
    do {
      workspace = try await LocalHost(root: root).resolveWorkspace(mission: mission.slug, wp: id)
    } catch {
      throw error.code == .wpNotFound ? .notFound("work package \(id)") : .unreadable(error.message)
    }
    guard let branch = workspace.laneBranch, let base = workspace.laneBaseRef ?? mission.targetBranch else {
      return ["lane_branch": .optional(workspace.laneBranch), "base": .null, "diff": "", "stat": "", "exists": false]
    }
    let found: (source: String, shown: String, base: String, range: [String])?
    if await commit("refs/heads/\(branch)") != nil {
      found = ("lane", branch, base, ["\(base)...\(branch)"])
    } else {
      found = await mergedDiff(mission: mission, wp: id, laneBranch: branch, base: base)
    }
    guard let found else {
      return ["lane_branch": .string(branch), "base": .string(base), "diff": "", "stat": "", "exists": false]
    }
    let stat = await GitText.run(["diff", "--no-color", "--stat"] + found.range, in: root, limit: 64 << 10)
    let patch = await GitText.run(["diff", "--no-color"] + found.range, in: root, limit: limit)
    return [
      "lane_branch": .string(branch), "base": .string(found.base), "exists": .bool(stat != nil),
      "source": .string(found.source), "shown": .string(found.shown),
      "stat": .string(stat?.text ?? ""), "diff": .string(patch?.text ?? ""),
      "truncated": .bool(patch?.truncated ?? false),
    ]
  }

  /// What to show for a WP whose lane branch is gone (see `diff`), as a `git diff` range; nil when nothing is left.
  func mergedDiff(mission: Mission, wp id: String, laneBranch: String, base: String) async
    -> (source: String, shown: String, base: String, range: [String])?
  {
    let target = mission.targetBranch ?? base
    let bases = [base, target].filter { !$0.isEmpty }
    var into: String?
    for candidate in bases where await commit("refs/heads/\(candidate)") != nil {
      into = candidate
      break
    }
    // The last review cycle's branch pins the commit the reviewer approved.
    let prefix = "refs/heads/kitty/review/\(mission.slug)/\(id)/"
    let refs = await GitText.run(["for-each-ref", "--format=%(refname)", prefix], in: root, limit: 64 << 10)
    let latest = (refs?.text ?? "").split(separator: "\n").compactMap { ref -> (Int, String)? in
      Int(ref.dropFirst(prefix.count)).map { ($0, String(ref)) }
    }.max { $0.0 < $1.0 }
    if let (_, ref) = latest, let reviewed = await commit(ref) {
      let shown = String(ref.dropFirst("refs/heads/".count))
      guard let into else { return ("review_branch", shown, "", ["\(reviewed)^", reviewed]) }
      let merged = await GitText.run(["merge-base", "--is-ancestor", reviewed, into], in: root, limit: 1024) != nil
      if !merged { return ("review_branch", shown, into, ["\(into)...\(reviewed)"]) }
      // Merged: compare with the target as it was just before the merge that brought the commit in, the oldest
      // commit of the target's first-parent line that descends from it. (`--first-parent --ancestry-path` would
      // follow first parents only, and miss a commit that came in through a merge's second parent.)
      let line = await lines(["rev-list", "--first-parent", "--reverse", "\(reviewed)..\(into)"])
      let descendants = Set(await lines(["rev-list", "--ancestry-path", "\(reviewed)..\(into)"]))
      if let merge = line.first(where: descendants.contains), let before = await commit("\(merge)^1"),
        before != reviewed
      {
        return ("review_branch", shown, "\(into) before \(merge.prefix(12))", ["\(before)...\(reviewed)"])
      }
    }
    guard let into else { return nil }
    // No review branch left: the merge commit of the lane into the mission branch, else the mission's into its target.
    let missionBranch = MissionPaths.missionBranch(slug: mission.slug)
    for (source, subject) in [
      ("lane_merge", "Merge \(laneBranch) into \(missionBranch)"),
      ("mission_merge", "Merge \(missionBranch) into "),
      ("mission_merge", "feat(\(missionBranch)): squash merge of mission"),
    ] {
      if let merge = await firstLine(["log", "--format=%H", "--fixed-strings", "--grep=\(subject)", into]) {
        return (source, String(merge.prefix(12)), "\(merge.prefix(12))^1", ["\(merge)^1", merge])
      }
    }
    return nil
  }

  /// The commit a revision names, nil when it names none.
  func commit(_ revision: String) async -> String? {
    await firstLine(["rev-parse", "--verify", "--quiet", "\(revision)^{commit}"])
  }

  /// The lines of a git command's output (at most 4 MiB of it), none when it failed.
  func lines(_ arguments: [String]) async -> [String] {
    let output = await GitText.run(arguments, in: root, limit: 4 << 20)
    return (output?.text ?? "").split(separator: "\n").map(String.init)
  }

  /// The first line of a git command's output, nil when it failed or printed nothing.
  func firstLine(_ arguments: [String]) async -> String? {
    guard let output = await GitText.run(arguments, in: root, limit: 64 << 10) else { return nil }
    let line = output.text.split(separator: "\n").first.map(String.init) ?? ""
    return line.isEmpty ? nil : line
  }
}
