import KittyBasics
import Testing

/// The writer reproduces Python's `json.dumps` byte for byte (expected strings produced with CPython 3.11).
@Suite struct JSONWriterTests {
  @Test func compactDefaultEscapesNonASCII() throws {
    let value: JSONValue = ["b": "é\u{1F600}\n\"\\\u{01}/", "a": [1, 2.5, true, nil], "c": [:], "d": []]
    #expect(
      JSONWriter.pythonDefault.string(value)
        == #"{"b": "\u00e9\ud83d\ude00\n\"\\\u0001/", "a": [1, 2.5, true, null], "c": {}, "d": []}"#)
  }

  @Test func snapshotFormIsSortedIndentedAndKeepsUnicode() throws {
    let value: JSONValue = ["z": ["é"], "a": ["y": 1, "x": [:]]]
    #expect(
      JSONWriter.snapshotFile.string(value)
        == "{\n  \"a\": {\n    \"x\": {},\n    \"y\": 1\n  },\n  \"z\": [\n    \"é\"\n  ]\n}")
  }

  /// Keys sort by code point (a character past U+FFFF after U+FF21, unlike UTF-16 order), and strings that need
  /// no escape are written as they are, next to ones that do.
  @Test func keysSortByCodePointAndPlainStringsAreCopied() throws {
    let value: JSONValue = ["\u{FF21}": 1, "\u{1F600}": "café \"q\"\t", "b": "plain", "B": "y", "é": 3]
    #expect(
      JSONWriter(sortKeys: true, ensureASCII: false).string(value)
        == #"{"B": "y", "b": "plain", "é": 3, "Ａ": 1, "😀": "café \"q\"\t"}"#)
    #expect(
      JSONWriter.sortedLine.string(value)
        == #"{"B": "y", "b": "plain", "\u00e9": 3, "\uff21": 1, "\ud83d\ude00": "caf\u00e9 \"q\"\t"}"#)
  }

  @Test(arguments: [
    (1.0, "1.0"), (0.1, "0.1"), (1e16, "1e+16"), (1e-05, "1e-05"), (123456.789, "123456.789"), (-0.5, "-0.5"),
  ])
  func floatsLikePythonRepr(value: Double, text: String) {
    #expect(JSONWriter.pythonDefault.string(.double(value)) == text)
  }

  @Test func parserRoundTripKeepsKeyOrder() throws {
    let text = #"{"z": 1, "a": {"y": [1, -2, 3.5e2, "\u00e9"], "b": null}, "m": false}"#
    #expect(
      JSONWriter.pythonDefault.string(try JSONParser.parse(text))
        == #"{"z": 1, "a": {"y": [1, -2, 350.0, "\u00e9"], "b": null}, "m": false}"#)
  }

  @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"\\x\"", "01", "{\"a\":1}}"])
  func parserRejectsInvalidJSON(text: String) {
    #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
  }
}

@Suite struct PythonReprTests {
  @Test func containersAndStringsPrintAsPythonsStr() throws {
    #expect(
      PythonRepr.str(try JSONParser.parse(#"{"a": [1, true, null, 1.5], "b'": "x\"y"}"#))
        == #"{'a': [1, True, None, 1.5], "b'": 'x"y'}"#)
    #expect(PythonRepr.str("it's") == "it's")
    #expect(PythonRepr.repr("it's") == #""it's""#)
    #expect(PythonRepr.repr("a'b\"c\\\n") == #"'a\'b"c\\\n'"#)
  }
}
