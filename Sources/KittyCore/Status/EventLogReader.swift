import Foundation

/// Reads `status.events.jsonl` line by line without holding the file in memory, keeping only what
/// the fold needs. Rows are classified as spec-kitty does: `kind: annotation` rows are annotations,
/// any other `kind` is an error, rows with `event_type` (mission lifecycle) or retrospective markers are
/// skipped, everything else must be a valid lane transition.
public enum EventLogReader {
  public static let fileName = "status.events.jsonl"

  /// Parses a log held in memory (tests, merge driver).
  public static func read(text: String) throws(EventLogError) -> EventStream {
    var transitions: [TransitionEvent] = []
    var annotations: [AnnotationEvent] = []
    var interner = Interner()
    var retrospective = false
    var copy = text
    var failure: EventLogError?
    copy.withUTF8 { buffer in
      do throws(EventLogError) {
        try forEachLine(in: buffer, firstLine: 1) { (bytes, start, end, lineNumber) throws(EventLogError) in
          switch try parseRow(bytes: bytes, start: start, end: end, line: lineNumber, interner: &interner) {
          case .transition(let event)?: transitions.append(event)
          case .annotation(let annotation)?: annotations.append(annotation)
          case .retrospective?: retrospective = true
          case nil: break
          }
        }
      } catch {
        failure = error
      }
    }
    if let failure { throw failure }
    var stream = EventStream(transitions: transitions, annotations: annotations)
    stream.hasRetrospectiveRows = retrospective
    return stream
  }

  enum Row {
    case transition(TransitionEvent)
    case annotation(AnnotationEvent)
    /// A `retrospective.*` row: not a transition, but status.json gets a block for it.
    case retrospective
  }

  typealias LineHandler = (UnsafeBufferPointer<UInt8>, Int, Int, Int) throws(EventLogError) -> Void

  static func forEachLine(in bytes: UnsafeBufferPointer<UInt8>, firstLine: Int, _ handle: LineHandler)
    throws(EventLogError)
  {
    var lineNumber = firstLine
    var lineStart = 0
    while let index = newline(in: bytes, from: lineStart, to: bytes.count) {
      try handleLine(bytes, lineStart, index, lineNumber, handle)
      lineNumber += 1
      lineStart = index + 1
    }
    if lineStart < bytes.count { try handleLine(bytes, lineStart, bytes.count, lineNumber, handle) }
  }

  /// The index of the first newline in `bytes[start..<end]`. `memchr` scans many bytes per step; a byte-by-byte
  /// loop was a tenth of the parse.
  @inline(__always)
  static func newline(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
    precondition(0 <= start && start <= end && end <= bytes.count)
    guard start < end, let base = bytes.baseAddress, let found = memchr(base + start, 0x0A, end - start) else {
      return nil
    }
    return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
  }

  /// Trims whitespace (Python's `str.strip()` for ASCII) and skips blank lines.
  static func handleLine(
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

  /// A top-level value located in the line: its byte range and what kind of JSON value it is.
  struct Raw {
    enum Kind { case string, null, other }
    var range: Range<Int>
    var kind: Kind
    /// A string without escapes and with ASCII only can be sliced directly.
    var plain: Bool
  }

  /// The top-level fields the fold reads, as ranges; everything else is syntax-checked and skipped.
  struct Fields {
    var eventID: Raw?
    var wpID: Raw?
    var fromLane: Raw?
    var toLane: Raw?
    var at: Raw?
    var actor: Raw?
    var force: Raw?
    var executionMode: Raw?
    var reason: Raw?
    var reasonSource: Raw?
    var reviewRef: Raw?
    var reviewResult: Raw?
    var missionSlug: Raw?
    var featureSlug: Raw?
    var kind: Raw?
    var delta: Raw?
    var eventName: Raw?
    var type: Raw?
    var hasEventType = false
    var policy: Raw?
  }

  /// Reads one row. Bytes are only turned into Strings for the fields the fold keeps.
  struct RowReader {
    let bytes: UnsafeBufferPointer<UInt8>
    let line: Int

    func json(_ raw: Raw) -> JSONValue {
      var parser = JSONParser(bytes: bytes, start: raw.range.lowerBound, end: raw.range.upperBound)
      return (try? parser.parseValue()) ?? .null
    }

    /// The value as Python's `str()` would show it; nil for JSON null.
    func string(_ raw: Raw) -> String? {
      switch raw.kind {
      case .null: return nil
      case .string where raw.plain:
        return String(
          decoding: UnsafeBufferPointer(rebasing: bytes[(raw.range.lowerBound + 1)..<(raw.range.upperBound - 1)]),
          as: UTF8.self)
      default: return EventLogReader.pythonString(json(raw))
      }
    }

    /// A string value as a `LogKey`, without building a String when it is short plain ASCII.
    func key(_ raw: Raw) -> LogKey? {
      if raw.kind == .string, raw.plain,
        let key = LogKey(
          bytes: UnsafeBufferPointer(rebasing: bytes[(raw.range.lowerBound + 1)..<(raw.range.upperBound - 1)]))
      {
        return key
      }
      return string(raw).map(LogKey.init)
    }

    func equals(_ raw: Raw, _ literal: [UInt8]) -> Bool {
      raw.range.count == literal.count && literal.indices.allSatisfy { bytes[raw.range.lowerBound + $0] == literal[$0] }
    }

    func isTruthy(_ raw: Raw) -> Bool {
      switch raw.kind {
      case .null: return false
      case .string: return raw.range.count > 2
      case .other:
        let first = bytes[raw.range.lowerBound]
        if first == UInt8(ascii: "t") { return true }
        if first == UInt8(ascii: "f") { return false }
        return json(raw).isTruthy
      }
    }

    func lane(_ raw: Raw) throws(EventLogError) -> Lane {
      if raw.kind == .string, raw.plain {
        let inner = (raw.range.lowerBound + 1)..<(raw.range.upperBound - 1)
        for (name, lane) in EventLogReader.laneNames where name.count == inner.count {
          if name.indices.allSatisfy({ bytes[inner.lowerBound + $0] == name[$0] }) { return lane }
        }
      }
      let value = json(raw)
      throw .unknownLane(line: line, lane: value.stringValue.map { "'\($0)'" } ?? EventLogReader.pythonRepr(value))
    }

    func interned(_ raw: Raw, _ cache: inout (bytes: [UInt8], value: String)?) -> String? {
      // Up to 15 UTF-8 bytes, a String is held inline: nothing to share, and the cache would cost an array.
      guard raw.kind == .string, raw.plain, raw.range.count - 2 > 15 else { return string(raw) }
      let slice = UnsafeBufferPointer(rebasing: bytes[raw.range])
      if cache?.bytes.elementsEqual(slice) == true { return cache!.value }
      let value = string(raw)!
      cache = (Array(slice), value)
      return value
    }
  }

  static let laneNames: [([UInt8], Lane)] = Lane.allCases.map { (Array($0.rawValue.utf8), $0) }

  static func parseRow(
    bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int, line: Int, interner: inout Interner
  ) throws(EventLogError) -> Row? {
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

    let reader = RowReader(bytes: bytes, line: line)
    if let kind = fields.kind, kind.kind != .null {
      guard reader.equals(kind, Array("\"annotation\"".utf8)) else {
        throw .unknownKind(
          line: line, kind: pythonRepr(reader.json(kind)).trimmingCharacters(in: CharacterSet(charactersIn: "'")))
      }
      return .annotation(try annotation(from: fields, reader: reader, line: line))
    }
    if fields.eventName.flatMap(reader.string)?.hasPrefix("retrospective.") == true { return .retrospective }
    if fields.hasEventType { return nil }
    if let type = fields.type.flatMap(reader.string), type.lowercased().hasPrefix("retrospective") { return nil }
    return .transition(try transition(from: fields, reader: reader, interner: &interner))
  }

  /// Finds the key's field and the value's range; validates the syntax of every value.
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
      let field = try readKey(&parser)
      parser.skipWhitespace()
      guard parser.position < parser.end, parser.bytes[parser.position] == UInt8(ascii: ":") else {
        throw parser.error("Expecting ':' delimiter")
      }
      parser.position += 1
      parser.skipWhitespace()
      let raw = try rawValue(&parser)
      switch field {
      case .eventID: fields.eventID = raw
      case .wpID: fields.wpID = raw
      case .fromLane: fields.fromLane = raw
      case .toLane: fields.toLane = raw
      case .at: fields.at = raw
      case .actor: fields.actor = raw
      case .force: fields.force = raw
      case .executionMode: fields.executionMode = raw
      case .reason: fields.reason = raw
      case .reasonSource: fields.reasonSource = raw
      case .reviewRef: fields.reviewRef = raw
      case .reviewResult: fields.reviewResult = raw
      case .missionSlug: fields.missionSlug = raw
      case .featureSlug: fields.featureSlug = raw
      case .kind: fields.kind = raw
      case .delta: fields.delta = raw
      case .eventName: fields.eventName = raw
      case .type: fields.type = raw
      case .eventType: fields.hasEventType = true
      case .policyMetadata: fields.policy = raw
      case .other: break
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

  /// Skips one value (checking it) and returns where it was.
  private static func rawValue(_ parser: inout JSONParser) throws -> Raw {
    let start = parser.position
    guard start < parser.end else { throw parser.error("Expecting value") }
    let first = parser.bytes[start]
    if first == UInt8(ascii: "\"") {
      let index = parser.plainEnd(from: start + 1)
      if index < parser.end, parser.bytes[index] == UInt8(ascii: "\"") {
        parser.position = index + 1
        return Raw(range: start..<parser.position, kind: .string, plain: true)
      }
      try parser.skipString()
      return Raw(range: start..<parser.position, kind: .string, plain: false)
    }
    try parser.skipValue()
    let isNull = parser.position - start == 4 && first == UInt8(ascii: "n")
    return Raw(range: start..<parser.position, kind: isNull ? .null : .other, plain: false)
  }

  /// The top-level keys the reader cares about, matched on raw bytes (no String is built for a key).
  enum Field {
    case eventID, wpID, fromLane, toLane, at, actor, force, executionMode, reason, reasonSource, reviewRef
    case reviewResult, missionSlug, featureSlug, kind, delta, eventName, type, eventType, policyMetadata, other
  }

  static let fieldNames: [(name: [UInt8], field: Field)] =
    ([
      ("event_id", .eventID), ("wp_id", .wpID), ("from_lane", .fromLane), ("to_lane", .toLane), ("at", .at),
      ("actor", .actor), ("force", .force), ("execution_mode", .executionMode), ("reason", .reason),
      ("reason_source", .reasonSource), ("review_ref", .reviewRef), ("review_result", .reviewResult),
      ("mission_slug", .missionSlug), ("feature_slug", .featureSlug), ("kind", .kind), ("delta", .delta),
      ("event_name", .eventName), ("type", .type), ("event_type", .eventType), ("policy_metadata", .policyMetadata),
    ] as [(String, Field)]).map { (Array($0.0.utf8), $0.1) }

  /// `fieldNames` by name length, each name packed as a `LogKey`: a key is matched with a few integer compares
  /// against the names of its length (comparing it with all twenty names byte by byte cost a twentieth of the parse).
  static let fieldsByLength: [[(name: LogKey, field: Field)]] = {
    var table = [[(name: LogKey, field: Field)]](repeating: [], count: 33)
    for (name, field) in fieldNames {
      table[name.count].append((name.withUnsafeBufferPointer { LogKey(bytes: $0)! }, field))
    }
    return table
  }()

  private static func field(named key: UnsafeBufferPointer<UInt8>) -> Field {
    guard key.count < fieldsByLength.count, !fieldsByLength[key.count].isEmpty, let packed = LogKey(bytes: key)
    else { return .other }
    return fieldsByLength[key.count].first { $0.name == packed }?.field ?? .other
  }

  private static func readKey(_ parser: inout JSONParser) throws -> Field {
    let start = parser.position + 1
    let index = parser.plainEnd(from: start)
    if index < parser.end, parser.bytes[index] != UInt8(ascii: "\"") {
      // Unusual key: take the careful path.
      let key = try parser.parseString()
      return fieldNames.first { $0.name.elementsEqual(key.utf8) }?.field ?? .other
    }
    guard index < parser.end else {
      _ = try parser.parseString()  // reports the unterminated string
      return .other
    }
    parser.position = index + 1
    return field(named: UnsafeBufferPointer(rebasing: parser.bytes[start..<index]))
  }

  /// Strings that repeat on every row (WP ids, actors, the slug) share one storage.
  struct Interner {
    var wpID: (bytes: [UInt8], value: String)?
    var actor: (bytes: [UInt8], value: String)?
    var slug: (bytes: [UInt8], value: String)?
    var reason: (bytes: [UInt8], value: String)?
  }

  static func quotedList(_ items: [String]) -> String {
    let quoted: [String] = items.map { "'" + $0 + "'" }
    return "[" + quoted.joined(separator: ", ") + "]"
  }

  /// Python's `str(value)` (see `PythonRepr`).
  public static func pythonString(_ value: JSONValue) -> String { PythonRepr.str(value) }

  /// `decode_actor` + `actor_identity_str`: a structured actor must have exactly role/profile/tool/model.
  static func actorIdentity(_ value: JSONValue, line: Int) throws(EventLogError) -> String {
    guard case .object(let object) = value else { return pythonString(value) }
    let expected = ["model", "profile", "role", "tool"]
    guard object.keys.sorted() == expected else {
      throw .invalidStructure(
        line: line,
        detail:
          "structured actor must contain exactly ['model', 'profile', 'role', 'tool']; got \(quotedList(object.keys.sorted()))"
      )
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

  private static func required(_ value: Raw?, _ name: String, line: Int) throws(EventLogError) -> Raw {
    guard let value else { throw .invalidStructure(line: line, detail: "'\(name)'") }
    return value
  }

  private static func actor(_ raw: Raw, reader: RowReader, cache: inout (bytes: [UInt8], value: String)?)
    throws(EventLogError) -> String
  {
    if raw.kind == .string, let value = reader.interned(raw, &cache) { return value }
    return try actorIdentity(reader.json(raw), line: reader.line)
  }

  private static func transition(from f: Fields, reader: RowReader, interner: inout Interner) throws(EventLogError)
    -> TransitionEvent
  {
    let line = reader.line
    let eventID = try required(f.eventID, "event_id", line: line)
    let wpID = try required(f.wpID, "wp_id", line: line)
    let from = try reader.lane(try required(f.fromLane, "from_lane", line: line))
    let to = try reader.lane(try required(f.toLane, "to_lane", line: line))
    let at = try required(f.at, "at", line: line)
    let actor = try actor(try required(f.actor, "actor", line: line), reader: reader, cache: &interner.actor)
    let force = try required(f.force, "force", line: line)
    _ = try required(f.executionMode, "execution_mode", line: line)
    guard at.kind == .string, let atKey = reader.key(at) else {
      throw .invalidStructure(line: line, detail: "'at' must be a string")
    }
    guard eventID.kind == .string, let idKey = reader.key(eventID) else {
      throw .invalidStructure(line: line, detail: "'event_id' must be a string")
    }

    var reviewResult: JSONObject?
    // Parsed once: `isTruthy` would parse an object to see whether it is empty.
    if let raw = f.reviewResult, raw.kind != .null, case let value = reader.json(raw), value.isTruthy {
      guard case .object(let object) = value else {
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
    if from == .planned, to == .claimed, let raw = f.policy, case .object(let object) = reader.json(raw) {
      sidecar = object
    }

    let slugRaw = f.missionSlug.flatMap { reader.isTruthy($0) ? $0 : nil } ?? f.featureSlug
    return TransitionEvent(
      eventID: idKey,
      wpID: reader.interned(wpID, &interner.wpID) ?? "None",
      fromLane: from,
      toLane: to,
      at: atKey,
      actor: actor,
      force: reader.isTruthy(force),
      reason: f.reason.flatMap { reader.interned($0, &interner.reason) },
      reasonSource: f.reasonSource.flatMap(reader.string),
      reviewRef: f.reviewRef.flatMap(reader.string),
      reviewResult: reviewResult,
      missionSlug: slugRaw.flatMap { reader.interned($0, &interner.slug) } ?? "",
      claimSidecar: sidecar
    )
  }

  static let ulidCharacters = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

  static func isULID(_ text: String) -> Bool {
    text.utf8.count == 26 && text.utf8.allSatisfy { ulidBytes[Int($0)] }
  }

  private static let ulidBytes: [Bool] = (0..<256).map { byte in
    ulidCharacters.contains(Character(Unicode.Scalar(UInt8(byte))))
  }

  private static func annotation(from f: Fields, reader: RowReader, line: Int) throws(EventLogError) -> AnnotationEvent
  {
    let eventIDRaw = try required(f.eventID, "event_id", line: line)
    guard eventIDRaw.kind == .string, let idText = reader.string(eventIDRaw), isULID(idText) else {
      throw .invalidStructure(
        line: line, detail: "InnerStateChanged.event_id is not a valid ULID: \(pythonRepr(reader.json(eventIDRaw)))")
    }
    let deltaValue = reader.json(try required(f.delta, "delta", line: line))
    let wpID = reader.string(try required(f.wpID, "wp_id", line: line)) ?? "None"
    let at = reader.string(try required(f.at, "at", line: line)) ?? "None"
    let actorRaw = try required(f.actor, "actor", line: line)
    let actor =
      actorRaw.kind == .string ? reader.string(actorRaw) ?? "" : try actorIdentity(reader.json(actorRaw), line: line)
    guard case .object(let delta) = deltaValue else {
      throw .invalidStructure(line: line, detail: "annotation delta must be an object")
    }
    if let subtasks = delta["subtasks"], subtasks != .null {
      guard case .object(let map) = subtasks else {
        throw .invalidStructure(line: line, detail: "annotation subtasks must be an object")
      }
      for (_, value) in map {
        guard let text = value.stringValue, Lane(logValue: text) != nil else {
          throw .unknownLane(line: line, lane: value.stringValue.map { "'\($0)'" } ?? pythonRepr(value))
        }
      }
    }
    if let review = delta["review"], review != .null {
      for key in ["at", "actor", "wp_id", "reason"] where review[key] == nil {
        throw .invalidStructure(line: line, detail: "'\(key)'")
      }
    }
    if let pid = delta["shell_pid"], pid != .null, pid.intValue == nil, Int(pythonString(pid)) == nil {
      throw .invalidStructure(line: line, detail: "invalid literal for int() with base 10: \(pythonRepr(pid))")
    }
    return AnnotationEvent(eventID: idText, wpID: wpID, at: at, actor: actor, delta: delta)
  }

  static func pythonRepr(_ value: JSONValue) -> String { PythonRepr.repr(value) }
}
