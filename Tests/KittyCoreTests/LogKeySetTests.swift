import Testing

@testable import KittyCore

/// `LogKeySet` must agree with `Set<LogKey>` (which it replaced in the reducer's dedup).
@Suite struct LogKeySetTests {
  @Test func agreesWithSetAcrossGrowthAndUnpackedKeys() {
    // Packed ids of several lengths (including the empty one), long and non-ASCII ids (kept as Strings),
    // each seen twice, into a set sized far too small so that it grows several times.
    var texts = (0..<5000).map { "01KE6P\(String($0, radix: 36).uppercased())" }
    texts += ["", "a", String(repeating: "Z", count: 32), String(repeating: "Z", count: 33), "évènement-01", "01KE6Pé"]
    var keys = LogKeySet(minimumCapacity: 4)
    var reference = Set<LogKey>()
    for text in texts + texts.reversed() {
      let key = LogKey(text)
      #expect(keys.insert(key) == reference.insert(key).inserted, "\(text)")
    }
    #expect(reference.count == texts.count)
  }

  /// The packing loads eight bytes at a time: every length up to 33 and every byte at every position must give
  /// what a byte-by-byte packing gives (nil outside 0x20..<0x80), and sort and print the same.
  @Test func packingEqualsTheByteByBytePacking() {
    func reference(_ bytes: [UInt8]) -> (words: [UInt64], text: String)? {
      guard bytes.count <= 32, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x80 }) else { return nil }
      var words = [UInt64](repeating: 0, count: 4)
      for (i, byte) in bytes.enumerated() { words[i / 8] |= UInt64(byte) << UInt64(56 - 8 * (i % 8)) }
      return (words, String(decoding: bytes, as: UTF8.self))
    }
    var generator = SystemRandomNumberGenerator()
    var previous: (key: LogKey, text: String)?
    for length in 0...33 {
      for position in 0..<max(length, 1) {
        for odd: UInt8 in [0x00, 0x1F, 0x20, 0x41, 0x7E, 0x7F, 0x80, 0xC3, 0xFF] {
          var bytes = (0..<length).map { _ in UInt8.random(in: 0x20..<0x7F, using: &generator) }
          if length > 0 { bytes[position] = odd }
          let key = bytes.withUnsafeBufferPointer { LogKey(bytes: $0) }
          guard let expected = reference(bytes) else {
            #expect(key == nil, "\(bytes)")
            continue
          }
          #expect(key?.string == expected.text, "\(bytes)")
          #expect(key == LogKey(expected.text), "\(bytes)")
          if let key, let previous {
            #expect((key < previous.key) == (expected.text < previous.text), "\(bytes)")
          }
          previous = key.map { ($0, expected.text) }
        }
      }
    }
  }
}
