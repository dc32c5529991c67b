import CKittySystem
import Foundation

/// The `retrospective` block spec-kitty 3.2.7 adds to status.json once the event log holds `retrospective.*`
/// rows (`status/reducer.py` `_reduce_retrospective`): pending until a completed, skipped or failed row, the
/// mode of the latest request, the record path of the latest terminal row, and proposal counts.
public enum Retrospective {
  static let terminal: [String: String] = [
    "retrospective.completed": "completed", "retrospective.skipped": "skipped", "retrospective.failed": "failed",
  ]

  /// The block for the log at `path`, nil when it has no retrospective rows (status.json then has no key). Read
  /// only when the event reader saw such rows; only lines that mention `retrospective.` are parsed (the reader has
  /// validated the rest).
  public static func block(eventLog path: String) -> JSONValue? {
    let marker = Array("retrospective.".utf8)
    func mentions(_ bytes: Data) -> Bool {
      bytes.withUnsafeBytes { haystack in
        marker.withUnsafeBytes { kitty_contains(haystack.baseAddress, haystack.count, $0.baseAddress, $0.count) != 0 }
      }
    }
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    var rows: [JSONObject] = []
    for line in data.split(separator: 0x0A) where mentions(line) {
      guard case .object(let row)? = try? JSONParser.parse([UInt8](line)),
        let name = row["event_name"].map(PythonRepr.str), name.hasPrefix("retrospective.")
      else { continue }
      rows.append(row)
    }
    return block(rows)
  }

  /// The block for the retrospective rows of a log, in file order.
  static func block(_ rows: [JSONObject]) -> JSONValue? {
    guard !rows.isEmpty else { return nil }
    func name(_ row: JSONObject) -> String { row["event_name"].map(PythonRepr.str) ?? "" }
    func key(_ row: JSONObject, _ field: String) -> String { row[field].map(PythonRepr.str) ?? "" }
    // Python's sorted() is stable: rows with equal (at, event_id) keep their file order.
    let sorted = rows.enumerated().sorted {
      (key($0.element, "at"), key($0.element, "event_id"), $0.offset)
        < (key($1.element, "at"), key($1.element, "event_id"), $1.offset)
    }.map(\.element)

    var status = "pending"
    var recordPath = JSONValue.null
    if let last = sorted.last(where: { terminal[name($0)] != nil }) {
      status = terminal[name(last)]!
      if let path = payload(last)["record_path"], path != .null {
        recordPath = .string(PythonRepr.str(path))
      }
    }
    var mode = JSONValue.null
    if let request = sorted.last(where: { name($0) == "retrospective.requested" }), let value = payload(request)["mode"]
    {
      mode = validMode(value) ?? .null
    }
    let total = rows.filter { name($0) == "retrospective.proposal.generated" }.count
    let applied = rows.filter { name($0) == "retrospective.proposal.applied" }.count
    let rejected = rows.filter { name($0) == "retrospective.proposal.rejected" }.count
    return [
      "status": .string(status), "mode": mode, "record_path": recordPath, "proposals_total": .int(total),
      "proposals_applied": .int(applied), "proposals_rejected": .int(rejected),
      "proposals_pending": .int(max(0, total - applied - rejected)),
    ]
  }

  /// `row.get("payload") or {}`.
  static func payload(_ row: JSONObject) -> JSONObject { row["payload"]?.objectValue ?? JSONObject() }

  /// The mode as spec-kitty's `Mode` model accepts and dumps it (no other keys, known values), nil otherwise.
  static func validMode(_ value: JSONValue) -> JSONValue? {
    guard let mode = value.objectValue, Set(mode.keys) == ["value", "source_signal"],
      let kind = mode["value"]?.stringValue, ["autonomous", "human_in_command"].contains(kind),
      let signal = mode["source_signal"]?.objectValue, Set(signal.keys) == ["kind", "evidence"],
      let source = signal["kind"]?.stringValue,
      ["charter_override", "explicit_flag", "environment", "parent_process"].contains(source),
      let evidence = signal["evidence"]?.stringValue
    else { return nil }
    return ["value": .string(kind), "source_signal": ["kind": .string(source), "evidence": .string(evidence)]]
  }
}
