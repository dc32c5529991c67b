import Foundation
import KittyCore
import KittyHost
import KittyTestSupport
import Testing

/// Every bad input answers with one envelope carrying a fitting error code, exits 1 or 2, and leaves the
/// repository exactly as it was (spec-kitty crashes with a traceback on several of these).
@Suite struct BadInputTests {
  static let slug = "demo-feature-01M806VT"

  struct Outcome {
    let response: OrchestratorAPI.Response
    var code: String? { response.envelope.errorCode?.rawValue }
    var message: String { response.envelope.data["message"]?.stringValue ?? "" }
  }

  /// Runs the verb in a fresh clone after `prepare`, and checks nothing on disk changed.
  func call(_ arguments: [String], prepare: (String) throws -> Void = { _ in }) throws -> Outcome {
    let repo = try TestSupport.cloneFixture("lanes-fresh")
    try prepare(repo)
    let before = TestSupport.snapshotTree(repo)
    let response = OrchestratorAPI.run(arguments, currentDirectory: repo)
    #expect(TestSupport.snapshotTree(repo) == before, "the call changed files on disk")
    #expect(!response.envelope.success)
    #expect([1, 2].contains(response.exitCode))
    #expect(!response.line.contains("\n"))
    return Outcome(response: response)
  }

  var missionDir: (String) -> String { { "\($0)/kitty-specs/\(Self.slug)" } }

  @Test func traversalHandle() throws {
    let out = try call(["mission-state", "--mission", "../../etc"])
    #expect(out.code == "USAGE_ERROR")
    #expect(out.message.contains("Not a safe path segment"))
  }

  @Test func emptyHandle() throws {
    let out = try call(["list-ready", "--mission", ""])
    #expect(out.code == "USAGE_ERROR")
    #expect(out.message.contains("empty"))
  }

  @Test func unknownHandle() throws {
    let out = try call(["mission-state", "--mission", "no-such-mission"])
    #expect(out.code == "MISSION_NOT_FOUND")
    #expect(out.message == "Mission 'no-such-mission' not found in kitty-specs/")
  }

  @Test func ambiguousHumanSlug() throws {
    let out = try call(["mission-state", "--mission", "demo-feature"]) { repo in
      try TestSupport.git(["mv", "kitty-specs/\(Self.slug)", "kitty-specs/tmp"], in: repo)
      try FileManager.default.copyItem(
        atPath: "\(repo)/kitty-specs/tmp", toPath: "\(repo)/kitty-specs/demo-feature-01M80000")
      try TestSupport.git(["mv", "kitty-specs/tmp", "kitty-specs/\(Self.slug)"], in: repo)
    }
    #expect(out.code == "MISSION_NOT_FOUND")
    #expect(out.message.contains("ambiguous"))
    #expect(out.response.envelope.data["candidates"] == .strings(["demo-feature-01M80000", Self.slug]))
  }

  @Test func lowerCaseWP() throws {
    let out = try call(["resolve-workspace", "--mission", Self.slug, "--wp", "wp01"])
    #expect(out.code == "WP_NOT_FOUND")
    #expect(out.message == "Work package 'wp01' not found in \(Self.slug)")
  }

  @Test func missingSpecsDirectory() throws {
    let out = try call(["mission-state", "--mission", Self.slug]) { repo in
      try FileManager.default.removeItem(atPath: "\(repo)/kitty-specs")
    }
    #expect(out.code == "MISSION_NOT_FOUND")
    #expect(out.message.contains("kitty-specs"))
  }

  @Test func notARepository() throws {
    let dir = TestSupport.temporaryDirectory("norepo")
    let response = OrchestratorAPI.run(["mission-state", "--mission", "x"], currentDirectory: dir)
    #expect(response.envelope.errorCode == .missionNotFound)
    #expect(response.exitCode == 1)
  }

  @Test func malformedEventLine() throws {
    let out = try call(["mission-state", "--mission", Self.slug]) { repo in
      let path = "\(self.missionDir(repo))/status.events.jsonl"
      var lines = try TestSupport.read(path).split(separator: "\n").map(String.init)
      lines.insert("{\"actor\": \"x\", \"at\": ", at: 3)
      try TestSupport.write(lines.joined(separator: "\n") + "\n", to: path)
    }
    #expect(out.code == "MISSION_NOT_READY")
    #expect(out.message.contains("Invalid JSON on line 4"))
    #expect(out.response.envelope.data["line"] == .int(4))
  }

  @Test func unknownLaneInTransition() throws {
    let out = try call(["list-ready", "--mission", Self.slug]) { repo in
      let path = "\(self.missionDir(repo))/status.events.jsonl"
      let text = try TestSupport.read(path)
      let row =
        #"{"actor": "x", "at": "2026-11-21T23:59:00.000000+00:00", "event_id": "01M806ZZZZZZZZZZZZZZZZZZZZ", "evidence": null, "execution_mode": "worktree", "force": false, "from_lane": "planned", "mission_slug": "demo-feature-01M806VT", "policy_metadata": null, "reason": null, "review_ref": null, "to_lane": "flying", "wp_id": "WP01"}"#
      try TestSupport.write(text + row + "\n", to: path)
    }
    #expect(out.code == "MISSION_NOT_READY")
    #expect(out.message.contains("'flying' is not a valid Lane"))
  }

  @Test func unknownEventKind() throws {
    let out = try call(["mission-state", "--mission", Self.slug]) { repo in
      let path = "\(self.missionDir(repo))/status.events.jsonl"
      try TestSupport.write(try TestSupport.read(path) + #"{"kind": "mystery", "wp_id": "WP01"}"# + "\n", to: path)
    }
    #expect(out.code == "MISSION_NOT_READY")
    #expect(out.message.contains("Unknown event kind 'mystery'"))
  }

  @Test func brokenYAML() throws {
    let out = try call(["mission-state", "--mission", Self.slug]) { repo in
      let path = "\(self.missionDir(repo))/tasks/WP02-left.md"
      let text = try TestSupport.read(path).replacingOccurrences(of: "dependencies:", with: "dependencies: [WP01\nbad:")
      try TestSupport.write(text, to: path)
    }
    #expect(out.code == "MISSION_NOT_READY")
    #expect(out.message.contains("WP02-left.md"))
  }

  @Test func dependencyCycle() throws {
    let out = try call(["list-ready", "--mission", Self.slug]) { repo in
      let path = "\(self.missionDir(repo))/tasks/WP01-core.md"
      let text = try TestSupport.read(path).replacingOccurrences(of: "dependencies: []", with: "dependencies:\n- WP04")
      try TestSupport.write(text, to: path)
    }
    #expect(out.code == "MISSION_NOT_READY")
    #expect(out.message.contains("cycle"))
    #expect(out.message.contains("WP01 -> WP04"))
  }

  @Test func dependencyOnMissingWP() throws {
    let out = try call(["mission-state", "--mission", Self.slug]) { repo in
      let path = "\(self.missionDir(repo))/tasks/WP01-core.md"
      let text = try TestSupport.read(path).replacingOccurrences(of: "dependencies: []", with: "dependencies:\n- WP42")
      try TestSupport.write(text, to: path)
    }
    #expect(out.code == "MISSION_NOT_READY")
    #expect(out.message.contains("WP42"))
  }

  @Test func nonUTF8EventLog() throws {
    let out = try call(["mission-state", "--mission", Self.slug]) { repo in
      let path = "\(self.missionDir(repo))/status.events.jsonl"
      var data = FileManager.default.contents(atPath: path)!
      data.append(contentsOf: Array(#"{"kind": "annotation", "actor": ""#.utf8) + [0xFF, 0xFE] + Array("\"}\n".utf8))
      try data.write(to: URL(fileURLWithPath: path))
    }
    #expect(out.code == "MISSION_NOT_READY")
    #expect(out.message.contains("UTF-8"))
  }

  @Test func nonUTF8PromptFile() throws {
    let out = try call(["mission-state", "--mission", Self.slug]) { repo in
      let path = "\(self.missionDir(repo))/tasks/WP03-right.md"
      var data = FileManager.default.contents(atPath: path)!
      data.append(contentsOf: [0xC3, 0x28])
      try data.write(to: URL(fileURLWithPath: path))
    }
    #expect(out.code == "MISSION_NOT_READY")
    #expect(out.message.contains("WP03-right.md"))
  }

  @Test func fiftyMegabyteGarbageLine() throws {
    var lineNumber = 0
    let out = try call(["mission-state", "--mission", Self.slug]) { repo in
      let path = "\(self.missionDir(repo))/status.events.jsonl"
      lineNumber = try TestSupport.read(path).split(separator: "\n").count + 1
      let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
      handle.seekToEndOfFile()
      handle.write(Data("{\"actor\": \"".utf8))
      let chunk = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
      for _ in 0..<50 { handle.write(chunk) }
      handle.write(Data("\n".utf8))
      try handle.close()
    }
    #expect(out.code == "MISSION_NOT_READY")
    #expect(
      out.message.contains(
        "Invalid JSON on line \(lineNumber): Unterminated string starting at: line 1 column 11 (char 10)"))
  }
}
