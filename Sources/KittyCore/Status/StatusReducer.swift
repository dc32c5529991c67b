/// Folds an event stream into a `StatusSnapshot` with spec-kitty 3.2.7's rules (host-contract §5.4):
/// transitions deduplicated by `event_id` (first wins) and sorted by `(at, event_id)`; a rollback beats a
/// forward move with the same `at`; runtime slots carry forward; annotations are folded afterwards.
public enum StatusReducer {
  /// Slots a transition carries forward from the previous state.
  static let runtimeSlots = [
    "shell_pid", "shell_pid_created_at", "subtasks", "notes", "tracker_refs", "agent", "assignee", "review",
    "role", "agent_profile", "agent_profile_version", "model", "provider",
  ]
  /// Annotation fields whose present, non-empty value replaces the slot of the same name.
  static let replaceSlots = [
    "shell_pid", "shell_pid_created_at", "agent", "assignee", "role", "agent_profile", "agent_profile_version",
    "model", "provider",
  ]
  static let claimReleaseSlots = ["agent", "shell_pid", "shell_pid_created_at"]
  static let syntheticReasonPrefixes = ["Force move to ", "move-task: "]

  public static func reduce(_ stream: EventStream) -> StatusSnapshot {
    let events = stream.transitions
    var seen = Set<LogKey>()
    seen.reserveCapacity(events.count)
    // Sort positions, not the events themselves: the events stay where the reader put them.
    var order: [Int] = []
    order.reserveCapacity(events.count)
    for index in events.indices where seen.insert(events[index].eventID).inserted {
      order.append(index)
    }
    // Logs are appended in time order, so the sort is usually a no-op: check before sorting.
    let sorted = zip(order, order.dropFirst()).allSatisfy { !precedes(events[$1], events[$0]) }
    if !sorted { order.sort { precedes(events[$0], events[$1]) } }

    var states: [String: WPState] = [:]
    for index in order {
      let event = events[index]
      let current = states[event.wpID]
      if shouldApply(event, over: current) {
        states[event.wpID] = state(from: event, previous: current)
      }
    }

    let annotationOrder = stream.annotations.indices.map { (LogKey(stream.annotations[$0].at), LogKey(stream.annotations[$0].eventID), $0) }
      .sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }.map(\.2)
    for annotation in annotationOrder.map({ stream.annotations[$0] }) {
      var state =
        states[annotation.wpID]
        ?? WPState(
          lane: Lane.uninitialized.rawValue, actor: annotation.actor, lastTransitionKey: nil, lastEventKey: nil,
          forceCount: 0, slots: JSONObject(), setByRollback: false)
      apply(annotation.delta, to: &state)
      states[annotation.wpID] = state
    }

    var summary: [Lane: Int] = [:]
    for lane in Lane.display { summary[lane] = 0 }
    for state in states.values {
      if let lane = state.laneValue, lane.isDisplay { summary[lane, default: 0] += 1 }
    }

    let last = order.last.map { events[$0] }
    let first = order.first.map { events[$0] }
    return StatusSnapshot(
      missionSlug: first.map { MissionPaths.isSafeSegment($0.missionSlug) ? $0.missionSlug : "" } ?? "",
      materializedAt: last?.at.string ?? "",
      eventCount: order.count,
      lastEventID: last?.eventID.string,
      workPackages: states,
      summary: summary
    )
  }

  /// Python compares the `(at, event_id)` tuples as plain strings (code point order).
  @inline(__always)
  static func precedes(_ a: TransitionEvent, _ b: TransitionEvent) -> Bool {
    if a.at != b.at { return a.at < b.at }
    return a.eventID < b.eventID
  }

  static func shouldApply(_ event: TransitionEvent, over current: WPState?) -> Bool {
    guard let current, current.lastTransitionKey == event.at else { return true }
    if event.isRollback && !current.setByRollback { return true }
    if current.lastEventKey != nil && current.setByRollback && !event.isRollback { return false }
    return true
  }

  static func state(from event: TransitionEvent, previous: WPState?) -> WPState {
    var slots = JSONObject()
    if let previous {
      for slot in runtimeSlots {
        if let value = previous.slots[slot] { slots[slot] = value }
      }
    }
    if event.fromLane == .planned, event.toLane == .claimed {
      let sidecar = event.claimSidecar ?? JSONObject()
      if let pid = sidecar["shell_pid"], pid != .null { slots["shell_pid"] = pid }
      if let created = sidecar["shell_pid_created_at"], created != .null { slots["shell_pid_created_at"] = created }
      if let agent = sidecar["agent"], agent.isTruthy { slots["agent"] = agent }
    }
    if let result = event.reviewResult {
      slots["review_result"] = .object(result)
    } else if event.fromLane == .inReview {
      slots["review_result"] = .null
    } else if let previous, let kept = previous.slots["review_result"] {
      slots["review_result"] = kept
    }
    if event.toLane == .canceled {
      slots["cancellation_reason"] = .optional(event.reason)
      slots["reason_source"] = .string(cancellationSource(event))
    }
    return WPState(
      lane: event.toLane.rawValue,
      actor: event.actor,
      lastTransitionKey: event.at,
      lastEventKey: event.eventID,
      forceCount: (previous?.forceCount ?? 0) + (event.force ? 1 : 0),
      slots: slots,
      setByRollback: event.isRollback
    )
  }

  static func cancellationSource(_ event: TransitionEvent) -> String {
    if let source = event.reasonSource { return source }
    guard let reason = event.reason, !reason.trimmingWhitespace.isEmpty else { return "synthetic" }
    if syntheticReasonPrefixes.contains(where: reason.hasPrefix) { return "synthetic" }
    return "operator"
  }

  static func apply(_ delta: JSONObject, to state: inout WPState) {
    if delta["release_runtime_claim"]?.isTruthy == true {
      for slot in claimReleaseSlots { state.slots[slot] = .null }
    }
    for slot in replaceSlots {
      guard let value = delta[slot], value != .null, value != .string("") else { continue }
      if slot == "shell_pid", case .string(let text) = value, let number = Int(text) {
        state.slots[slot] = .int(number)
      } else {
        state.slots[slot] = value
      }
    }
    if let subtasks = delta["subtasks"]?.objectValue {
      var current = state.slots["subtasks"]?.objectValue ?? JSONObject()
      for (id, status) in subtasks { current[id] = status }
      state.slots["subtasks"] = .object(current)
    }
    if let note = delta["note"], note != .null {
      var notes = state.slots["notes"]?.arrayValue ?? []
      notes.append(note)
      state.slots["notes"] = .array(notes)
    }
    if let replace = delta["tracker_refs_replace"]?.arrayValue {
      var unique: [JSONValue] = []
      for ref in replace where !unique.contains(ref) { unique.append(ref) }
      state.slots["tracker_refs"] = .array(unique)
    } else if let refs = delta["tracker_refs"]?.arrayValue {
      var merged = state.slots["tracker_refs"]?.arrayValue ?? []
      for ref in refs where !merged.contains(ref) { merged.append(ref) }
      state.slots["tracker_refs"] = .array(merged)
    }
    if let review = delta["review"]?.objectValue {
      let fields = ["at", "actor", "wp_id", "reason"].map { key in
        review[key].map(EventLogReader.pythonString) ?? ""
      }
      if fields.allSatisfy(\.isEmpty) {
        state.slots["review"] = .null
      } else {
        state.slots["review"] = .object(
          JSONObject(zip(["at", "actor", "wp_id", "reason"], fields.map { .string($0) }).map { ($0, $1) }))
      }
    }
  }
}

extension String {
  var trimmingWhitespace: String {
    var s = Substring(self)
    while let f = s.first, f.isWhitespace { s.removeFirst() }
    while let l = s.last, l.isWhitespace { s.removeLast() }
    return String(s)
  }
}
