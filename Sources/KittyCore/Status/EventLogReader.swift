import Foundation

/// Reads `status.events.jsonl` line by line without holding the file in memory, keeping only what
/// the fold needs. Rows are classified as spec-kitty does: `kind: annotation` rows are annotations,
/// any other `kind` is an error, rows with `event_type` (mission lifecycle) or retrospective markers are
/// skipped, everything else must be a valid lane transition.
public enum EventLogReader {
  public static let fileName = "status.events.jsonl"

  /// Reads the stream; a missing file is an empty stream.
  public static func read(path: String) throws(EventLogError) -> EventStream {
    var stream = EventStream()
    try forEachLine(path: path) { (bytes, start, end, lineNumber) throws(EventLogError) in
      switch try parseRow(bytes: bytes, start: start, end: end, line: lineNumber) {
      case .transition(let event)?: stream.transitions.append(event)
      case .annotation(let annotation)?: stream.annotations.append(annotation)
      case nil: break
      }
    }
    return stream
  }

  /// Parses a log held in memory (tests, merge driver).
  public static func read(text: String) throws(EventLogError) -> EventStream {
    var stream = EventStream()
    var copy = text
    var failure: EventLogError?
    copy.withUTF8 { buffer in
      do throws(EventLogError) {
        try forEachLine(in: buffer, firstLine: 1) { (bytes, start, end, lineNumber) throws(EventLogError) in
          switch try parseRow(bytes: bytes, start: start, end: end, line: lineNumber) {
          case .transition(let event)?: stream.transitions.append(event)
          case .annotation(let annotation)?: stream.annotations.append(annotation)
          case nil: break
          }
        }
      } catch {
        failure = error
      }
    }
    if let failure { throw failure }
    return stream
  }

  enum Row {
    case transition(TransitionEvent)
    case annotation(AnnotationEvent)
  }

  typealias LineHandler = (UnsafeBufferPointer<UInt8>, Int, Int, Int) throws(EventLogError) -> Void

  /// Streams the file in 1 MiB chunks, calling `handle` with each non-blank line's byte range.
  static func forEachLine(path: String, _ handle: LineHandler) throws(EventLogError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
      if errno == ENOENT { return }
      throw .unreadable(path: path, detail: String(cString: strerror(errno)))
    }
    defer { close(fd) }
    let chunk = 1 << 20
    var buffer = [UInt8](repeating: 0, count: chunk)
    var filled = 0
    var scanned = 0  // bytes of the current partial line already searched for a newline
    var lineNumber = 1
    while true {
      if filled == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
      let got = buffer.withUnsafeMutableBytes { raw in
        Foundation.read(fd, raw.baseAddress! + filled, raw.count - filled)
      }
      if got < 0 {
        if errno == EINTR { continue }
        throw .unreadable(path: path, detail: String(cString: strerror(errno)))
      }
      let atEOF = got == 0
      filled += got
      // Process every complete line; keep the tail for the next read.
      var consumed = 0
      var failure: EventLogError?
      buffer.withUnsafeBufferPointer { bytes in
        var lineStart = 0
        var index = scanned
        while index < filled {
          if bytes[index] == 0x0A {
            do throws(EventLogError) {
              try handleLine(bytes, lineStart, index, lineNumber, handle)
            } catch {
              failure = error
              return
            }
            lineNumber += 1
            lineStart = index + 1
          }
          index += 1
        }
        if atEOF && lineStart < filled {
          do throws(EventLogError) {
            try handleLine(bytes, lineStart, filled, lineNumber, handle)
          } catch {
            failure = error
            return
          }
          lineStart = filled
        }
        consumed = lineStart
      }
      if let failure { throw failure }
      if atEOF { return }
      if consumed > 0 {
        buffer.withUnsafeMutableBufferPointer { b in
          let remaining = filled - consumed
          if remaining > 0 {
            _ = memmove(b.baseAddress!, b.baseAddress! + consumed, remaining)
          }
        }
        filled -= consumed
      }
      scanned = filled
    }
  }

  static func forEachLine(in bytes: UnsafeBufferPointer<UInt8>, firstLine: Int, _ handle: LineHandler)
    throws(EventLogError)
  {
    var lineNumber = firstLine
    var lineStart = 0
    for index in 0..<bytes.count where bytes[index] == 0x0A {
      try handleLine(bytes, lineStart, index, lineNumber, handle)
      lineNumber += 1
      lineStart = index + 1
    }
    if lineStart < bytes.count { try handleLine(bytes, lineStart, bytes.count, lineNumber, handle) }
  }

  /// Trims whitespace (Python's `str.strip()` for ASCII) and skips blank lines.
  private static func handleLine(
    _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ line: Int, _ handle: LineHandler
  ) throws(EventLogError) {
    var s = start
    var e = end
    while s < e, isSpace(bytes[s]) { s += 1 }
    while e > s, isSpace(bytes[e - 1]) { e -= 1 }
    if s == e { return }
    try handle(bytes, s, e, line)
  }

  @inline(__always) private static func isSpace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C || b == 0x0A
  }

  /// The top-level fields the fold reads; everything else is syntax-checked and skipped.
  private struct Fields {
    var eventID: JSONValue?
    var wpID: JSONValue?
    var fromLane: JSONValue?
    var toLane: JSONValue?
    var at: JSONValue?
    var actor: JSONValue?
    var force: JSONValue?
    var executionMode: JSONValue?
    var reason: JSONValue?
    var reasonSource: JSONValue?
    var reviewRef: JSONValue?
    var reviewResult: JSONValue?
    var missionSlug: JSONValue?
    var featureSlug: JSONValue?
    var kind: JSONValue?
    var delta: JSONValue?
    var eventName: JSONValue?
    var type: JSONValue?
    var hasEventType = false
    var policyRange: Range<Int>?
  }

  static func parseRow(bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int, line: Int) throws(EventLogError)
    -> Row?
  {
    var parser = JSONParser(bytes: bytes, start: start, end: end)
    var fields = Fields()
    do {
      guard bytes[start] == UInt8(ascii: "{") else {
        // A valid JSON value that is not an object is a structure error; invalid JSON is a JSON error.
        _ = try parser.parseDocument()
        throw EventLogError.notAnObject(line: line)
      }
      try scanObject(&parser, into: &fields)
      parser.skipWhitespace()
      guard parser.position == parser.end else { throw parser.error("Extra data") }
    } catch let error as JSONParseError {
      if error.message.hasPrefix("Invalid UTF-8") { throw .notUTF8(line: line) }
      // Python's JSONDecodeError text; the position counts code points within the stripped line.
      var position = 0
      for index in start..<min(error.offset, end) where bytes[index] & 0xC0 != 0x80 { position += 1 }
      throw .invalidJSON(line: line, detail: "\(error.message): line 1 column \(position + 1) (char \(position))")
    } catch let error as EventLogError {
      throw error
    } catch {
      throw .invalidJSON(line: line, detail: "\(error)")
    }

    if let kind = fields.kind, kind != .null {
      guard kind == .string("annotation") else {
        throw .unknownKind(line: line, kind: kind.stringValue ?? "\(kind)")
      }
      return .annotation(try annotation(from: fields, line: line))
    }
    if fields.hasEventType { return nil }
    if let name = fields.eventName?.stringValue, name.hasPrefix("retrospective.") { return nil }
    if let type = fields.type?.stringValue, type.lowercased().hasPrefix("retrospective") { return nil }
    return .transition(try transition(from: fields, bytes: bytes, line: line))
  }

  private static func scanObject(_ parser: inout JSONParser, into fields: inout Fields) throws {
    parser.position += 1
    parser.skipWhitespace()
    if parser.position < parser.end, parser.bytes[parser.position] == UInt8(ascii: "}") {
      parser.position += 1
      return
    }
    while true {
      parser.skipWhitespace()
      guard parser.position < parser.end, parser.bytes[parser.position] == UInt8(ascii: "\"") else {
        throw parser.error("Expecting property name enclosed in double quotes")
      }
      let key = try parser.parseString()
      parser.skipWhitespace()
      guard parser.position < parser.end, parser.bytes[parser.position] == UInt8(ascii: ":") else {
        throw parser.error("Expecting ':' delimiter")
      }
      parser.position += 1
      parser.skipWhitespace()
      switch key {
      case "event_id": fields.eventID = try parser.parseValue()
      case "wp_id": fields.wpID = try parser.parseValue()
      case "from_lane": fields.fromLane = try parser.parseValue()
      case "to_lane": fields.toLane = try parser.parseValue()
      case "at": fields.at = try parser.parseValue()
      case "actor": fields.actor = try parser.parseValue()
      case "force": fields.force = try parser.parseValue()
      case "execution_mode": fields.executionMode = try parser.parseValue()
      case "reason": fields.reason = try parser.parseValue()
      case "reason_source": fields.reasonSource = try parser.parseValue()
      case "review_ref": fields.reviewRef = try parser.parseValue()
      case "review_result": fields.reviewResult = try parser.parseValue()
      case "mission_slug": fields.missionSlug = try parser.parseValue()
      case "feature_slug": fields.featureSlug = try parser.parseValue()
      case "kind": fields.kind = try parser.parseValue()
      case "delta": fields.delta = try parser.parseValue()
      case "event_name": fields.eventName = try parser.parseValue()
      case "type": fields.type = try parser.parseValue()
      case "event_type":
        fields.hasEventType = true
        try parser.skipValue()
      case "policy_metadata":
        let valueStart = parser.position
        try parser.skipValue()
        fields.policyRange = valueStart..<parser.position
      default:
        try parser.skipValue()
      }
      parser.skipWhitespace()
      guard parser.position < parser.end else { throw parser.error("Expecting ',' delimiter") }
      if parser.bytes[parser.position] == UInt8(ascii: ",") {
        parser.position += 1
        continue
      }
      if parser.bytes[parser.position] == UInt8(ascii: "}") {
        parser.position += 1
        return
      }
      throw parser.error("Expecting ',' delimiter")
    }
  }

  private static func required(_ value: JSONValue?, _ name: String, line: Int) throws(EventLogError) -> JSONValue {
    guard let value else { throw .invalidStructure(line: line, detail: "'\(name)'") }
    return value
  }

  /// Python's `str(value)` for the scalar shapes that appear in logs.
  static func pythonString(_ value: JSONValue) -> String {
    switch value {
    case .string(let s): return s
    case .null: return "None"
    case .bool(let b): return b ? "True" : "False"
    case .int(let i): return String(i)
    case .double(let d): return JSONWriter.pythonFloat(d)
    default: return JSONWriter.pythonDefault.string(value)
    }
  }

  /// `decode_actor` + `actor_identity_str`: a structured actor must have exactly role/profile/tool/model.
  static func actorIdentity(_ value: JSONValue, line: Int) throws(EventLogError) -> String {
    guard case .object(let object) = value else { return pythonString(value) }
    let expected = ["model", "profile", "role", "tool"]
    guard object.keys.sorted() == expected else {
      throw .invalidStructure(
        line: line,
        detail: "structured actor must contain exactly ['model', 'profile', 'role', 'tool']; got "
          + "[" + object.keys.sorted().map { "'\($0)'" }.joined(separator: ", ") + "]")
    }
    for key in expected {
      switch object[key] {
      case .string?, .null?: continue
      default:
        throw .invalidStructure(line: line, detail: "structured actor fields must be strings or null; '\(key)' was not")
      }
    }
    for key in ["tool", "role"] {
      if let s = object[key]?.stringValue, !s.isEmpty { return s }
    }
    return ""
  }

  private static func lane(_ value: JSONValue, line: Int) throws(EventLogError) -> Lane {
    guard let text = value.stringValue else { throw .unknownLane(line: line, lane: pythonString(value)) }
    guard let lane = Lane(logValue: text) else { throw .unknownLane(line: line, lane: text) }
    return lane
  }

  private static func transition(from f: Fields, bytes: UnsafeBufferPointer<UInt8>, line: Int) throws(EventLogError)
    -> TransitionEvent
  {
    let eventID = try required(f.eventID, "event_id", line: line)
    let wpID = try required(f.wpID, "wp_id", line: line)
    let from = try lane(try required(f.fromLane, "from_lane", line: line), line: line)
    let to = try lane(try required(f.toLane, "to_lane", line: line), line: line)
    let at = try required(f.at, "at", line: line)
    let actor = try actorIdentity(try required(f.actor, "actor", line: line), line: line)
    let force = try required(f.force, "force", line: line)
    _ = try required(f.executionMode, "execution_mode", line: line)
    guard let atText = at.stringValue else { throw .invalidStructure(line: line, detail: "'at' must be a string") }
    guard let idText = eventID.stringValue else {
      throw .invalidStructure(line: line, detail: "'event_id' must be a string")
    }

    var reviewResult: JSONObject?
    if let raw = f.reviewResult, raw.isTruthy {
      guard case .object(let object) = raw else {
        throw .invalidStructure(line: line, detail: "review_result must be an object")
      }
      var result = JSONObject()
      for key in ["reviewer", "verdict", "reference"] {
        guard let value = object[key] else { throw .invalidStructure(line: line, detail: "'\(key)'") }
        result[key] = value
      }
      if let path = object["feedback_path"], path != .null { result["feedback_path"] = path }
      reviewResult = result
    }

    var sidecar: JSONObject?
    if from == .planned, to == .claimed, let range = f.policyRange {
      var parser = JSONParser(bytes: bytes, start: range.lowerBound, end: range.upperBound)
      if case .object(let object)? = try? parser.parseValue() { sidecar = object }
    }

    let slug = (f.missionSlug?.isTruthy == true ? f.missionSlug : f.featureSlug).map(pythonString) ?? ""
    return TransitionEvent(
      eventID: idText,
      wpID: pythonString(wpID),
      fromLane: from,
      toLane: to,
      at: atText,
      actor: actor,
      force: force.isTruthy,
      reason: f.reason.flatMap { $0 == .null ? nil : pythonString($0) },
      reasonSource: f.reasonSource.flatMap { $0 == .null ? nil : pythonString($0) },
      reviewRef: f.reviewRef.flatMap { $0 == .null ? nil : pythonString($0) },
      reviewResult: reviewResult,
      missionSlug: slug,
      claimSidecar: sidecar
    )
  }

  static let ulidCharacters = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

  static func isULID(_ text: String) -> Bool {
    text.count == 26 && text.allSatisfy { ulidCharacters.contains($0) }
  }

  private static func annotation(from f: Fields, line: Int) throws(EventLogError) -> AnnotationEvent {
    let eventID = try required(f.eventID, "event_id", line: line)
    guard let idText = eventID.stringValue, isULID(idText) else {
      throw .invalidStructure(
        line: line, detail: "InnerStateChanged.event_id is not a valid ULID: \(pythonRepr(eventID))")
    }
    let wpID = try required(f.wpID, "wp_id", line: line)
    let at = try required(f.at, "at", line: line)
    let actor = try actorIdentity(try required(f.actor, "actor", line: line), line: line)
    let deltaValue = try required(f.delta, "delta", line: line)
    guard case .object(let delta) = deltaValue else {
      throw .invalidStructure(line: line, detail: "annotation delta must be an object")
    }
    if let subtasks = delta["subtasks"], subtasks != .null {
      guard case .object(let map) = subtasks else {
        throw .invalidStructure(line: line, detail: "annotation subtasks must be an object")
      }
      for (_, value) in map {
        guard let text = value.stringValue, Lane(logValue: text) != nil else {
          throw .unknownLane(line: line, lane: pythonString(value))
        }
      }
    }
    if let review = delta["review"], review != .null {
      for key in ["at", "actor", "wp_id", "reason"] where review[key] == nil {
        throw .invalidStructure(line: line, detail: "'\(key)'")
      }
    }
    if let pid = delta["shell_pid"], pid != .null, pid.intValue == nil, Int(pythonString(pid)) == nil {
      throw .invalidStructure(line: line, detail: "invalid literal for int(): \(pythonRepr(pid))")
    }
    return AnnotationEvent(
      eventID: idText, wpID: pythonString(wpID), at: pythonString(at), actor: actor, delta: delta)
  }

  static func pythonRepr(_ value: JSONValue) -> String {
    if case .string(let s) = value { return "'\(s)'" }
    return pythonString(value)
  }
}
