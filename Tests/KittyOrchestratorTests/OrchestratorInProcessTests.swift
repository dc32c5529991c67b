import Foundation
import KittyCore
import KittyHost
@testable import KittyOrchestrator
import KittyTestSupport
import Testing

/// The orchestrator driven in-process (no CLI, no preflight), where retries can be made fast.
@Suite struct OrchestratorInProcessTests {
  final class Recorder: ProgressSink, @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ProgressEvent] = []
    func emit(_ event: ProgressEvent, state: RunState) {
      lock.lock()
      events.append(event)
      lock.unlock()
    }
    func finish(state: RunState) {}
    var messages: [String] {
      lock.lock()
      defer { lock.unlock() }
      return events.map { "\($0.wpID ?? "-") \($0.message)" }
    }
  }

  static func run(
    _ sandbox: OrchestratorSandbox, config: String, implement: [String], review: [String] = ["script"],
    options change: (inout OrchestrateOptions) -> Void = { _ in }
  ) async throws -> (RunResult, Recorder) {
    var options = OrchestrateOptions(
      root: sandbox.repo, mission: sandbox.slug, config: try OrchestratorConfig.parse(config))
    options.implementationAgents = implement
    options.reviewAgents = review
    options.backoffBase = 0.01
    change(&options)
    let recorder = Recorder()
    let orchestrator = Orchestrator(
      options: options, host: LocalHost(root: sandbox.repo), sink: recorder, slug: sandbox.slug)
    return (await orchestrator.run(), recorder)
  }

  @Test func anImplementerMissingFromPathFallsBackToTheNextAgent() async throws {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh")], name: "inproc")
    let (result, recorder) = try await Self.run(
      sandbox, config: "[agents.ghost]\ncommand = \"kitty-ghost-agent-9c1d\"\n", implement: ["ghost", "script"])
    #expect(result.exitCode == 0, "\(result.summary)\n\(recorder.messages)")
    #expect(result.state.state == .completed)
    let wp = try #require(result.state.wps["WP01"])
    #expect(wp.agentsTried == ["ghost", "script"])
    #expect(wp.retries == 0, "a command that cannot start is not retried")
    #expect(recorder.messages.contains { $0.contains("command not found on PATH") }, "\(recorder.messages)")
    #expect(try sandbox.lanes()["WP01"] == "approved")
  }

  @Test func anAgentThatNeverCommitsIsRetriedThenItsWPIsBlocked() async throws {
    let sandbox = try OrchestratorSandbox(
      [SandboxWP("WP01", file: "src/core.sh")], name: "inproc", agents: ["idle": "exit 0"])
    let (result, recorder) = try await Self.run(
      sandbox, config: "[agents]\nmax_retries = 2\n[agents.idle]\ncommand = \"\(sandbox.scratch)/idle.sh\"\n",
      implement: ["idle"])
    #expect(result.exitCode == 1)
    #expect(result.state.state == .attention)
    let wp = try #require(result.state.wps["WP01"])
    #expect(wp.attempt == 3)
    #expect(wp.retries == 2)
    #expect(wp.phase == .blocked)
    #expect(wp.lastError?.contains("idle exited 0 but made no commit") == true, "\(wp)")
    let failures = recorder.messages.filter { $0.contains("implementation attempt failed") }
    #expect(failures.count == 3, "\(recorder.messages)")
    #expect(try sandbox.lanes()["WP01"] == "blocked")
    #expect(try !sandbox.transitions("WP01").contains("in_progress->for_review"))
  }
}
