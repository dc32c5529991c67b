import Foundation
@testable import KittyCore
import KittyTestSupport
import Testing

/// status.json re-materialised from the event log must equal, byte for byte, what spec-kitty committed —
/// at every commit of every fixture repository that carries a mission.
@Suite struct StatusMaterializationTests {
  static let fixtures = ["lanes-fresh", "lanes-merged", "coord-accepted"]

  @Test(arguments: fixtures)
  func everyCommittedStatusFileIsReproduced(fixture: String) throws {
    let repo = try TestSupport.cloneFixture(fixture)
    let commits = try TestSupport.git(
      ["log", "--all", "--format=%H", "--", "kitty-specs/*/status.json"], in: repo
    ).split(separator: "\n").map(String.init)
    #expect(commits.count >= 1)
    var compared = 0
    for commit in commits {
      let paths = try TestSupport.git(["ls-tree", "-r", "--name-only", commit, "kitty-specs"], in: repo)
        .split(separator: "\n").map(String.init).filter { $0.hasSuffix("/status.json") }
      for statusPath in paths {
        let missionPath = (statusPath as NSString).deletingLastPathComponent
        let slug = (missionPath as NSString).lastPathComponent
        let scratch = TestSupport.temporaryDirectory("materialize")
        let dir = "\(scratch)/kitty-specs/\(slug)"
        for file in ["status.json", "status.events.jsonl", "meta.json"] {
          guard let text = try? TestSupport.git(["show", "\(commit):\(missionPath)/\(file)"], in: repo) else {
            continue
          }
          try TestSupport.write(text, to: "\(dir)/\(file)")
        }
        let expected = try TestSupport.read("\(dir)/status.json")
        // spec-kitty's coordination "husk" (no events on this branch) is not a materialisation.
        guard FileManager.default.fileExists(atPath: "\(dir)/status.events.jsonl") else { continue }
        let mission = try Mission(repoRoot: scratch, slug: slug)
        let actual = try mission.materializedStatus()
        #expect(actual == expected, "status.json of \(slug) at \(commit.prefix(8)) in \(fixture)")
        compared += 1
      }
    }
    #expect(compared >= 1)
    print("compared \(compared) status files in \(fixture)")
  }
}

/// The `retrospective` block, against what spec-kitty 3.2.7's `materialize_snapshot` produced for the same rows.
@Suite struct RetrospectiveTests {
  @Test func theBlockJoinsStatusJSONAsSpecKittyWritesIt() throws {
    let repo = try TestSupport.cloneFixture("lanes-fresh")
    let slug = "demo-feature-01M806VT"
    let events = "\(repo)/kitty-specs/\(slug)/status.events.jsonl"
    let committed = try TestSupport.read("\(repo)/kitty-specs/\(slug)/status.json")
    let rows = [
      #"{"event_name": "retrospective.requested", "at": "2026-02-01T10:00:00+00:00", "event_id": "01RETRO00000000000000000A1", "mission_slug": "demo-feature-01M806VT", "payload": {"mode": {"value": "autonomous", "source_signal": {"kind": "explicit_flag", "evidence": "--autonomous"}}}}"#,
      #"{"event_name": "retrospective.started", "at": "2026-02-01T10:00:01+00:00", "event_id": "01RETRO00000000000000000A2", "payload": {}}"#,
      #"{"event_name": "retrospective.proposal.generated", "at": "2026-02-01T10:00:02+00:00", "event_id": "01RETRO00000000000000000A3", "payload": {"n": 1}}"#,
      #"{"event_name": "retrospective.proposal.generated", "at": "2026-02-01T10:00:03+00:00", "event_id": "01RETRO00000000000000000A4"}"#,
      #"{"event_name": "retrospective.proposal.generated", "at": "2026-02-01T10:00:04+00:00", "event_id": "01RETRO00000000000000000A5"}"#,
      #"{"event_name": "retrospective.proposal.applied", "at": "2026-02-01T10:00:05+00:00", "event_id": "01RETRO00000000000000000A6"}"#,
      #"{"event_name": "retrospective.proposal.rejected", "at": "2026-02-01T10:00:06+00:00", "event_id": "01RETRO00000000000000000A7"}"#,
      #"{"event_name": "retrospective.completed", "at": "2026-02-01T10:00:07+00:00", "event_id": "01RETRO00000000000000000A8", "payload": {"record_path": "kitty-specs/demo-feature-01M806VT/retrospective.md"}}"#,
      #"{"event_name": "retrospective.failed", "at": "2026-02-01T09:00:00+00:00", "event_id": "01RETRO00000000000000000A0", "payload": {"record_path": 7}}"#,
    ]
    let handle = try #require(FileHandle(forWritingAtPath: events))
    handle.seekToEndOfFile()
    handle.write(Data((rows.joined(separator: "\n") + "\n").utf8))
    handle.closeFile()
    let block = """
        "retrospective": {
          "mode": {
            "source_signal": {
              "evidence": "--autonomous",
              "kind": "explicit_flag"
            },
            "value": "autonomous"
          },
          "proposals_applied": 1,
          "proposals_pending": 1,
          "proposals_rejected": 1,
          "proposals_total": 3,
          "record_path": "kitty-specs/demo-feature-01M806VT/retrospective.md",
          "status": "completed"
        },

      """
    var lines = committed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let after = try #require(lines.firstIndex { $0.hasPrefix("  \"mission_type\"") })
    lines.insert(String(block.dropLast()), at: after + 1)
    let actual = try Mission(repoRoot: repo, slug: slug).materializedStatus()
    #expect(actual == lines.joined(separator: "\n"))
  }

  func block(_ rows: [String]) throws -> JSONValue? {
    try Retrospective.block(rows.map { try #require(JSONParser.parse($0).objectValue) })
  }

  @Test func aRequestWithAnInvalidModeLeavesThePendingBlockWithoutOne() throws {
    let value = try block([
      #"{"event_name": "retrospective.requested", "at": "b", "event_id": "1", "payload": {"mode": {"value": "human_in_command", "source_signal": {"kind": "environment", "evidence": "x", "extra": 1}}}}"#,
      #"{"event_name": "retrospective.started", "at": "c", "event_id": "2"}"#,
    ])
    #expect(
      value
        == [
          "status": "pending", "mode": .null, "record_path": .null, "proposals_total": 0, "proposals_applied": 0,
          "proposals_rejected": 0, "proposals_pending": 0,
        ])
  }

  @Test func theLatestRowsByTimeDecideAndARecordPathIsPrintedAsPythonWould() throws {
    let value = try block([
      #"{"event_name": "retrospective.skipped", "at": "a", "event_id": "1", "payload": {"record_path": {"a": [1, true]}}}"#,
      #"{"event_name": "retrospective.requested", "at": "a", "event_id": "0", "payload": {"mode": {"value": "human_in_command", "source_signal": {"kind": "environment", "evidence": "x"}}}}"#,
    ])
    #expect(value?["status"] == "skipped")
    #expect(value?["record_path"] == "{'a': [1, True]}")
    #expect(value?["mode"]?["source_signal"]?["kind"] == "environment")
  }

  @Test func noRetrospectiveRowsNoBlock() throws {
    #expect(try block([]) == nil)
  }
}
