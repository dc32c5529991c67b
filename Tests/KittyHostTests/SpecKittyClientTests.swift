import Foundation
import KittyCore
@testable import KittyHost
import KittyTestSupport
import Testing

/// The spec-kitty client against stub `spec-kitty` scripts that behave as the real one can: text before the
/// envelope, a traceback with empty stdout, a hang, a slow lock, a refusal.
@Suite struct SpecKittyClientTests {
  struct Stub {
    let dir = TestSupport.temporaryDirectory("sk-stub")
    var calls: Int { ((try? TestSupport.read("\(dir)/calls")) ?? "").split(separator: "\n").count }

    init(_ body: String) throws {
      try TestSupport.write("#!/bin/sh\necho \"$*\" >> \"\(dir)/calls\"\n\(body)\n", to: "\(dir)/spec-kitty")
      chmod("\(dir)/spec-kitty", 0o755)
    }

    /// A generous default: only the hang test wants the time-out to fire (a loaded machine is slow, not hung).
    func client(timeout: Duration = .seconds(120)) -> SpecKittyClient {
      SpecKittyClient(root: dir, executable: "\(dir)/spec-kitty", timeout: timeout)
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }
  }

  static func envelope(_ success: Bool, code: String? = nil, data: String) -> String {
    #"{"contract_version": "1.5.0", "command": "orchestrator-api.x", "timestamp": "2026-01-01T00:00:00+00:00", "#
      + #""correlation_id": "corr-1", "success": \#(success), "error_code": \#(code.map { "\"\($0)\"" } ?? "null"), "#
      + #""data": \#(data)}"#
  }

  @Test func textBeforeTheEnvelopeIsSkipped() async throws {
    let data = #"{"ready_work_packages": [{"wp_id": "WP02", "lane": "planned", "dependencies_satisfied": true}]}"#
    let stub = try Stub("echo 'Warning: a newer spec-kitty is available'\necho '\(Self.envelope(true, data: data))'")
    defer { stub.remove() }
    #expect(try await stub.client().listReady(mission: "m") == ["WP02"])
    #expect(stub.calls == 1)
  }

  @Test func aRefusalCarriesItsErrorCodeAndIsNotRetried() async throws {
    let data = #"{"message": "WP01 is claimed by bot-a", "claimed_by": "bot-a"}"#
    let stub = try Stub("echo '\(Self.envelope(false, code: "WP_ALREADY_CLAIMED", data: data))'; exit 1")
    defer { stub.remove() }
    do {
      _ = try await stub.client().startImplementation(mission: "m", wp: "WP01", actor: "me", policy: "{}")
      Issue.record("a refusal must throw")
    } catch {
      #expect(error.code == .wpAlreadyClaimed)
      #expect(error.message == "WP01 is claimed by bot-a")
      #expect(error.details["claimed_by"] == .string("bot-a"))
    }
    #expect(stub.calls == 1)
  }

  /// A Python traceback with nothing on stdout: no envelope, so it is a transport failure, tried once more, and
  /// the message carries the end of the traceback.
  @Test func aTracebackIsATransportFailureTriedTwice() async throws {
    let stub = try Stub(
      "echo 'Traceback (most recent call last):' >&2\necho '  File \"x.py\", line 1' >&2\n"
        + "echo 'KeyError: lane' >&2\nexit 1")
    defer { stub.remove() }
    do {
      _ = try await stub.client().missionState(mission: "m")
      Issue.record("a traceback must throw")
    } catch {
      #expect(error.isTransport)
      #expect(error.message.contains("KeyError: lane"), "\(error.message)")
    }
    #expect(stub.calls == 2)
  }

  @Test(.timeLimit(.minutes(3))) func aHangTimesOutAndItsProcessGroupIsGone() async throws {
    let stub = try Stub("sleep 300 &\necho $! > \"$(dirname \"$0\")/child\"\nwait")
    defer { stub.remove() }
    let started = ContinuousClock.now
    do {
      _ = try await stub.client(timeout: .milliseconds(500)).missionState(mission: "m")
      Issue.record("a hang must throw")
    } catch {
      #expect(error.isTransport)
      #expect(error.message.contains("timed out"), "\(error.message)")
    }
    #expect(ContinuousClock.now - started < .seconds(90), "two tries of 0.5 s each, far from the stub's 300 s")
    let child = Int32(try TestSupport.read("\(stub.dir)/child").trimmingCharacters(in: .whitespacesAndNewlines))!
    var gone = false
    for _ in 0..<40 where !gone {
      let stat = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)) ?? ""
      gone = kill(child, 0) != 0 || stat.split(separator: ")").last?.split(separator: " ").first == "Z"
      if !gone { try await Task.sleep(for: .milliseconds(50)) }
    }
    #expect(gone, "the stub's child must be torn down with its group")
  }

  /// A call that waits on spec-kitty's status lock for a while still answers within the time-out.
  @Test func aSlowLockIsWaitedFor() async throws {
    let data = #"{"work_packages": [{"wp_id": "WP01", "lane": "doing", "dependencies": [], "last_actor": null}]}"#
    let stub = try Stub("sleep 1\necho '\(Self.envelope(true, data: data))'")
    defer { stub.remove() }
    let state = try await stub.client().missionState(mission: "m")
    #expect(state.lane(of: "WP01") == .inProgress, "the host's `doing` is in_progress")
    #expect(stub.calls == 1)
  }

  // MARK: spec-kitty 4.0.0rc7 (Tests/Conformance/spec-kitty-4.0, recorded from the real host)

  static let recorded40 = "\(TestSupport.repoRoot)/Tests/Conformance/spec-kitty-4.0"

  /// A stub that answers contract-version with `contractVersion` (a file), the landing verbs and mark-status with
  /// the recorded 4.0 answers, and anything else with exit 3.
  static func host40(contractVersion: String = "\(recorded40)/contract-version.json", markStatus: String? = nil)
    throws -> Stub
  {
    try Stub(
      """
      case "$1 $2" in
        "orchestrator-api contract-version") cat '\(contractVersion)' ;;
        "orchestrator-api consolidate-mission"|"orchestrator-api merge-mission") cat '\(recorded40)/consolidate-mission.json' ;;
        "agent tasks") \(markStatus ?? "cat '\(recorded40)/mark-status.json'") ;;
        *) echo "unexpected: $*" >&2; exit 3 ;;
      esac
      """)
  }

  func callLines(_ stub: Stub) -> [String] {
    ((try? TestSupport.read("\(stub.dir)/calls")) ?? "").split(separator: "\n").map(String.init)
  }

  @Test func contract116ListsItsVerbsAndLandsWithConsolidateMission() async throws {
    let stub = try Self.host40()
    defer { stub.remove() }
    let client = stub.client()
    let offered = try await client.capabilities()
    #expect(offered.contractVersion == "1.16.0")
    #expect(offered.supports("consolidate-mission") && !offered.supports("merge-mission"))
    #expect(offered.landingVerb == "consolidate-mission")
    let merged = try await client.mergeMission(mission: "m", target: nil, strategy: "merge")
    #expect(merged.targetBranch == "develop")
    #expect(try await client.contractVersion() == "1.16.0")
    let calls = callLines(stub)
    #expect(calls.filter { $0.contains("contract-version") }.count == 1, "probed once per client: \(calls)")
    #expect(calls.last == "orchestrator-api consolidate-mission --mission m --strategy merge")
  }

  @Test func contract150ListsNothingAndLandsWithMergeMission() async throws {
    let data = #"{"api_version": "1.5.0", "min_supported_provider_version": "0.1.0"}"#
    let file = TestSupport.temporaryDirectory("cv15") + "/cv.json"
    defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
    try TestSupport.write(Self.envelope(true, data: data), to: file)
    let stub = try Self.host40(contractVersion: file)
    defer { stub.remove() }
    let offered = try await stub.client().capabilities()
    #expect(offered.supportedVerbs == nil && offered.supports("merge-mission"))
    #expect(offered.landingVerb == "merge-mission")
    _ = try await stub.client().mergeMission(mission: "m", target: "develop", strategy: nil)
    #expect(callLines(stub).last == "orchestrator-api merge-mission --mission m --target develop")
    // 3.2.7's mark-status has no --wp.
    try await stub.client().markSubtasksDone(mission: "m", wp: "WP01", subtasks: ["T001"])
    #expect(callLines(stub).last == "agent tasks mark-status T001 --status done --mission m --json")
  }

  @Test func subtasksAreMarkedWithMarkStatusAndAMissingOneIsAnError() async throws {
    let stub = try Self.host40()
    defer { stub.remove() }
    try await stub.client().markSubtasksDone(mission: "m", wp: "WP01", subtasks: ["T001", "T002"])
    #expect(callLines(stub).last == "agent tasks mark-status T001 T002 --status done --mission m --wp WP01 --json")
    try await stub.client().markSubtasksDone(mission: "m", wp: "WP01", subtasks: [])
    #expect(callLines(stub).count == 2, "no subtasks: no call")

    let missing = #"{"results": [], "summary": {"updated": 0, "already_satisfied": 0, "not_found": 1}}"#
    let refusing = try Self.host40(markStatus: "echo '\(missing)'")
    defer { refusing.remove() }
    do {
      try await refusing.client().markSubtasksDone(mission: "m", wp: "WP01", subtasks: ["T009"])
      Issue.record("an unknown subtask must throw")
    } catch {
      #expect(error.message.contains("did not find 1 of WP01's subtasks (T009)"), "\(error.message)")
    }
    let failing = try Self.host40(markStatus: #"echo '{"error": "--mission <slug> is required"}'; exit 1"#)
    defer { failing.remove() }
    do {
      try await failing.client().markSubtasksDone(mission: "m", wp: "WP01", subtasks: ["T001"])
      Issue.record("a failed mark-status must throw")
    } catch {
      #expect(!error.isTransport)
      #expect(error.message == "--mission <slug> is required")
    }
  }

  /// STATUS_LOCK_HELD (contract 1.13) is a lock held past its bound: tried once more, then reported with its code.
  @Test func statusLockHeldIsTriedOnceMore() async throws {
    let data = #"{"wp_id": "WP01", "lock_timeout_seconds": 30, "message": "claim lock held by another claimant"}"#
    let stub = try Stub("echo '\(Self.envelope(false, code: "STATUS_LOCK_HELD", data: data))'; exit 1")
    defer { stub.remove() }
    do {
      _ = try await stub.client().startImplementation(mission: "m", wp: "WP01", actor: "me", policy: "{}")
      Issue.record("a held lock must throw")
    } catch {
      #expect(error.code == .statusLockHeld)
    }
    #expect(stub.calls == 2)
  }

  /// accept-mission's refusal keeps 4.0's readiness checks (`outstanding`) for the orchestrator to show.
  @Test func acceptMissionRefusalCarriesTheOutstandingChecks() async throws {
    let stub = try Stub("cat '\(Self.recorded40)/accept-mission-not-ready.json'; exit 1")
    defer { stub.remove() }
    do {
      try await stub.client().acceptMission(mission: "m", actor: "boss")
      Issue.record("the recorded refusal must throw")
    } catch {
      #expect(error.code == .missionNotReady)
      #expect(error.message == "Acceptance checks failed; run verify to see outstanding issues.")
      let metadata = error.details["outstanding"]?["metadata"]?.arrayValue ?? []
      #expect(metadata.count == 4)
      #expect(metadata.first?.stringValue?.hasPrefix("WP01: missing agent in canonical runtime state") == true)
    }
  }
}
