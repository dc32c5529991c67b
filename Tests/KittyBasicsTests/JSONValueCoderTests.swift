import KittyBasics
import Testing

/// `JSONValueEncoder`/`JSONValueDecoder`: Codable values to and from `JSONValue`, keys in the order written.
@Suite struct JSONValueCoderTests {
  struct Sample: Codable, Equatable {
    var zeta: Int
    var alpha: String?
    var small: Int32
    var big: UInt64
    var ratio: Double
    var flags: [Bool]
    var nested: [String: [Int]]
    var raw: JSONValue
  }

  let sample = Sample(
    zeta: -3, alpha: nil, small: 7, big: 1 << 40, ratio: 0.25, flags: [true, false], nested: ["a": [1, 2]],
    raw: ["z": 1, "a": [nil, "x"]])

  @Test func keysComeOutInDeclarationOrderAndRoundTrip() throws {
    let value = try JSONValueEncoder().encode(sample)
    // Synthesized conformances skip a nil optional (encodeIfPresent), as Foundation's encoder does.
    #expect(value.objectValue?.keys == ["zeta", "small", "big", "ratio", "flags", "nested", "raw"])
    #expect(value["big"] == .int(1 << 40))
    #expect(value["raw"]?.objectValue?.keys == ["z", "a"], "a JSONValue inside keeps its own order")
    #expect(try JSONValueDecoder().decode(Sample.self, from: value) == sample)
    let text = JSONWriter.pythonDefault.string(value)
    #expect(try JSONValueDecoder().decode(Sample.self, from: JSONParser.parse(Array(text.utf8))) == sample)
  }

  @Test func mismatchesNameThePathAndWhatWasFound() throws {
    var value = try JSONValueEncoder().encode(sample)
    guard case .object(var object) = value else {
      Issue.record("not an object")
      return
    }
    object["nested"] = ["a": [1, "two"]]
    value = .object(object)
    let error = try #require(throws: DecodingError.self) { try JSONValueDecoder().decode(Sample.self, from: value) }
    #expect(error.summary == "nested.a.[1]: expected an integer, found the string \"two\"")
  }

  @Test func anIntegerThatDoesNotFitIsAnErrorNotATruncation() throws {
    let error = try #require(throws: DecodingError.self) {
      try JSONValueDecoder().decode(Int32.self, from: .int(1 << 40))
    }
    #expect(error.summary.contains("out of range"))
    #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(UInt64.max) }
  }
}
