import Foundation
import Testing

@testable import KittyBasics

/// The fast frontmatter reader must read exactly what the full YAML parser reads, or decline.
@Suite struct YAMLTests {
  static let samples: [String] = [
    "work_package_id: WP01\ntitle: Core\ndependencies: []\nsubtasks:\n- T001\n- T002\n",
    "a: 'it''s'\nb: \"quoted \\\"x\\\" \\u00e9\"\nc: ~\nd: null\ne: true\nf: 034\ng: 1.5\nh: yes\ni: 2026-01-01\n",
    "history:\n- at: '2026-01-01T00:00:00Z'\n  actor: system\n  action: Prompt generated\n- at: x\n  actor: y\n",
    "deps: [WP01, 'WP02', \"WP03\"]\nempty: {}\nnested:\n  inner: 1\n  list:\n  - a\n",
    "key: value # comment\n# whole line comment\nurl: http://x/y#z\n",
    "owned_files:\n  - src/a.sh\n  - 'src/b c.sh'\n",
    "text: a: b\n",  // not plain YAML: both must agree or the fast path must decline
    "block: |\n  line one\n  line two\n",
    "anchor: &a 1\nref: *a\n",
    "folded: >\n  x\n  y\n",
    "multi: first\n  continued\n",
    "dup: 1\ndup: 2\n",
    // Lines read byte by byte: CRLF, a bare "-" item, "-x" (a word, not an item), words that start like a null,
    // bool or number, a document marker and a directive (declined).
    "a: 1\r\nb:\r\n- x\r\n- -y\r\n",
    "list:\n-\n",
    "w: nothing\nx: Nope\ny: trueish\nz: .5\nv: -3\nu: +4\nt: fALSE\ns: ~x\n",
    "a: 1\n---\nb: 2\n",
    "%YAML 1.2\na: 1\n",
  ]

  /// Which samples the fast reader must read (and then agree with Yams) and which it must decline: a sample
  /// that moves from one side to the other fails here, so a fast path that silently stops working is caught.
  static let declined: Set<String> = [
    "text: a: b\n", "block: |\n  line one\n  line two\n", "anchor: &a 1\nref: *a\n", "folded: >\n  x\n  y\n",
    "multi: first\n  continued\n", "dup: 1\ndup: 2\n", "list:\n-\n", "a: 1\n---\nb: 2\n", "%YAML 1.2\na: 1\n",
  ]

  @Test(arguments: samples)
  func fastReaderAgreesWithYamsOrDeclines(sample: String) throws {
    let fast = SimpleYAML.parse(sample)
    if Self.declined.contains(sample) {
      #expect(fast == nil, "the fast reader must decline this sample")
      return
    }
    let read = try #require(fast, "the fast reader must read this sample")
    #expect(read == (try YAML.parseFully(sample)))
  }

  /// ASCII lines take a byte-by-byte path; it must strip exactly what the character path strips.
  @Test(arguments: [
    "key: value # comment", "url: http://x/y#z", "a: 'x # y' # z", "b: \"x \\\" # y\" # z", "[a, 'b # c'] # d",
    "c: 'unbalanced", "d: \"unbalanced", "e: x#y", "f: ,'q # r'", "g:  trailing   ", "#", "h: \\ # i",
  ])
  func asciiCommentStrippingAgreesWithTheCharacterPath(line: String) {
    #expect(SimpleYAML.stripASCIIComment(Substring(line)) == SimpleYAML.stripCommentByCharacter(Substring(line)))
  }

  @Test func plainScalarsResolveWithTheCoreSchema() {
    #expect(YAML.resolvePlain("yes") == .string("yes"))
    #expect(YAML.resolvePlain("034") == .int(34))
    #expect(YAML.resolvePlain("0x1F") == .int(31))
    #expect(YAML.resolvePlain("1e3") == .double(1000))
    #expect(YAML.resolvePlain("~") == .null)
    #expect(YAML.resolvePlain("WP01") == .string("WP01"))
    #expect(YAML.resolvePlain("-") == .string("-"))
  }

  @Test func duplicateKeysAreRefused() {
    #expect(throws: YAML.ParseError.self) { try YAML.parse("a: 1\na: 2\n") }
  }
}
