import Foundation
import KittyCore

/// The seed-003 dialect: the verbs, flags, payloads and error codes of spec-kitty 1.0.3 (recorded in
/// Tests/Conformance/seed003), answered from git-kitty's one state model, 3.2.7's event log. API lanes are 1.0.3's
/// (`planned, in_progress, for_review, done, blocked, canceled`); 1.0.3's moves that 3.2.7's lanes lack are written
/// as the legal 3.2.7 event sequences they stand for. docs/seed-003-dialect.md has the decisions.
enum Seed003 {
  static let apiVersion = "1.0.0"
  static let featureOption = "--feature"

  /// Runs a verb called in the dialect and returns its 1.0.3-shaped `data`; failures are already translated.
  static func execute(_ verb: Verb, _ args: VerbArguments, currentDirectory: String) throws(HostFailure)
    -> JSONObject
  {
    do {
      return try run(verb, args, currentDirectory: currentDirectory)
    } catch {
      throw translate(error)
    }
  }

  private static func run(_ verb: Verb, _ args: VerbArguments, currentDirectory: String) throws(HostFailure)
    -> JSONObject
  {
    if verb == .contractVersion {
      return try NativeHost.contractVersion(providerVersion: args["--provider-version"], apiVersion: apiVersion)
    }
    let host = NativeHost(repository: try HostRepository.locate(from: currentDirectory))
    let feature = args[featureOption]!
    switch verb {
    case .contractVersion:
      return try NativeHost.contractVersion(providerVersion: args["--provider-version"], apiVersion: apiVersion)
    case .missionState:
      return featureState(try host.missionState(mission: feature).data)
    case .listReady:
      let ready = try host.listReady(mission: feature).data
      let state = try host.missionState(mission: feature).data
      var dependencies: [String: [JSONValue]] = [:]
      for wp in state["work_packages"]?.arrayValue ?? [] {
        if let id = wp["wp_id"]?.stringValue { dependencies[id] = wp["dependencies"]?.arrayValue ?? [] }
      }
      let entries: [JSONValue] = (ready["ready_work_packages"]?.arrayValue ?? []).map { wp in
        let id = wp["wp_id"]?.stringValue ?? ""
        return [
          "wp_id": .string(id), "lane": .string(apiLane(wp["lane"]?.stringValue)), "dependencies_satisfied": true,
          "recommended_base": dependencies[id]?.last ?? .null,
        ]
      }
      return ["feature_slug": slug(of: ready), "ready_work_packages": .array(entries)]
    case .startImplementation:
      let data = try host.startImplementation(
        mission: feature, wp: args["--wp"]!, actor: args["--actor"]!, policy: args["--policy"]
      ).data
      return [
        "feature_slug": slug(of: data), "wp_id": data["wp_id"] ?? .null,
        "from_lane": .string(apiLane(data["from_lane"]?.stringValue)), "to_lane": "in_progress",
        "workspace_path": data["workspace_path"] ?? .null, "prompt_path": data["prompt_path"] ?? .null,
        "policy_metadata_recorded": true, "no_op": data["no_op"] ?? false,
      ]
    case .startReview:
      return try startReview(host, feature: feature, args)
    case .transition:
      return try transition(host, feature: feature, args)
    case .appendHistory:
      let answer = try host.appendHistory(
        mission: feature, wp: args["--wp"]!, actor: args["--actor"]!, note: args["--note"]!)
      return [
        "feature_slug": slug(of: answer.data), "wp_id": .string(answer.value.wp),
        "history_entry_id": .string(answer.value.id),
      ]
    case .acceptMission:
      let answer = try host.acceptMission(mission: feature, actor: args["--actor"]!)
      return [
        "feature_slug": slug(of: answer.data), "accepted": true, "mode": "auto",
        "accepted_at": .string(answer.value.acceptedAt),
      ]
    case .mergeMission:
      return try mergeFeature(host, feature: feature, args)
    case .resolveWorkspace:
      // Not a 1.0.3 verb: 3.2.7's payload, named the dialect's way.
      let data = try host.resolveWorkspace(mission: feature, wp: args["--wp"]!).data
      var answer: JSONObject = ["feature_slug": slug(of: data)]
      for (key, value) in data where !identityKeys.contains(key) { answer[key] = value }
      return answer
    }
  }

  // MARK: lanes

  /// A 3.2.7 lane as the dialect shows it: `claimed` reads as `in_progress` (as 1.0.3 reads it), `in_review` as
  /// `for_review` (waiting for a verdict); `approved` and the rest pass through, as 1.0.3 passes unknown lanes.
  static func apiLane(_ lane: String?) -> String {
    switch lane ?? Lane.planned.rawValue {
    case Lane.claimed.rawValue, Lane.inProgress.rawValue: return "in_progress"
    case Lane.inReview.rawValue: return "for_review"
    case Lane.genesis.rawValue, Lane.uninitialized.rawValue: return "planned"
    case let other: return other
    }
  }

  /// `--to` as 1.0.3 reads it: stripped, lower-cased, `doing` and `claimed` meaning `in_progress`.
  static func requestedLane(_ text: String) -> String? {
    let lane = text.trimmingWhitespace.lowercased()
    if ["in_progress", "doing", "claimed"].contains(lane) { return "in_progress" }
    return ["planned", "for_review", "done", "blocked", "canceled"].contains(lane) ? lane : nil
  }

  // MARK: feature-state

  static func featureState(_ state: JSONObject) -> JSONObject {
    var summary: JSONObject = ["total_work_packages": 0, "planned": 0, "in_progress": 0, "for_review": 0, "done": 0]
    var packages: [JSONValue] = []
    for wp in state["work_packages"]?.arrayValue ?? [] {
      let lane = apiLane(wp["lane"]?.stringValue)
      summary[lane] = .int((summary[lane]?.intValue ?? 0) + 1)
      packages.append([
        "wp_id": wp["wp_id"] ?? .null, "lane": .string(lane), "dependencies": wp["dependencies"] ?? [],
        "last_actor": wp["last_actor"] ?? .null,
      ])
    }
    summary["total_work_packages"] = .int(packages.count)
    return ["feature_slug": slug(of: state), "summary": .object(summary), "work_packages": .array(packages)]
  }

  // MARK: transition

  static let policyLanes: Set<String> = ["claimed", "in_progress", "doing", "for_review"]

  /// 1.0.3's checks in 1.0.3's order, then its moves, each made of legal 3.2.7 events.
  static func transition(_ host: NativeHost, feature: String, _ args: VerbArguments) throws(HostFailure)
    -> JSONObject
  {
    let wp = args["--wp"]!
    let actor = args["--actor"]!
    let requested = args["--to"]!.trimmingWhitespace.lowercased()
    let policyText = args["--policy"].flatMap { $0.isEmpty ? nil : $0 }
    if policyText == nil, policyLanes.contains(requested) {
      throw HostFailure(.policyMetadataRequired, "--policy is required when transitioning to '\(requested)'")
    }
    let policy = try policyText.map { text throws(HostFailure) in try NativeHost.parsePolicy(text) }
    let mission = try host.repository.mission(feature)
    _ = try NativeHost.promptPathOrFail(mission: mission, wp: wp, handle: feature)
    guard let target = requestedLane(requested) else {
      throw HostFailure(.transitionRejected, "Unsupported target lane '\(requested)'")
    }
    let lane = try NativeHost.snapshot(mission).lane(of: wp)
    let from = apiLane(lane.rawValue)
    func answer(_ from: String) -> JSONObject {
      [
        "feature_slug": .string(mission.slug), "wp_id": .string(wp), "from_lane": .string(from),
        "to_lane": .string(target), "policy_metadata_recorded": .bool(policy != nil),
      ]
    }
    func plain(_ to: Lane, subtasksComplete: Bool? = nil, force: Bool = false) throws(HostFailure) {
      var request = NativeHost.TransitionArguments(mission: feature, wp: wp, to: to.rawValue, actor: actor)
      request.note = args["--note"]
      request.policy = policyText
      request.force = force
      request.reviewRef = args["--review-ref"]
      request.subtasksComplete = subtasksComplete
      _ = try host.transition(request)
    }
    if args.flag("--force") {
      // 3.2.7's force (a --note is required), to the lane the dialect names.
      try plain(target == "in_progress" ? .inProgress : Lane(rawValue: target)!, force: true)
      return answer(from)
    }
    if from == target { return answer(from) }  // 1.0.3: a move to the current lane succeeds and writes nothing
    switch (from, target) {
    case ("planned", "in_progress"):
      // The only way into in_progress is 3.2.7's claim: start-implementation (dependency gate, lane worktree).
      _ = try host.startImplementation(mission: feature, wp: wp, actor: actor, policy: policyText)
    case ("in_progress", "for_review"):
      // 1.0.3 has no subtask roster check: the dialect implies --subtasks-complete (the marks are recorded).
      try plain(.forReview, subtasksComplete: true)
    case ("for_review", "done"), ("approved", "done"):
      let reference = args["--review-ref"] ?? "\(mission.slug)/\(wp):approved-by:\(actor)"
      _ = try host.recordReviewVerdict(
        mission: feature, wp: wp, actor: actor, policy: policy,
        verdict: .init(approved: true, target: .done, reviewRef: reference, reason: args["--note"]))
    case ("for_review", "in_progress"), ("for_review", "planned"):
      guard let reviewRef = args["--review-ref"], !reviewRef.isEmpty else {
        let suffix = target == "planned" ? " (review rejection)" : ""
        throw HostFailure(.transitionRejected, "--review-ref is required for for_review -> \(target)\(suffix)")
      }
      _ = try host.recordReviewVerdict(
        mission: feature, wp: wp, actor: actor, policy: policy,
        verdict: .init(
          approved: false, target: target == "planned" ? .planned : .inProgress, reviewRef: reviewRef,
          reason: args["--note"]))
    case (_, "blocked"), (_, "canceled"):
      try plain(Lane(rawValue: target)!)
    default:
      throw HostFailure(.transitionRejected, "Transition \(from) -> \(target) is not allowed without --force")
    }
    return answer(from)
  }

  // MARK: start-review (a rejection in this dialect)

  static func startReview(_ host: NativeHost, feature: String, _ args: VerbArguments) throws(HostFailure)
    -> JSONObject
  {
    let wp = args["--wp"]!
    guard let policyText = args["--policy"], !policyText.isEmpty else {
      throw HostFailure(.policyMetadataRequired, "--policy is required for start-review")
    }
    guard let reviewRef = args["--review-ref"], !reviewRef.isEmpty else {
      throw HostFailure(.transitionRejected, "--review-ref is required for start-review (for_review -> in_progress)")
    }
    let policy = try NativeHost.parsePolicy(policyText)
    let mission = try host.repository.mission(feature)
    let promptPath = try NativeHost.promptPathOrFail(mission: mission, wp: wp, handle: feature)
    let current = apiLane(try NativeHost.snapshot(mission).lane(of: wp).rawValue)
    guard current == "for_review" else {
      throw HostFailure(
        .transitionRejected, "WP \(wp) must be in 'for_review' for start-review (current: '\(current)')")
    }
    _ = try host.recordReviewVerdict(
      mission: feature, wp: wp, actor: args["--actor"]!, policy: policy,
      verdict: .init(approved: false, target: .inProgress, reviewRef: reviewRef, reason: "Review requested changes"))
    return [
      "feature_slug": .string(mission.slug), "wp_id": .string(wp), "from_lane": "for_review",
      "to_lane": "in_progress", "prompt_path": .string(promptPath), "policy_metadata_recorded": true,
    ]
  }

  // MARK: merge-feature

  static let strategies = ["merge", "squash"]

  static func mergeFeature(_ host: NativeHost, feature: String, _ args: VerbArguments) throws(HostFailure)
    -> JSONObject
  {
    let strategy = args["--strategy"] ?? "merge"
    guard strategies.contains(strategy) else {
      throw HostFailure(
        .unsupportedStrategy, "Unsupported strategy '\(strategy)'",
        fields: ["strategy": .string(strategy), "supported": .strings(strategies)])
    }
    // What the merge takes in: every WP that is approved or done (1.0.3 reports them as `merged_wps`).
    let before = try host.missionState(mission: feature).data
    let finished: [String] = (before["work_packages"]?.arrayValue ?? []).compactMap { wp in
      guard let lane = wp["lane"]?.stringValue, lane == "approved" || lane == "done" else { return nil }
      return wp["wp_id"]?.stringValue
    }
    let data = try host.mergeMission(
      mission: feature, target: args["--target"], strategy: strategy, push: args.flag("--push"),
      selection: args.flag("--allow-partial") ? .finished : .all
    ).data
    var answer: JSONObject = [
      "feature_slug": slug(of: data), "merged": data["merged"] ?? true, "target_branch": data["target_branch"] ?? .null,
      "strategy": .string(strategy), "merged_wps": .strings(finished),
      "worktree_removed": data["worktree_removed"] ?? false,
    ]
    // With --allow-partial, git-kitty merges the lanes whose work is finished and says which it left.
    if let skipped = data["skipped_lanes"] { answer["skipped_lanes"] = skipped }
    return answer
  }

  // MARK: failures

  static let identityKeys = ["mission_slug", "mission_number", "mission_type"]
  /// Codes whose 1.0.3 `data` is the structured fields alone, without `message`.
  static let structuredCodes: Set<ErrorCode> = [
    .wpAlreadyClaimed, .featureNotReady, .preflightFailed, .unsupportedStrategy, .contractVersionMismatch,
  ]

  /// 1.0.3's names for 3.2.7's codes, and 1.0.3's `data`: the structured fields without the 3.2.7 identity
  /// triplet, and no `message` where 1.0.3 sent structured data alone.
  static func translate(_ failure: HostFailure) -> HostFailure {
    var code = failure.code
    var message = failure.message
    switch code {
    case .missionNotFound:
      code = .featureNotFound
      if message.hasPrefix("Mission '") { message = "Feature '" + message.dropFirst("Mission '".count) }
    case .missionNotReady: code = .featureNotReady
    // 1.0.3 had no dependency gate; the guide retries on TRANSITION_REJECTED.
    case .dependenciesNotSatisfied: code = .transitionRejected
    default: break
    }
    var fields = failure.fields
    for key in identityKeys { fields[key] = nil }
    return HostFailure(code, message, fields: fields, exitCode: failure.exitCode)
  }

  /// The dialect's failure envelope `data`.
  static func failureData(_ failure: HostFailure) -> JSONObject {
    var data = failure.fields
    data["message"] = nil
    if structuredCodes.contains(failure.code) && !data.isEmpty { return data }
    data["message"] = .string(failure.message)
    return data
  }

  static func slug(of data: JSONObject) -> JSONValue { data["mission_slug"] ?? .null }
}
