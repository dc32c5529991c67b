/// Why a JSON text could not be read, with the byte offset where reading stopped.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
  public let message: String
  public let offset: Int
  public var description: String { "\(message) at byte \(offset)" }

  /// Python's `JSONDecodeError` text for this error in `document`: `msg: line L column C (char P)`,
  /// counting code points.
  public func pythonDescription(in document: String) -> String {
    var line = 1
    var column = 1
    var position = 0
    var byteOffset = 0
    for scalar in document.unicodeScalars {
      if byteOffset >= offset { break }
      byteOffset += String(scalar).utf8.count
      position += 1
      if scalar == "\n" {
        line += 1
        column = 1
      } else {
        column += 1
      }
    }
    return "\(message): line \(line) column \(column) (char \(position))"
  }
}

/// A strict, allocation-light JSON parser over UTF-8 bytes (RFC 8259; also accepts NaN/Infinity as
/// Python's json module writes them). Faster than Foundation's on Linux, which matters for event logs. Its cursor
/// and pieces are `package`: KittyCore's event-row reader parses rows in place with them.
public struct JSONParser: ~Copyable {
  package let bytes: UnsafeBufferPointer<UInt8>
  package var position: Int
  package let end: Int
  package var depth = 0
  package static let maxDepth = 512

  public init(bytes: UnsafeBufferPointer<UInt8>, start: Int = 0, end: Int? = nil) {
    self.bytes = bytes
    self.position = start
    self.end = end ?? bytes.count
  }

  /// Parses one complete document; trailing non-whitespace is an error.
  public static func parse(_ text: String) throws -> JSONValue {
    var copy = text
    return try copy.withUTF8 { buffer in
      var parser = JSONParser(bytes: buffer)
      return try parser.parseDocument()
    }
  }

  public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
    try bytes.withUnsafeBufferPointer { buffer in
      var parser = JSONParser(bytes: buffer)
      return try parser.parseDocument()
    }
  }

  public mutating func parseDocument() throws -> JSONValue {
    skipWhitespace()
    let value = try parseValue()
    skipWhitespace()
    guard position == end else { throw error("Extra data") }
    return value
  }

  package func error(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: position) }

  package mutating func skipWhitespace() {
    while position < end {
      switch bytes[position] {
      case 0x20, 0x09, 0x0A, 0x0D: position += 1
      default: return
      }
    }
  }

  package mutating func parseValue() throws -> JSONValue {
    guard position < end else { throw error("Expecting value") }
    switch bytes[position] {
    case UInt8(ascii: "{"): return .object(try parseObject())
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"):
      try expectLiteral("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try expectLiteral("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try expectLiteral("null")
      return .null
    case UInt8(ascii: "N"):
      try expectLiteral("NaN")
      return .double(.nan)
    case UInt8(ascii: "I"):
      try expectLiteral("Infinity")
      return .double(.infinity)
    default: return try parseNumber()
    }
  }

  package mutating func expectLiteral(_ literal: StaticString) throws {
    let count = literal.utf8CodeUnitCount
    guard position + count <= end else { throw error("Expecting value") }
    let base = literal.utf8Start
    for i in 0..<count where bytes[position + i] != base[i] {
      throw error("Expecting value")
    }
    position += count
  }

  package mutating func enter() throws {
    depth += 1
    if depth > JSONParser.maxDepth { throw error("Nesting too deep") }
  }

  package mutating func parseObject() throws -> JSONObject {
    try enter()
    defer { depth -= 1 }
    position += 1
    var object = JSONObject()
    skipWhitespace()
    if position < end, bytes[position] == UInt8(ascii: "}") {
      position += 1
      return object
    }
    while true {
      skipWhitespace()
      guard position < end, bytes[position] == UInt8(ascii: "\"") else {
        throw error("Expecting property name enclosed in double quotes")
      }
      let key = try parseString()
      skipWhitespace()
      guard position < end, bytes[position] == UInt8(ascii: ":") else { throw error("Expecting ':' delimiter") }
      position += 1
      skipWhitespace()
      let value = try parseValue()
      object.appendUnchecked(key, value)
      skipWhitespace()
      guard position < end else { throw error("Expecting ',' delimiter") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
        continue
      }
      if bytes[position] == UInt8(ascii: "}") {
        position += 1
        return object
      }
      throw error("Expecting ',' delimiter")
    }
  }

  package mutating func parseArray() throws -> JSONValue {
    try enter()
    defer { depth -= 1 }
    position += 1
    var items: [JSONValue] = []
    skipWhitespace()
    if position < end, bytes[position] == UInt8(ascii: "]") {
      position += 1
      return .array(items)
    }
    while true {
      skipWhitespace()
      items.append(try parseValue())
      skipWhitespace()
      guard position < end else { throw error("Expecting ',' delimiter") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
        continue
      }
      if bytes[position] == UInt8(ascii: "]") {
        position += 1
        return .array(items)
      }
      throw error("Expecting ',' delimiter")
    }
  }

  /// Parses a string at `position` (which holds the opening quote).
  package mutating func parseString() throws -> String {
    position += 1
    let start = position
    var sawHighByte = false
    // Fast path: no escapes.
    while position < end {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
        position += 1
        return try JSONParser.makeString(slice, checked: sawHighByte, offset: start)
      }
      if byte == UInt8(ascii: "\\") { break }
      if byte < 0x20 { throw error("Invalid control character at") }
      if byte >= 0x80 { sawHighByte = true }
      position += 1
    }
    var scratch = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<position]))
    while position < end {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        position += 1
        return try scratch.withUnsafeBufferPointer { try JSONParser.makeString($0, checked: true, offset: start) }
      }
      if byte < 0x20 { throw error("Invalid control character at") }
      if byte != UInt8(ascii: "\\") {
        scratch.append(byte)
        position += 1
        continue
      }
      position += 1
      guard position < end else { break }
      let escape = bytes[position]
      position += 1
      switch escape {
      case UInt8(ascii: "\""): scratch.append(0x22)
      case UInt8(ascii: "\\"): scratch.append(0x5C)
      case UInt8(ascii: "/"): scratch.append(0x2F)
      case UInt8(ascii: "b"): scratch.append(0x08)
      case UInt8(ascii: "f"): scratch.append(0x0C)
      case UInt8(ascii: "n"): scratch.append(0x0A)
      case UInt8(ascii: "r"): scratch.append(0x0D)
      case UInt8(ascii: "t"): scratch.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try parseHex4()
        if (0xD800..<0xDC00).contains(scalar), position + 1 < end, bytes[position] == UInt8(ascii: "\\"),
          bytes[position + 1] == UInt8(ascii: "u")
        {
          let save = position
          position += 2
          let low = try parseHex4()
          if (0xDC00..<0xE000).contains(low) {
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          } else {
            position = save
          }
        }
        // Lone surrogates (which Python accepts) become U+FFFD: Swift strings cannot hold them.
        let value = Unicode.Scalar(scalar) ?? "\u{FFFD}"
        scratch.append(contentsOf: Array(String(Character(value)).utf8))
      default:
        throw JSONParseError(message: "Invalid \\escape", offset: position - 2)
      }
    }
    throw JSONParseError(message: "Unterminated string starting at", offset: start - 1)
  }

  /// Builds a String from UTF-8 bytes; pure ASCII skips validation, other text must round-trip exactly.
  @inline(__always)
  package static func makeString(_ bytes: UnsafeBufferPointer<UInt8>, checked: Bool, offset: Int) throws -> String {
    let text = String(decoding: bytes, as: UTF8.self)
    if checked, !text.utf8.elementsEqual(bytes) {
      throw JSONParseError(message: "Invalid UTF-8 in string", offset: offset)
    }
    return text
  }

  package mutating func parseHex4() throws -> UInt32 {
    guard position + 4 <= end else { throw error("Invalid \\uXXXX escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[position]
      let digit: UInt32
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
      default: throw error("Invalid \\uXXXX escape")
      }
      value = value << 4 | digit
      position += 1
    }
    return value
  }

  package mutating func parseNumber() throws -> JSONValue {
    let start = position
    var isInteger = true
    if position < end, bytes[position] == UInt8(ascii: "-") {
      position += 1
      if position < end, bytes[position] == UInt8(ascii: "I") {
        try expectLiteral("Infinity")
        return .double(-.infinity)
      }
    }
    guard position < end, isDigit(bytes[position]) else {
      position = start
      throw error("Expecting value")
    }
    if bytes[position] == UInt8(ascii: "0") {
      position += 1
    } else {
      while position < end, isDigit(bytes[position]) { position += 1 }
    }
    if position < end, bytes[position] == UInt8(ascii: ".") {
      isInteger = false
      position += 1
      guard position < end, isDigit(bytes[position]) else { throw error("Expecting value") }
      while position < end, isDigit(bytes[position]) { position += 1 }
    }
    if position < end, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
      isInteger = false
      position += 1
      if position < end, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
        position += 1
      }
      guard position < end, isDigit(bytes[position]) else { throw error("Expecting value") }
      while position < end, isDigit(bytes[position]) { position += 1 }
    }
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    if isInteger, let value = Int(text) { return .int(value) }
    guard let value = Double(text) else { throw JSONParseError(message: "Invalid number", offset: start) }
    return .double(value)
  }

  /// Skips one value, checking its syntax without building it.
  public mutating func skipValue() throws {
    guard position < end else { throw error("Expecting value") }
    switch bytes[position] {
    case UInt8(ascii: "\""): try skipString()
    case UInt8(ascii: "{"):
      try enter()
      defer { depth -= 1 }
      position += 1
      skipWhitespace()
      if position < end, bytes[position] == UInt8(ascii: "}") {
        position += 1
        return
      }
      while true {
        skipWhitespace()
        guard position < end, bytes[position] == UInt8(ascii: "\"") else {
          throw error("Expecting property name enclosed in double quotes")
        }
        try skipString()
        skipWhitespace()
        guard position < end, bytes[position] == UInt8(ascii: ":") else { throw error("Expecting ':' delimiter") }
        position += 1
        skipWhitespace()
        try skipValue()
        skipWhitespace()
        guard position < end else { throw error("Expecting ',' delimiter") }
        if bytes[position] == UInt8(ascii: ",") {
          position += 1
          continue
        }
        if bytes[position] == UInt8(ascii: "}") {
          position += 1
          return
        }
        throw error("Expecting ',' delimiter")
      }
    case UInt8(ascii: "["):
      try enter()
      defer { depth -= 1 }
      position += 1
      skipWhitespace()
      if position < end, bytes[position] == UInt8(ascii: "]") {
        position += 1
        return
      }
      while true {
        skipWhitespace()
        try skipValue()
        skipWhitespace()
        guard position < end else { throw error("Expecting ',' delimiter") }
        if bytes[position] == UInt8(ascii: ",") {
          position += 1
          continue
        }
        if bytes[position] == UInt8(ascii: "]") {
          position += 1
          return
        }
        throw error("Expecting ',' delimiter")
      }
    default:
      _ = try parseValue()
    }
  }

  package mutating func skipString() throws {
    let start = position
    position += 1
    var sawHighByte = false
    while position < end {
      position = plainEnd(from: position)
      guard position < end else { break }
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        if sawHighByte {
          _ = try JSONParser.makeString(
            UnsafeBufferPointer(rebasing: bytes[(start + 1)..<position]), checked: true, offset: start + 1)
        }
        position += 1
        return
      }
      if byte == UInt8(ascii: "\\") {
        position += 2
        continue
      }
      if byte < 0x20 { throw error("Invalid control character at") }
      if byte >= 0x80 { sawHighByte = true }
      position += 1
    }
    throw JSONParseError(message: "Unterminated string starting at", offset: start)
  }

  @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

  /// The first index at or after `start` (and before `end`) of a byte that ends a string's plain run: `"`, `\\`,
  /// a control character or a non-ASCII byte; `end` when there is none. Eight bytes at a time: every key and string
  /// value of every event-log row is scanned here.
  package func plainEnd(from start: Int) -> Int {
    var index = start
    if let base = bytes.baseAddress {
      let ones: UInt64 = 0x0101_0101_0101_0101
      let highs: UInt64 = 0x8080_8080_8080_8080
      while index + 8 <= end {
        let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
        // Per byte, the high bit set for: the byte itself >= 0x80; < 0x20; equal to '"'; equal to '\\'. The lowest
        // flagged byte is exact (a borrow only reaches bytes above a true match).
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let flagged =
          (word | (word &- ones &* 0x20) | (quote &- ones) & ~quote | (backslash &- ones) & ~backslash) & highs
        if flagged != 0 { return index + flagged.trailingZeroBitCount / 8 }
        index += 8
      }
    }
    while index < end {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { return index }
      index += 1
    }
    return end
  }
}
