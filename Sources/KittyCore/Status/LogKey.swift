/// A short ASCII string (an event id or an `at` timestamp) held inline in 32 bytes, compared and hashed as
/// four integers. Longer or non-ASCII text keeps a String. Byte order equals Python's code-point order for
/// these values, so sorting by `LogKey` sorts like spec-kitty's `(at, event_id)` tuples.
public struct LogKey: Hashable, Comparable, Sendable, CustomStringConvertible {
  private var w0: UInt64 = 0
  private var w1: UInt64 = 0
  private var w2: UInt64 = 0
  private var w3: UInt64 = 0
  private var count: UInt8 = 0
  private var overflow: String?

  public init(_ text: String) {
    var copy = text
    if let key = copy.withUTF8({ LogKey(bytes: $0) }) {
      self = key
    } else {
      overflow = text
      count = 255
    }
  }

  /// Packs up to 32 ASCII bytes big-endian; nil when the text does not fit.
  init?(bytes: UnsafeBufferPointer<UInt8>) {
    guard bytes.count <= 32 else { return nil }
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    for (i, byte) in bytes.enumerated() {
      guard byte >= 0x20 && byte < 0x80 else { return nil }
      let shift = UInt64(56 - 8 * (i % 8))
      switch i / 8 {
      case 0: words.0 |= UInt64(byte) << shift
      case 1: words.1 |= UInt64(byte) << shift
      case 2: words.2 |= UInt64(byte) << shift
      default: words.3 |= UInt64(byte) << shift
      }
    }
    (w0, w1, w2, w3) = words
    count = UInt8(bytes.count)
  }

  public var string: String {
    if let overflow { return overflow }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(count))
    for i in 0..<Int(count) {
      let word = [w0, w1, w2, w3][i / 8]
      bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * (i % 8))))
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  public var description: String { string }

  public static func < (a: LogKey, b: LogKey) -> Bool {
    if a.overflow != nil || b.overflow != nil {
      return a.string.unicodeScalars.lexicographicallyPrecedes(b.string.unicodeScalars)
    }
    if a.w0 != b.w0 { return a.w0 < b.w0 }
    if a.w1 != b.w1 { return a.w1 < b.w1 }
    if a.w2 != b.w2 { return a.w2 < b.w2 }
    if a.w3 != b.w3 { return a.w3 < b.w3 }
    return a.count < b.count
  }
}
