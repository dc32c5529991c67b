import Foundation
import KittyCore
import KittyExecutors
@testable import KittyOrchestrator
import KittyTestSupport
import Testing

/// The run-state file through `Codable`: what older git-kitty versions wrote still loads, and is written back the same.
@Suite struct RunStateCodingTests {
  /// A run state exactly as the hand-written encoder before `Codable` wrote it (every key, in its order).
  static let previousFormat = """
    {
      "schema": 1,
      "run_id": "01jf4m8k2v3q9x7y5z0a1b2c3d",
      "mission": "demo-feature-01M806VT",
      "state": "attention",
      "pid": 4242,
      "started_at": "2026-12-04T10:00:00+00:00",
      "updated_at": "2026-12-04T10:05:00+00:00",
      "host": "native",
      "actor": "git-kitty",
      "options": {
        "implementation_agents": [
          "claude"
        ],
        "review_agents": [
          "codex"
        ],
        "max_concurrent": 2,
        "merge": false,
        "target": null,
        "strategy": null,
        "max_cost_usd": 1.5,
        "on_budget": "finish",
        "sandbox": "bwrap"
      },
      "wps": {
        "WP01": {
          "phase": "done",
          "agent": "codex",
          "role": "review",
          "attempt": 1,
          "cycle": 2,
          "retries": 0,
          "started_at": "2026-12-04T10:00:01+00:00",
          "updated_at": "2026-12-04T10:03:00+00:00",
          "pid": null,
          "pid_start": null,
          "log": ".kittify/logs/WP01-review-2.log",
          "last_error": null,
          "feedback": "add the \\"--quiet\\" flag",
          "agents_tried": [
            "claude",
            "codex"
          ],
          "claim_head": "0123456789abcdef0123456789abcdef01234567",
          "session": "5f0c…",
          "session_agent": "claude",
          "usage": {
            "input_tokens": 1200,
            "output_tokens": 300,
            "cached_input_tokens": 800,
            "cost_usd": 0.0123
          },
          "reviewer_changes": null
        },
        "WP02": {
          "phase": "blocked",
          "agent": "claude",
          "role": "implement",
          "attempt": 3,
          "cycle": 0,
          "retries": 2,
          "started_at": "2026-12-04T10:00:02+00:00",
          "updated_at": "2026-12-04T10:05:00+00:00",
          "pid": 31337,
          "pid_start": 987654321,
          "log": null,
          "last_error": "the agent exited with 1",
          "feedback": null,
          "agents_tried": [],
          "claim_head": null,
          "session": null,
          "session_agent": null,
          "usage": null,
          "reviewer_changes": "put aside on kitty/reviewer-changes/WP02"
        }
      },
      "summary": "WP02 is blocked: the agent exited with 1",
      "usage": {
        "input_tokens": 1200,
        "output_tokens": 300,
        "cached_input_tokens": 800,
        "cost_usd": 0.0123
      }
    }

    """

  func root(with text: String) throws -> String {
    let root = TestSupport.temporaryDirectory("run-state")
    try TestSupport.write(text, to: RunState.path(root: root))
    return root
  }

  @Test func aFileInThePreviousFormatLoadsAndIsWrittenBackByteForByte() throws {
    let root = try root(with: Self.previousFormat)
    let state = try #require(try RunState.read(root: root))
    #expect(state.state == .attention)
    #expect(state.pid == 4242)
    #expect(state.options.implementationAgents == ["claude"] && state.options.reviewAgents == ["codex"])
    #expect(state.options.maxCostUSD == 1.5 && state.options.sandbox == .bwrap && state.options.onBudget == .finish)
    #expect(state.options.executor == nil && !state.options.skipAcceptance)
    let wp01 = try #require(state.wps["WP01"])
    #expect(wp01.phase == .done)
    #expect(wp01.agentsTried == ["claude", "codex"])
    #expect(wp01.feedback == "add the \"--quiet\" flag")
    #expect(wp01.usage == AgentUsage(inputTokens: 1200, outputTokens: 300, cachedInputTokens: 800, costUSD: 0.0123))
    let wp02 = try #require(state.wps["WP02"])
    #expect(wp02.phase == .blocked)
    #expect(wp02.pid == 31337 && wp02.pidStart == 987_654_321)
    #expect(wp02.usage == nil && wp02.job == nil && wp02.node == nil)

    state.save(root: root)
    #expect(try TestSupport.read(RunState.path(root: root)) == Self.previousFormat)
  }

  @Test func anOldFileWithoutTheNewerKeysLoadsWithDefaults() throws {
    // Before pid_start, sessions, usage and reviewer changes were recorded.
    let root = try root(
      with: """
        {"schema": 1, "run_id": "r1", "mission": "m", "state": "running", "pid": 7,
         "wps": {"WP01": {"phase": "implementing", "agent": "script", "attempt": 1, "pid": 99}}}
        """)
    let state = try #require(RunState.load(root: root))
    #expect(state.state == .running && state.host == "native" && state.actor == "git-kitty")
    #expect(state.options == SavedRunOptions() && state.summary == nil)
    let wp = try #require(state.wps["WP01"])
    #expect(wp.phase == .implementing && wp.pid == 99 && wp.pidStart == nil)
    #expect(wp.cycle == 0 && wp.agentsTried.isEmpty && wp.usage == nil)

    let bare = try self.root(with: #"{"mission": "m"}"#)
    let minimal = try #require(RunState.load(root: bare))
    #expect(minimal.state == .interrupted && minimal.wps.isEmpty)
  }

  @Test func everyPhaseAndStateRoundTrips() throws {
    for (index, phase) in WPRunState.Phase.allCases.enumerated() {
      var state = RunState(
        mission: "m", host: "native", actor: "a",
        options: SavedRunOptions(implementationAgents: ["script"], merge: true, executor: .slurm, skipAcceptance: true))
      state.state = RunState.Status.allCases[index % RunState.Status.allCases.count]
      var wp = WPRunState()
      wp.phase = phase
      wp.usage = AgentUsage(inputTokens: 1, outputTokens: 2, costUSD: nil)
      state.wps["WP0\(index)"] = wp
      let decoded = try JSONValueDecoder().decode(RunState.self, from: JSONValueEncoder().encode(state))
      #expect(decoded == state)
    }
  }

  @Test func theClusterJobAndNodeArePersistedOnlyWhenSet() throws {
    var state = RunState(mission: "m", host: "native", actor: "a", options: SavedRunOptions())
    state.wps["WP01"] = WPRunState()
    var withJob = WPRunState()
    withJob.job = "4711"
    withJob.node = "kn2"
    state.wps["WP02"] = withJob
    let root = TestSupport.temporaryDirectory("run-state")
    state.save(root: root)

    let saved = try JSONParser.parse(Array(try TestSupport.read(RunState.path(root: root)).utf8))
    #expect(saved["wps"]?["WP01"]?.objectValue?.contains("job") == false)
    #expect(saved["wps"]?["WP02"]?["job"] == "4711")
    #expect(saved["wps"]?["WP02"]?["node"] == "kn2")
    #expect(saved["wps"]?["WP02"]?.objectValue?.keys.suffix(3) == ["reviewer_changes", "job", "node"])
    let loaded = try #require(RunState.load(root: root))
    #expect(loaded == state)
  }

  @Test func aFileThatIsNotARunStateIsRefusedWithWhereAndWhy() throws {
    let cases: [(String, String)] = [
      (#"{"mission": "m", "wps": {"WP01": {"phase": "sleeping"}}}"#, "wps.WP01.phase"),
      (#"{"mission": "m", "state": "paused"}"#, "state"),
      (#"{"mission": "m", "wps": {"WP01": {"attempt": "3"}}}"#, "wps.WP01.attempt: expected an integer"),
      (#"{"mission": "m", "pid": 99999999999}"#, "pid"),
      (#"{"mission": 3}"#, "it names no mission"),
    ]
    for (text, expected) in cases {
      let root = try root(with: text)
      let before = try TestSupport.read(RunState.path(root: root))
      #expect(RunState.load(root: root) == nil)
      let error = try #require(throws: RunStateUnreadable.self) { try RunState.check(root: root) }
      #expect(error.description.contains(expected), "\(error.description)")
      #expect(try TestSupport.read(RunState.path(root: root)) == before, "a refused file must stay as it was")
    }
  }

  @Test func theStatusJSONOfAWPKeepsItsKeysAndOrder() throws {
    var wp = WPRunState()
    wp.phase = .reviewing
    let keys = try #require(wp.json.objectValue?.keys)
    #expect(
      keys == [
        "phase", "agent", "role", "attempt", "cycle", "retries", "started_at", "updated_at", "pid", "pid_start", "log",
        "last_error", "feedback", "agents_tried", "claim_head", "session", "session_agent", "usage",
        "reviewer_changes",
      ])
    #expect(wp.json["phase"] == "reviewing")
  }
}
