/// One lane transition row of `status.events.jsonl`, reduced to what the fold needs.
public struct TransitionEvent: Sendable, Equatable {
  public var eventID: LogKey
  public var wpID: String
  public var fromLane: Lane
  public var toLane: Lane
  public var at: LogKey
  /// The actor's identity string (a structured actor projects to its `tool`, then `role`).
  public var actor: String
  public var force: Bool
  public var reason: String?
  public var reasonSource: String?
  public var reviewRef: String?
  /// `ReviewResult.to_dict()` of the row's review_result, when it carried one.
  public var reviewResult: JSONObject?
  public var missionSlug: String
  /// The claim sidecar a `planned -> claimed` row copies into the snapshot (`shell_pid`, …, `agent`).
  public var claimSidecar: JSONObject?

  /// A reviewer sending work back: `in_review -> in_progress`, or the legacy `for_review -> in_progress`
  /// with a review reference. Rollbacks win over forward moves with the same timestamp.
  public var isRollback: Bool {
    Self.isRollback(from: fromLane, to: toLane, hasReviewRef: reviewRef != nil)
  }

  /// `isRollback` from the fields it reads (the reducer passes them through a pointer: calling the property on
  /// `pointee` would copy the whole event first).
  @inline(__always)
  static func isRollback(from: Lane, to: Lane, hasReviewRef: Bool) -> Bool {
    guard to == .inProgress else { return false }
    if from == .inReview { return true }
    return from == .forReview && hasReviewRef
  }
}

/// An off-axis annotation row (`"kind": "annotation"`): a runtime-state delta for one WP.
public struct AnnotationEvent: Sendable, Equatable {
  public var eventID: String
  public var wpID: String
  public var at: String
  public var actor: String
  public var delta: JSONObject
}

/// Everything in an event log that moves or annotates WP state (mission lifecycle rows are skipped).
public struct EventStream: Sendable, Equatable {
  /// The transitions in file order, as the reader's threads produced them, one array per part of the file.
  /// They stay apart because joining them would copy (retain and release) every event; the reducer walks them.
  public internal(set) var transitionParts: [[TransitionEvent]]
  public var annotations: [AnnotationEvent] = []
  /// Whether the log holds `retrospective.*` rows (status.json then carries a `retrospective` block).
  public var hasRetrospectiveRows = false

  public init(transitions: [TransitionEvent] = [], annotations: [AnnotationEvent] = []) {
    self.transitionParts = [transitions]
    self.annotations = annotations
  }

  init(transitionParts: [[TransitionEvent]], annotations: [AnnotationEvent]) {
    self.transitionParts = transitionParts
    self.annotations = annotations
  }

  /// The transitions in file order (joined: a copy when the log was read in parts).
  public var transitions: [TransitionEvent] {
    get { transitionParts.count == 1 ? transitionParts[0] : Array(transitionParts.joined()) }
    set { transitionParts = [newValue] }
  }

  /// Streams are equal when they hold the same events, however the reader split them.
  public static func == (a: EventStream, b: EventStream) -> Bool {
    a.annotations == b.annotations && a.hasRetrospectiveRows == b.hasRetrospectiveRows
      && a.transitionParts.joined().elementsEqual(b.transitionParts.joined())
  }
}
