import Foundation

/// A lane transition to append, with every field spec-kitty writes.
public struct TransitionRecord: Sendable, Equatable {
  public var eventID: String
  public var wpID: String
  public var fromLane: Lane
  public var toLane: Lane
  public var at: String
  public var actor: String
  public var force: Bool
  public var executionMode: String = "worktree"
  public var missionSlug: String
  public var missionID: String?
  public var reason: String?
  public var reasonSource: String?
  public var reviewRef: String?
  public var evidence: JSONValue?
  public var reviewResult: JSONObject?
  public var policyMetadata: JSONValue?

  public init(
    eventID: String = ULID.make(), wpID: String, fromLane: Lane, toLane: Lane, at: String, actor: String,
    force: Bool = false, missionSlug: String, missionID: String?, reason: String? = nil, reasonSource: String? = nil,
    reviewRef: String? = nil, evidence: JSONValue? = nil, reviewResult: JSONObject? = nil,
    policyMetadata: JSONValue? = nil
  ) {
    self.eventID = eventID
    self.wpID = wpID
    self.fromLane = fromLane
    self.toLane = toLane
    self.at = at
    self.actor = actor
    self.force = force
    self.missionSlug = missionSlug
    self.missionID = missionID
    self.reason = reason
    self.reasonSource = reasonSource
    self.reviewRef = reviewRef
    self.evidence = evidence
    self.reviewResult = reviewResult
    self.policyMetadata = policyMetadata
  }

  /// `StatusEvent.to_dict()`; the optional keys appear only when set, as in spec-kitty.
  public var json: JSONObject {
    var object: JSONObject = [
      "event_id": .string(eventID),
      "mission_slug": .string(missionSlug),
      "wp_id": .string(wpID),
      "from_lane": .string(fromLane.rawValue),
      "to_lane": .string(toLane.rawValue),
      "at": .string(at),
      "actor": .string(actor),
      "force": .bool(force),
      "execution_mode": .string(executionMode),
      "reason": .optional(reason),
      "review_ref": .optional(reviewRef),
      "evidence": evidence ?? .null,
      "policy_metadata": policyMetadata ?? .null,
    ]
    if let reviewResult { object["review_result"] = .object(reviewResult) }
    if let reasonSource { object["reason_source"] = .string(reasonSource) }
    if let missionID { object["mission_id"] = .string(missionID) }
    return object
  }

  /// The row as it is transformed for the reader (the fold sees exactly what was written).
  public var line: String { JSONWriter.sortedLine.string(.object(json)) }
}

/// An annotation (`InnerStateChanged`) row to append.
public struct AnnotationRecord: Sendable, Equatable {
  public var eventID: String
  public var wpID: String
  public var at: String
  public var actor: String
  public var delta: JSONObject

  public init(eventID: String = ULID.make(), wpID: String, at: String, actor: String, delta: JSONObject) {
    self.eventID = eventID
    self.wpID = wpID
    self.at = at
    self.actor = actor
    self.delta = delta
  }

  public var line: String {
    JSONWriter.sortedLine.string([
      "event_id": .string(eventID), "kind": "annotation", "wp_id": .string(wpID), "at": .string(at),
      "actor": .string(actor), "delta": .object(delta),
    ])
  }
}

/// Appends rows to `status.events.jsonl` atomically: the whole file is rewritten through a temporary file,
/// fsynced and renamed (spec-kitty's own method), so a crash leaves either the old or the new log.
/// A log that exists but cannot be read is never replaced: the append fails instead.
public enum EventLogWriter {
  public static func append(_ lines: [String], to path: String) throws(AtomicFile.Failure) {
    let existing: Data?
    do {
      existing = try FileBytes.read(path)
    } catch {
      throw AtomicFile.Failure(
        path: path, detail: "the existing log cannot be read (\(error.detail)); nothing was written")
    }
    try append(lines, to: path, existing: existing)
  }

  /// Appends to `existing`, the log's current bytes as the caller read them (nil: no log yet).
  public static func append(_ lines: [String], to path: String, existing: Data?) throws(AtomicFile.Failure) {
    var data = existing ?? Data()
    if let last = data.last, last != 0x0A { data.append(0x0A) }
    for line in lines {
      data.append(contentsOf: Array(line.utf8))
      data.append(0x0A)
    }
    try AtomicFile.write(data, to: path)
  }

  /// The current time as an event `at` (always with microseconds, unlike the envelope timestamp).
  public static func now(offsetMicroseconds: Int64 = 0) -> String {
    Timestamp.iso(microsecondsSinceEpoch: Timestamp.nowMicroseconds() + offsetMicroseconds, alwaysFraction: true)
  }
}
