import Testing

@testable import KittyBasics

/// `plainEnd` scans eight bytes at a time; it must stop where a byte-by-byte scan stops.
@Suite struct JSONParserScanTests {
  static func reference(_ bytes: [UInt8], from start: Int) -> Int {
    var index = start
    while index < bytes.count {
      let byte = bytes[index]
      if byte == 0x22 || byte == 0x5C || byte < 0x20 || byte >= 0x80 { return index }
      index += 1
    }
    return bytes.count
  }

  @Test func stopsWhereAByteByByteScanStops() {
    var generator = SystemRandomNumberGenerator()
    let specials: [UInt8] = [0x00, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0x9F, 0xA0, 0xC3, 0xFF]
    for length in 0...40 {
      for _ in 0..<60 {
        var bytes = (0..<length).map { _ in UInt8.random(in: 0x20..<0x7F, using: &generator) }
        // Zero to three odd bytes at random places (a borrow from one must not hide or fake another).
        for _ in 0..<Int.random(in: 0...3, using: &generator) where length > 0 {
          bytes[Int.random(in: 0..<length, using: &generator)] = specials.randomElement(using: &generator)!
        }
        let start = length == 0 ? 0 : Int.random(in: 0...length, using: &generator)
        let found = bytes.withUnsafeBufferPointer { buffer in
          JSONParser(bytes: buffer).plainEnd(from: start)
        }
        #expect(found == Self.reference(bytes, from: start), "\(bytes) from \(start)")
      }
    }
  }

  @Test func stringsWithEscapesAndNonASCIIStillParse() throws {
    #expect(
      try JSONParser.parse(#"{"a": "x\"y\\z", "b": "été", "c": "\u00e9\n"}"#)
        == .object(["a": .string("x\"y\\z"), "b": .string("été"), "c": .string("é\n")]))
    #expect(throws: JSONParseError.self) { try JSONParser.parse("\"tab\tinside\"") }
  }
}
