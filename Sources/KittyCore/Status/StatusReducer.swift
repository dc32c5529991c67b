/// Folds an event stream into a `StatusSnapshot` with spec-kitty 3.2.7's rules (host-contract §5.4):
/// transitions deduplicated by `event_id` (first wins) and sorted by `(at, event_id)`; a rollback beats a
/// forward move with the same `at`; runtime slots carry forward; annotations are folded afterwards.
public enum StatusReducer {
  /// Annotation fields whose present, non-empty value replaces the slot of the same name.
  static let replaceSlots = [
    "shell_pid", "shell_pid_created_at", "agent", "assignee", "role", "agent_profile", "agent_profile_version",
    "model", "provider",
  ]
  static let claimReleaseSlots = ["agent", "shell_pid", "shell_pid_created_at"]
  static let syntheticReasonPrefixes = ["Force move to ", "move-task: "]

  /// Where one transition sits in `EventStream.transitionParts`.
  struct EventRef {
    var part: Int
    var index: Int
  }

  public static func reduce(_ stream: EventStream) -> StatusSnapshot {
    let parts = stream.transitionParts
    let order = foldOrder(parts)
    let folded = foldTransitions(parts, in: order)
    let last = order.last.map { parts[$0.part][$0.index] }
    let first = order.first.map { parts[$0.part][$0.index] }
    return snapshot(
      ids: folded.ids, folded: folded.states, annotations: stream.annotations, firstSlug: first?.missionSlug,
      lastAt: last?.at.string, lastEventID: last?.eventID.string, eventCount: order.count)
  }

  /// The snapshot of folded transitions (`ids` in order of first sight, their states) with the annotations
  /// applied on top, as `reduce` builds it; the incremental fold builds it the same way.
  static func snapshot(
    ids: [String], folded: [WPState], annotations: [AnnotationEvent], firstSlug: String?, lastAt: String?,
    lastEventID: String?, eventCount: Int
  ) -> StatusSnapshot {
    var states: [String: WPState] = [:]
    states.reserveCapacity(ids.count)
    for (slot, id) in ids.enumerated() { states[id] = folded[slot] }

    let annotationOrder = annotations.indices.map {
      (LogKey(annotations[$0].at), LogKey(annotations[$0].eventID), $0)
    }.sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }.map(\.2)
    for annotation in annotationOrder.map({ annotations[$0] }) {
      var state =
        states[annotation.wpID]
        ?? WPState(
          lane: Lane.uninitialized.rawValue, actor: annotation.actor, lastTransitionKey: nil, lastEventKey: nil,
          forceCount: 0, runtime: JSONObject(), reviewResultSlot: nil, cancellation: nil, setByRollback: false)
      apply(annotation.delta, to: &state.runtime)
      states[annotation.wpID] = state
    }

    var summary: [Lane: Int] = [:]
    for lane in Lane.display { summary[lane] = 0 }
    for state in states.values {
      if let lane = state.laneValue, lane.isDisplay { summary[lane, default: 0] += 1 }
    }

    return StatusSnapshot(
      missionSlug: firstSlug.map { MissionPaths.isSafeSegment($0) ? $0 : "" } ?? "",
      materializedAt: lastAt ?? "",
      eventCount: eventCount,
      lastEventID: lastEventID,
      workPackages: states,
      summary: summary
    )
  }

  /// One WP's state as a snapshot shows it: its folded state (nil when it has no transition) with its
  /// annotations (in log order) applied in `(at, event_id)` order, as `snapshot` applies them.
  static func annotate(_ folded: WPState?, _ annotations: [AnnotationEvent]) -> WPState? {
    guard !annotations.isEmpty else { return folded }
    let order = annotations.indices.map { (LogKey(annotations[$0].at), LogKey(annotations[$0].eventID), $0) }
      .sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }.map(\.2)
    var state =
      folded
      ?? WPState(
        lane: Lane.uninitialized.rawValue, actor: annotations[order[0]].actor, lastTransitionKey: nil,
        lastEventKey: nil, forceCount: 0, runtime: JSONObject(), reviewResultSlot: nil, cancellation: nil,
        setByRollback: false)
    for index in order { apply(annotations[index].delta, to: &state.runtime) }
    return state
  }

  /// The snapshot of folded transitions whose annotated WPs (`annotated`, from `annotate`) are already known.
  static func snapshot(
    ids: [String], folded: [WPState], annotated: [String: WPState], firstSlug: String?, lastAt: String?,
    lastEventID: String?, eventCount: Int
  ) -> StatusSnapshot {
    var states = annotated
    states.reserveCapacity(ids.count)
    for (slot, id) in ids.enumerated() where annotated[id] == nil { states[id] = folded[slot] }
    var summary: [Lane: Int] = [:]
    for lane in Lane.display { summary[lane] = 0 }
    for state in states.values {
      if let lane = state.laneValue, lane.isDisplay { summary[lane, default: 0] += 1 }
    }
    return StatusSnapshot(
      missionSlug: firstSlug.map { MissionPaths.isSafeSegment($0) ? $0 : "" } ?? "",
      materializedAt: lastAt ?? "",
      eventCount: eventCount,
      lastEventID: lastEventID,
      workPackages: states,
      summary: summary
    )
  }

  /// The events to fold, in fold order: the first of each `event_id`, sorted by `(at, event_id)`.
  static func foldOrder(_ parts: [[TransitionEvent]]) -> [EventRef] {
    var seen = LogKeySet(minimumCapacity: parts.reduce(0) { $0 + $1.count })
    return foldOrder(parts, seen: &seen)
  }

  /// `foldOrder`, leaving in `seen` every event id it met (the incremental fold keeps them).
  static func foldOrder(_ parts: [[TransitionEvent]], seen: inout LogKeySet) -> [EventRef] {
    let count = parts.reduce(0) { $0 + $1.count }
    // Sort references, not the events themselves: the events stay where the reader put them.
    var order: [EventRef] = []
    order.reserveCapacity(count)
    for (part, events) in parts.enumerated() {
      for index in events.indices where seen.insert(events[index].eventID) {
        order.append(EventRef(part: part, index: index))
      }
    }
    // Python compares the `(at, event_id)` tuples as plain strings (code point order, as `LogKey` does).
    // The keys are read in place: passing whole events would copy them.
    func precedes(_ a: EventRef, _ b: EventRef) -> Bool {
      let (atA, atB) = (parts[a.part][a.index].at, parts[b.part][b.index].at)
      if atA != atB { return atA < atB }
      return parts[a.part][a.index].eventID < parts[b.part][b.index].eventID
    }
    // Logs are appended in time order, so the sort is usually a no-op: check before sorting.
    let sorted = zip(order, order.dropFirst()).allSatisfy { !precedes($1, $0) }
    if !sorted { order.sort(by: precedes) }
    return order
  }

  /// Folds the transitions in `order` into one state per WP; returns the WP ids in order of first sight and
  /// their states.
  static func foldTransitions(_ parts: [[TransitionEvent]], in order: [EventRef]) -> Folded {
    var folded = Folded()
    // Runs of events from the same part (the whole log when it was in time order) share one buffer access.
    var runStart = 0
    while runStart < order.count {
      let part = order[runStart].part
      var runEnd = runStart + 1
      while runEnd < order.count, order[runEnd].part == part { runEnd += 1 }
      parts[part].withUnsafeBufferPointer { buffer in
        // Work through the pointer: copying each event would retain and release all of its fields.
        for ref in order[runStart..<runEnd] { folded.fold(buffer.baseAddress! + ref.index) }
      }
      runStart = runEnd
    }
    return folded
  }

  /// States folded so far, one per WP in order of first sight (a dense index, so each event costs one hash lookup
  /// and an in-place update): what a fold that reads its rows as they come (`IncrementalFold.streamed`) keeps
  /// between them.
  struct Folded {
    var ids: [String] = []
    var states: [WPState] = []
    var slotOf: [String: Int] = [:]

    /// Folds the next event in fold order.
    mutating func fold(_ event: UnsafePointer<TransitionEvent>) {
      let slot: Int
      if let known = slotOf[event.pointee.wpID] {
        slot = known
      } else {
        slot = states.count
        slotOf[event.pointee.wpID] = slot
        ids.append(event.pointee.wpID)
        states.append(.blank)
      }
      if StatusReducer.shouldApply(event, over: &states[slot]) { StatusReducer.apply(event, to: &states[slot]) }
    }
  }

  /// `current` is inout only so that it is not copied (it is not changed).
  static func shouldApply(_ event: UnsafePointer<TransitionEvent>, over current: inout WPState) -> Bool {
    guard current.lastTransitionKey == event.pointee.at else { return true }
    let rollback = isRollback(event)
    if rollback && !current.setByRollback { return true }
    if current.lastEventKey != nil && current.setByRollback && !rollback { return false }
    return true
  }

  @inline(__always)
  static func isRollback(_ event: UnsafePointer<TransitionEvent>) -> Bool {
    TransitionEvent.isRollback(
      from: event.pointee.fromLane, to: event.pointee.toLane, hasReviewRef: event.pointee.reviewRef != nil)
  }

  /// `_wp_state_from_event`: the new lane and identity; runtime slots carry forward; the claim sidecar,
  /// the review result and the cancellation provenance are projected.
  static func apply(_ event: UnsafePointer<TransitionEvent>, to current: inout WPState) {
    // Mutate in place (no copy of the state per event).
    current.lane = event.pointee.toLane.rawValue
    current.actor = event.pointee.actor
    current.lastTransitionKey = event.pointee.at
    current.lastEventKey = event.pointee.eventID
    if event.pointee.force { current.forceCount += 1 }
    current.setByRollback = isRollback(event)
    if event.pointee.fromLane == .planned, event.pointee.toLane == .claimed, let sidecar = event.pointee.claimSidecar {
      if let pid = sidecar["shell_pid"], pid != .null { current.runtime["shell_pid"] = pid }
      if let created = sidecar["shell_pid_created_at"], created != .null {
        current.runtime["shell_pid_created_at"] = created
      }
      if let agent = sidecar["agent"], agent.isTruthy { current.runtime["agent"] = agent }
    }
    if let result = event.pointee.reviewResult {
      current.reviewResultSlot = .object(result)
    } else if event.pointee.fromLane == .inReview {
      current.reviewResultSlot = .null
    }
    if event.pointee.toLane == .canceled {
      current.cancellation = (.optional(event.pointee.reason), cancellationSource(event.pointee))
    } else if current.cancellation != nil {
      current.cancellation = nil
    }
  }

  static func cancellationSource(_ event: TransitionEvent) -> String {
    if let source = event.reasonSource { return source }
    guard let reason = event.reason, !reason.trimmingWhitespace.isEmpty else { return "synthetic" }
    if syntheticReasonPrefixes.contains(where: reason.hasPrefix) { return "synthetic" }
    return "operator"
  }

  /// `_apply_annotation_delta` on the runtime slots.
  static func apply(_ delta: JSONObject, to runtime: inout JSONObject) {
    if delta["release_runtime_claim"]?.isTruthy == true {
      for slot in claimReleaseSlots { runtime[slot] = .null }
    }
    for slot in replaceSlots {
      guard let value = delta[slot], value != .null, value != .string("") else { continue }
      if slot == "shell_pid", case .string(let text) = value, let number = Int(text) {
        runtime[slot] = .int(number)
      } else {
        runtime[slot] = value
      }
    }
    if let subtasks = delta["subtasks"]?.objectValue {
      var current = runtime["subtasks"]?.objectValue ?? JSONObject()
      for (id, status) in subtasks { current[id] = status }
      runtime["subtasks"] = .object(current)
    }
    if let note = delta["note"], note != .null {
      var notes = runtime["notes"]?.arrayValue ?? []
      notes.append(note)
      runtime["notes"] = .array(notes)
    }
    if let replace = delta["tracker_refs_replace"]?.arrayValue {
      var unique: [JSONValue] = []
      for ref in replace where !unique.contains(ref) { unique.append(ref) }
      runtime["tracker_refs"] = .array(unique)
    } else if let refs = delta["tracker_refs"]?.arrayValue {
      var merged = runtime["tracker_refs"]?.arrayValue ?? []
      for ref in refs where !merged.contains(ref) { merged.append(ref) }
      runtime["tracker_refs"] = .array(merged)
    }
    if let review = delta["review"]?.objectValue {
      let fields = ["at", "actor", "wp_id", "reason"].map { key in
        review[key].map(EventLogReader.pythonString) ?? ""
      }
      if fields.allSatisfy(\.isEmpty) {
        runtime["review"] = .null
      } else {
        runtime["review"] = .object(
          JSONObject(zip(["at", "actor", "wp_id", "reason"], fields.map { .string($0) }).map { ($0, $1) }))
      }
    }
  }
}
