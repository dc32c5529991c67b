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

  /// Packs up to 32 ASCII bytes big-endian; nil when the text does not fit. Every key of every row of the
  /// event log comes through here (1.2 million calls in a 100,000-row fold), so the bytes are loaded and checked
  /// eight at a time; a byte-by-byte loop was ~8 % of a cold fold's CPU.
  init?(bytes: UnsafeBufferPointer<UInt8>) {
    let count = bytes.count
    guard count <= 32 else { return nil }
    guard count > 0, let base = bytes.baseAddress else { return }
    let w0 = Self.word(base, count, 0)
    let w1 = Self.word(base, count, 8)
    let w2 = Self.word(base, count, 16)
    let w3 = Self.word(base, count, 24)
    guard Self.printableASCII(w0, count, 0), Self.printableASCII(w1, count, 8), Self.printableASCII(w2, count, 16),
      Self.printableASCII(w3, count, 24)
    else { return nil }
    (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    self.count = UInt8(count)
  }

  /// Bytes `offset..<offset+8` of the text as a big-endian word, zero past its end.
  @inline(__always) private static func word(_ base: UnsafePointer<UInt8>, _ count: Int, _ offset: Int) -> UInt64 {
    let available = count - offset
    if available >= 8 {
      return UInt64(bigEndian: UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self))
    }
    var word: UInt64 = 0
    var i = 0
    while i < available {
      word |= UInt64(base[offset + i]) << UInt64(56 - 8 * i)
      i += 1
    }
    return word
  }

  /// Whether the text's bytes in this word are all in 0x20..<0x80 (the padding past the end is not looked at).
  @inline(__always) private static func printableASCII(_ word: UInt64, _ count: Int, _ offset: Int) -> Bool {
    let available = count - offset
    if available <= 0 { return true }
    let high: UInt64 = 0x8080_8080_8080_8080
    let mask = available >= 8 ? high : high & ~(UInt64.max >> UInt64(8 * available))
    // A byte below 0x80 plus 0x60 carries into its own high bit exactly when it is 0x20 or more, and never
    // into the next byte.
    return word & mask == 0 && (word &+ 0x6060_6060_6060_6060) & mask == mask
  }

  /// The packed words and length, for `LogKeySet`; nil for text held as a String.
  var packed: (UInt64, UInt64, UInt64, UInt64, count: UInt8)? {
    overflow == nil ? (w0, w1, w2, w3, count) : nil
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

/// The event ids already seen by the reducer's first-wins dedup: open addressing over the packed words with a
/// multiplicative hash. `Set<LogKey>` hashed each id with a freshly seeded SipHash and copied it, a large share of
/// the sequential part of the read verbs. The hash takes a per-process random seed, so that a crafted log cannot
/// pick ids that all land in one slot.
struct LogKeySet {
  /// Four words per slot; `lengths` holds the key's byte count plus one, 0 for an empty slot.
  private var words: [UInt64]
  private var lengths: [UInt8]
  private var mask: Int
  private var used = 0
  /// Keys that are not packed (long or non-ASCII text).
  private var overflow = Set<String>()
  private let seed = UInt64.random(in: 0...UInt64.max) | 1

  init(minimumCapacity: Int) {
    var slots = 16
    while slots < minimumCapacity * 2 { slots *= 2 }
    words = Array(repeating: 0, count: slots * 4)
    lengths = Array(repeating: 0, count: slots)
    mask = slots - 1
  }

  /// Adds the key; false when it was already there.
  mutating func insert(_ key: LogKey) -> Bool {
    guard let packed = key.packed else { return overflow.insert(key.string).inserted }
    if (used + 1) * 2 > lengths.count { grow() }
    let inserted = insert(packed)
    if inserted { used += 1 }
    return inserted
  }

  private mutating func insert(_ key: (UInt64, UInt64, UInt64, UInt64, count: UInt8)) -> Bool {
    var slot = Int(truncatingIfNeeded: hash(key)) & mask
    while lengths[slot] != 0 {
      if lengths[slot] == key.count + 1, words[slot * 4] == key.0, words[slot * 4 + 1] == key.1,
        words[slot * 4 + 2] == key.2, words[slot * 4 + 3] == key.3
      {
        return false
      }
      slot = (slot + 1) & mask
    }
    lengths[slot] = key.count + 1
    words[slot * 4] = key.0
    words[slot * 4 + 1] = key.1
    words[slot * 4 + 2] = key.2
    words[slot * 4 + 3] = key.3
    return true
  }

  private func hash(_ key: (UInt64, UInt64, UInt64, UInt64, count: UInt8)) -> UInt64 {
    let h = mix(mix(mix(mix(seed ^ UInt64(key.count), key.0), key.1), key.2), key.3)
    return h ^ (h >> 32)
  }

  @inline(__always) private func mix(_ h: UInt64, _ word: UInt64) -> UInt64 {
    let m = (h ^ word) &* 0x9E37_79B9_7F4A_7C15
    return m ^ (m >> 29)
  }

  private mutating func grow() {
    let (oldWords, oldLengths) = (words, lengths)
    words = Array(repeating: 0, count: oldWords.count * 2)
    lengths = Array(repeating: 0, count: oldLengths.count * 2)
    mask = lengths.count - 1
    for slot in oldLengths.indices where oldLengths[slot] != 0 {
      let w = slot * 4
      _ = insert((oldWords[w], oldWords[w + 1], oldWords[w + 2], oldWords[w + 3], count: oldLengths[slot] - 1))
    }
  }
}
