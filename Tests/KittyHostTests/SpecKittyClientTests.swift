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
}
