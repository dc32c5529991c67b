import KittyCore
import Testing

/// The fold rules of host-contract §5.4 on hand-made logs (the fixtures' logs are already in order).
@Suite struct StatusReducerTests {
  static func row(
    _ id: String, _ wp: String, _ from: String, _ to: String, at: String, actor: String = "a", force: Bool = false,
    extra: String = ""
  ) -> String {
    #"{"actor": "\#(actor)", "at": "2026-01-01T00:00:\#(at)+00:00", "event_id": "\#(id)", "evidence": null, "execution_mode": "worktree", "force": \#(force), "from_lane": "\#(from)", "mission_slug": "m-01ABCDEF", "policy_metadata": null, "reason": null, "review_ref": null, "to_lane": "\#(to)", "wp_id": "\#(wp)"\#(extra)}"#
  }

  static func note(_ id: String, _ wp: String, at: String, _ delta: String) -> String {
    #"{"actor": "n", "at": "2026-01-01T00:00:\#(at)+00:00", "delta": \#(delta), "event_id": "\#(id)", "kind": "annotation", "wp_id": "\#(wp)"}"#
  }

  static func reduce(_ lines: [String]) throws -> StatusSnapshot {
    StatusReducer.reduce(try EventLogReader.read(text: lines.joined(separator: "\n") + "\n"))
  }

  @Test func sortsByTimeThenEventID() throws {
    let snap = try Self.reduce([
      Self.row("01B", "WP01", "claimed", "in_progress", at: "02.000000"),
      Self.row("01A", "WP01", "planned", "claimed", at: "01.000000"),
      Self.row("01D", "WP02", "planned", "blocked", at: "05.000000"),
      Self.row("01C", "WP02", "planned", "claimed", at: "05.000000"),
    ])
    #expect(snap.workPackages["WP01"]?.lane == "in_progress")
    #expect(snap.workPackages["WP02"]?.lane == "blocked")
    #expect(snap.lastEventID == "01D")
    #expect(snap.materializedAt == "2026-01-01T00:00:05.000000+00:00")
  }

  @Test func duplicateEventIDsKeepTheFirst() throws {
    let snap = try Self.reduce([
      Self.row("01A", "WP01", "planned", "claimed", at: "01.000000"),
      Self.row("01A", "WP01", "planned", "blocked", at: "01.000000"),
    ])
    #expect(snap.workPackages["WP01"]?.lane == "claimed")
    #expect(snap.eventCount == 1)
  }

  @Test func rollbackBeatsForwardAtTheSameInstant() throws {
    let rollback = Self.row(
      "01B", "WP01", "in_review", "in_progress", at: "09.000000",
      extra: #", "review_result": {"reference": "r", "reviewer": "rev", "verdict": "changes_requested"}"#)
    let forward = Self.row("01C", "WP01", "in_review", "approved", at: "09.000000")
    let snap = try Self.reduce([rollback, forward])
    #expect(snap.workPackages["WP01"]?.lane == "in_progress")
    #expect(snap.workPackages["WP01"]?.lastEventID == "01B")
    // The skipped event still counts and still marks the snapshot's last event.
    #expect(snap.eventCount == 2)
    #expect(snap.lastEventID == "01C")
    let forwardFirst = try Self.reduce([
      Self.row("01A", "WP01", "in_review", "approved", at: "09.000000"), rollback,
    ])
    #expect(forwardFirst.workPackages["WP01"]?.lane == "in_progress")
  }

  @Test func forceCountAccumulates() throws {
    let snap = try Self.reduce([
      Self.row("01A", "WP01", "planned", "done", at: "01.000000", force: true),
      Self.row("01B", "WP01", "done", "planned", at: "02.000000", force: true),
      Self.row("01C", "WP01", "planned", "claimed", at: "03.000000"),
    ])
    #expect(snap.workPackages["WP01"]?.forceCount == 2)
  }

  @Test func reviewResultIsStickyAndNullOnForcedExit() throws {
    let snap = try Self.reduce([
      Self.row(
        "01A", "WP01", "in_review", "approved", at: "01.000000",
        extra:
          #", "review_result": {"feedback_path": "f.md", "reference": "r1", "reviewer": "rev", "verdict": "approved"}"#),
      Self.row("01B", "WP01", "approved", "done", at: "02.000000"),
    ])
    #expect(snap.workPackages["WP01"]?.slots["review_result"]?["feedback_path"] == "f.md")
    let forced = try Self.reduce([Self.row("01A", "WP01", "in_review", "planned", at: "01.000000", force: true)])
    #expect(forced.workPackages["WP01"]?.slots["review_result"] == .null)
    let never = try Self.reduce([Self.row("01A", "WP01", "planned", "claimed", at: "01.000000")])
    #expect(never.workPackages["WP01"]?.slots["review_result"] == nil)
  }

  @Test func cancellationProvenance() throws {
    func source(_ reason: String?, _ reasonSource: String? = nil) throws -> String? {
      var extra = ""
      if let reasonSource { extra = #", "reason_source": "\#(reasonSource)""# }
      var line = Self.row("01A", "WP01", "planned", "canceled", at: "01.000000", extra: extra)
      if let reason { line = line.replacingOccurrences(of: #""reason": null"#, with: #""reason": "\#(reason)""#) }
      return try Self.reduce([line]).workPackages["WP01"]?.reasonSource
    }
    #expect(try source("not needed") == "operator")
    #expect(try source(nil) == "synthetic")
    #expect(try source("  ") == "synthetic")
    #expect(try source("Force move to canceled") == "synthetic")
    #expect(try source("whatever", "synthetic") == "synthetic")
    // Provenance disappears once the WP leaves canceled.
    let reopened = try Self.reduce([
      Self.row("01A", "WP01", "planned", "canceled", at: "01.000000"),
      Self.row("01B", "WP01", "canceled", "planned", at: "02.000000", force: true),
    ])
    #expect(reopened.workPackages["WP01"]?.slots["reason_source"] == nil)
  }

  @Test func claimSidecarCopiesRuntimeSlots() throws {
    let claim = Self.row("01A", "WP01", "planned", "claimed", at: "01.000000").replacingOccurrences(
      of: #""policy_metadata": null"#, with: #""policy_metadata": {"agent": "codex", "shell_pid": 42}"#)
    let snap = try Self.reduce([claim, Self.row("01B", "WP01", "claimed", "in_progress", at: "02.000000")])
    #expect(snap.workPackages["WP01"]?.slots["shell_pid"] == .int(42))
    #expect(snap.workPackages["WP01"]?.slots["agent"] == "codex")
  }

  @Test func annotationsFoldAfterTransitions() throws {
    let snap = try Self.reduce([
      Self.note("01M00000000000000000000003", "WP01", at: "03.000000", #"{"note": "second"}"#),
      Self.note(
        "01M00000000000000000000001", "WP01", at: "01.000000", #"{"note": "first", "subtasks": {"T1": "done"}}"#),
      Self.row("01Z", "WP01", "planned", "claimed", at: "09.000000"),
      Self.note(
        "01M00000000000000000000004", "WP01", at: "04.000000", #"{"subtasks": {"T2": "planned"}, "agent": ""}"#),
      Self.note("01M00000000000000000000005", "WP02", at: "05.000000", #"{"release_runtime_claim": true}"#),
    ])
    let wp1 = try #require(snap.workPackages["WP01"])
    #expect(wp1.lane == "claimed")
    #expect(wp1.slots["notes"] == ["first", "second"])
    #expect(wp1.slots["subtasks"] == ["T1": "done", "T2": "planned"])
    #expect(wp1.slots["agent"] == nil)
    let wp2 = try #require(snap.workPackages["WP02"])
    #expect(wp2.lane == "uninitialized")
    #expect(wp2.slots["agent"] == .null)
    #expect(snap.summary[.claimed] == 1)
    #expect(snap.summary.values.reduce(0, +) == 1)
  }

  @Test func mixedRowsAreClassified() throws {
    let stream = try EventLogReader.read(
      text: [
        #"{"event_type": "MissionCreated", "event_id": "x"}"#,
        #"{"event_name": "retrospective.started", "at": "x"}"#,
        "",
        "   ",
        Self.row("01A", "WP01", "planned", "claimed", at: "01.000000"),
        Self.note("01M00000000000000000000001", "WP01", at: "01.000000", #"{"note": "n"}"#),
      ].joined(separator: "\n"))
    #expect(stream.transitions.count == 1)
    #expect(stream.annotations.count == 1)
  }

  @Test func structuredActorsProjectToTheirTool() throws {
    let line = Self.row("01A", "WP01", "planned", "claimed", at: "01.000000").replacingOccurrences(
      of: #""actor": "a""#, with: #""actor": {"model": null, "profile": "p", "role": "implementer", "tool": "claude"}"#)
    #expect(try Self.reduce([line]).workPackages["WP01"]?.actor == "claude")
  }

  @Test(arguments: [
    (#"{"kind": "other"}"#, "Unknown event kind 'other' on line 1"),
    (#"[1, 2]"#, "Invalid event structure on line 1: expected JSON object"),
    (#"{"event_id": "01A"}"#, "Invalid event structure on line 1: 'wp_id'"),
    (
      #"{"actor": "a", "at": "x", "event_id": "1", "execution_mode": "w", "force": false, "from_lane": "doing", "to_lane": "planned", "wp_id": "WP01"}"#,
      "Invalid event structure on line 1: 'doing' is not a valid Lane"
    ),
    (
      #"{"kind": "annotation", "event_id": "bad", "wp_id": "WP01", "at": "x", "actor": "a", "delta": {}}"#,
      "Invalid event structure on line 1: InnerStateChanged.event_id is not a valid ULID: 'bad'"
    ),
    (
      #"{"a": 1,}"#,
      "Invalid JSON on line 1: Expecting property name enclosed in double quotes: line 1 column 9 (char 8)"
    ),
    (#"{"a": 1} x"#, "Invalid JSON on line 1: Extra data: line 1 column 10 (char 9)"),
  ])
  func invalidRowsAreRefusedWithSpecKittysMessage(line: String, message: String) {
    #expect(throws: (any Error).self) { try EventLogReader.read(text: line) }
    do {
      _ = try EventLogReader.read(text: line)
    } catch {
      #expect(error.description == message)
    }
  }
}
