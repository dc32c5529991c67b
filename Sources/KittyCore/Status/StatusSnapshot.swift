/// One WP's reduced state, as it appears under `work_packages` in status.json.
public struct WPState: Sendable, Equatable {
  public var lane: String
  public var actor: String
  var lastTransitionKey: LogKey?
  var lastEventKey: LogKey?
  public var forceCount: Int
  /// The runtime slots that carry forward across transitions (`subtasks`, `notes`, `agent`, `shell_pid`, …).
  public var runtime: JSONObject
  /// `review_result`: nil when never set, `.null` after a forced exit from in_review, else the result object.
  public var reviewResultSlot: JSONValue?
  /// `cancellation_reason` and `reason_source`, present only while the WP is canceled.
  public var cancellation: (reason: JSONValue, source: String)?
  /// Whether the transition that set this state was a reviewer rollback (for same-`at` precedence).
  var setByRollback: Bool

  /// The state before a WP's first transition (which always applies: no `at` to tie with).
  static let blank = WPState(
    lane: "", actor: "", lastTransitionKey: nil, lastEventKey: nil, forceCount: 0, runtime: JSONObject(),
    reviewResultSlot: nil, cancellation: nil, setByRollback: false)

  public var laneValue: Lane? { Lane(logValue: lane) }
  public var lastTransitionAt: String? { lastTransitionKey?.string }
  public var lastEventID: String? { lastEventKey?.string }

  public var reviewResult: JSONObject? { reviewResultSlot?.objectValue }
  public var reasonSource: String? { cancellation?.source }

  /// The one rule for "a WP that depends on this one may start": approved or done, or canceled by an operator.
  public var satisfiesDependents: Bool {
    guard let lane = laneValue else { return false }
    return lane == .approved || lane == .done || (lane == .canceled && reasonSource == "operator")
  }

  /// Every slot beyond the five fixed fields, as status.json lists them.
  public var slots: JSONObject {
    var object = runtime
    if let reviewResultSlot { object["review_result"] = reviewResultSlot }
    if let cancellation {
      object["cancellation_reason"] = cancellation.reason
      object["reason_source"] = .string(cancellation.source)
    }
    return object
  }

  /// The `subtasks` slot: subtask id -> lane string.
  public var subtasks: [String: String] {
    var result: [String: String] = [:]
    for (key, value) in runtime["subtasks"]?.objectValue ?? JSONObject() {
      if let text = value.stringValue { result[key] = text }
    }
    return result
  }

  public var json: JSONValue {
    var object: JSONObject = [
      "lane": .string(lane),
      "actor": .string(actor),
      "last_transition_at": .optional(lastTransitionAt),
      "last_event_id": .optional(lastEventID),
      "force_count": .int(forceCount),
    ]
    for (key, value) in slots { object[key] = value }
    return .object(object)
  }

  public static func == (lhs: WPState, rhs: WPState) -> Bool {
    lhs.lane == rhs.lane && lhs.actor == rhs.actor && lhs.lastTransitionKey == rhs.lastTransitionKey
      && lhs.lastEventKey == rhs.lastEventKey && lhs.forceCount == rhs.forceCount && lhs.slots == rhs.slots
  }
}

/// The fold of a mission's event log: what status.json holds.
public struct StatusSnapshot: Sendable, Equatable {
  public var missionSlug: String
  public var materializedAt: String
  public var eventCount: Int
  public var lastEventID: String?
  public var workPackages: [String: WPState]
  public var summary: [Lane: Int]

  /// The WP's lane, `planned` when the log has never mentioned it (spec-kitty's read default).
  public func lane(of wpID: String) -> Lane {
    workPackages[wpID]?.laneValue ?? .planned
  }

  /// status.json's object, given the mission's identity fields.
  public func json(missionNumber: String, missionType: String) -> JSONValue {
    var wps = JSONObject()
    for key in workPackages.keys.sorted() { wps[key] = workPackages[key]!.json }
    var counts = JSONObject()
    for lane in Lane.display { counts[lane.rawValue] = .int(summary[lane] ?? 0) }
    return .object([
      "mission_slug": .string(missionSlug),
      "mission_number": .string(missionNumber),
      "mission_type": .string(missionType),
      "materialized_at": .string(materializedAt),
      "event_count": .int(eventCount),
      "last_event_id": .optional(lastEventID),
      "work_packages": .object(wps),
      "summary": .object(counts),
    ])
  }

  /// The exact bytes spec-kitty's `materialize()` writes to status.json.
  public func fileContents(missionNumber: String, missionType: String) -> String {
    JSONWriter.snapshotFile.string(json(missionNumber: missionNumber, missionType: missionType)) + "\n"
  }
}
