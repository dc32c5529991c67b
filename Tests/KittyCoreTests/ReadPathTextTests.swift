import Foundation
import KittyCore
import KittyTestSupport
import Testing

/// Text helpers of the read path rewritten without NSString or Character properties read as before.
@Suite struct ReadPathTextTests {
  @Test(
    arguments: [
      ("plain", "'plain'"), ("it's", "\"it's\""), (#"a\b"#, #"'a\\b'"#), (#"it's "q""#, #"'it\'s "q"'"#),
      (#"\' ""#, #"'\\\' "'"#), ("", "''"), ("café'", "\"café'\""),
    ])
  func pythonQuoteIsPythonsRepr(value: String, repr: String) {
    #expect(MissionPaths.pythonQuote(value) == repr)
  }

  @Test func lanesFromUserValues() {
    for lane in Lane.allCases { #expect(Lane(userValue: lane.rawValue) == lane) }
    #expect(Lane(userValue: " In_Progress ") == .inProgress)
    #expect(Lane(userValue: "doing") == .inProgress)
    #expect(Lane(userValue: "DONE") == .done)
    #expect(Lane(userValue: "nope") == nil)
  }

  @Test func taskFileIDsFromNames() throws {
    let root = TestSupport.temporaryDirectory("task-ids")
    defer { try? FileManager.default.removeItem(atPath: root) }
    let tasks = "\(root)/kitty-specs/m-01ABCDEF/tasks"
    try FileManager.default.createDirectory(atPath: tasks, withIntermediateDirectories: true)
    for name in ["WP01-a.md", "WP002.md", "WPx.md", "WP03-b.txt", "notes.md", "WP04-café.md", "WP05.md.bak"] {
      try TestSupport.write("x\n", to: "\(tasks)/\(name)")
    }
    let mission = try Mission(repoRoot: root, slug: "m-01ABCDEF")
    #expect(mission.taskFileIDs().sorted() == ["WP002", "WP01", "WP04"])
  }
}
