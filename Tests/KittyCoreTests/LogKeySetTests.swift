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
}
