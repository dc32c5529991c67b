import Foundation

/// Writes the compact binary form of the caches (fold checkpoints, the prompt-file index): little-endian integers,
/// length-prefixed UTF-8 strings and JSON values. Reading it back costs a fraction of parsing the same as JSON.
public struct BinaryWriter {
  public private(set) var bytes: [UInt8] = []

  public init(capacity: Int = 4096) {
    bytes.reserveCapacity(capacity)
  }

  public mutating func byte(_ value: UInt8) { bytes.append(value) }

  public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

  public mutating func uint64(_ value: UInt64) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  public mutating func int(_ value: Int) { uint64(UInt64(bitPattern: Int64(value))) }

  /// A count or a length: seven bits per byte.
  public mutating func count(_ value: Int) {
    var rest = UInt64(max(value, 0))
    while rest >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
      rest >>= 7
    }
    bytes.append(UInt8(rest))
  }

  public mutating func string(_ value: String) {
    var copy = value
    copy.withUTF8 { utf8 in
      count(utf8.count)
      bytes.append(contentsOf: utf8)
    }
  }

  public mutating func optionalString(_ value: String?) {
    bool(value != nil)
    if let value { string(value) }
  }

  public mutating func strings(_ values: [String]) {
    count(values.count)
    for value in values { string(value) }
  }

  public mutating func json(_ value: JSONValue) {
    switch value {
    case .null: byte(0)
    case .bool(let flag): byte(flag ? 2 : 1)
    case .int(let number):
      byte(3)
      int(number)
    case .double(let number):
      byte(4)
      uint64(number.bitPattern)
    case .string(let text):
      byte(5)
      string(text)
    case .array(let items):
      byte(6)
      count(items.count)
      for item in items { json(item) }
    case .object(let object):
      byte(7)
      self.object(object)
    }
  }

  public mutating func object(_ value: JSONObject) {
    count(value.count)
    for (key, item) in value {
      string(key)
      json(item)
    }
  }

  /// Pads with zeros to a multiple of `alignment` bytes (before raw words that are read in place).
  public mutating func align(_ alignment: Int) {
    while bytes.count % alignment != 0 { bytes.append(0) }
  }
}

/// Reads what `BinaryWriter` wrote. Every read checks the bounds: a cache file that is truncated or damaged reads
/// as nil, never out of range.
public struct BinaryReader {
  public let bytes: UnsafeBufferPointer<UInt8>
  public private(set) var position: Int

  public init(_ bytes: UnsafeBufferPointer<UInt8>, from position: Int = 0) {
    self.bytes = bytes
    self.position = position
  }

  public var isAtEnd: Bool { position == bytes.count }

  public mutating func byte() -> UInt8? {
    guard position < bytes.count else { return nil }
    defer { position += 1 }
    return bytes[position]
  }

  public mutating func bool() -> Bool? {
    switch byte() {
    case 0?: return false
    case 1?: return true
    default: return nil
    }
  }

  public mutating func uint64() -> UInt64? {
    guard bytes.count - position >= 8, let base = bytes.baseAddress else { return nil }
    defer { position += 8 }
    return UInt64(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
  }

  public mutating func int() -> Int? { uint64().map { Int(Int64(bitPattern: $0)) } }

  public mutating func count() -> Int? {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while let next = byte() {
      value |= UInt64(next & 0x7F) << shift
      if next & 0x80 == 0 { return value <= UInt64(Int32.max) ? Int(value) : nil }
      shift += 7
      if shift > 35 { return nil }
    }
    return nil
  }

  /// The next string's UTF-8 bytes, in place.
  public mutating func stringBytes() -> UnsafeBufferPointer<UInt8>? {
    guard let length = count(), bytes.count - position >= length else { return nil }
    defer { position += length }
    return UnsafeBufferPointer(rebasing: bytes[position..<(position + length)])
  }

  public mutating func string() -> String? { stringBytes().map { String(decoding: $0, as: UTF8.self) } }

  /// nil when damaged; `.some(nil)` for a stored nil.
  public mutating func optionalString() -> String?? {
    guard let present = bool() else { return nil }
    guard present else { return .some(nil) }
    guard let value = string() else { return nil }
    return .some(value)
  }

  public mutating func strings() -> [String]? {
    guard let count = count(), count <= bytes.count - position else { return nil }
    var values: [String] = []
    values.reserveCapacity(count)
    for _ in 0..<count {
      guard let value = string() else { return nil }
      values.append(value)
    }
    return values
  }

  public mutating func json(depth: Int = 0) -> JSONValue? {
    guard depth < 256, let tag = byte() else { return nil }
    switch tag {
    case 0: return .null
    case 1: return .bool(false)
    case 2: return .bool(true)
    case 3: return int().map { .int($0) }
    case 4: return uint64().map { .double(Double(bitPattern: $0)) }
    case 5: return string().map { .string($0) }
    case 6:
      guard let count = count(), count <= bytes.count - position else { return nil }
      var items: [JSONValue] = []
      items.reserveCapacity(count)
      for _ in 0..<count {
        guard let item = json(depth: depth + 1) else { return nil }
        items.append(item)
      }
      return .array(items)
    case 7: return object(depth: depth + 1).map { .object($0) }
    default: return nil
    }
  }

  public mutating func object(depth: Int = 0) -> JSONObject? {
    guard let count = count(), count <= bytes.count - position else { return nil }
    var object = JSONObject()
    for _ in 0..<count {
      guard let key = string(), let value = json(depth: depth) else { return nil }
      object[key] = value
    }
    return object
  }

  /// Skips to the next multiple of `alignment`.
  public mutating func align(_ alignment: Int) -> Bool {
    let next = (position + alignment - 1) / alignment * alignment
    guard next <= bytes.count else { return false }
    position = next
    return true
  }
}

/// A 64-bit checksum of whole words (what `BinaryWriter` pads to): catches a damaged cache file, not an attacker.
public struct BinaryChecksum {
  public private(set) var value: UInt64 = 0x243F_6A88_85A3_08D3

  public init() {}

  /// Adds `bytes` (a trailing part shorter than a word counts as zero-padded).
  public mutating func add(_ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    while offset + 8 <= bytes.count {
      mix(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
      offset += 8
    }
    if offset < bytes.count {
      var last: UInt64 = 0
      for index in offset..<bytes.count { last |= UInt64(bytes[index]) << (8 * UInt64(index - offset)) }
      mix(last)
    }
    mix(UInt64(bytes.count))
  }

  private mutating func mix(_ word: UInt64) {
    value = (value ^ word) &* 0x9E37_79B9_7F4A_7C15
    value ^= value >> 29
  }
}
