import Foundation
@testable import KittyExecutors
import KittyTestSupport
import Testing

/// The local executor with small shell "agents": failure classes, error lines, verdicts, time-outs, and the
/// structured-output path with canned CLI events.
@Suite struct LocalExecutorTests {
  struct Agent {
    let dir: String
    let spec: AgentSpec

    init(_ script: String, output: AgentOutputFormat = .text) throws {
      dir = TestSupport.temporaryDirectory("exec")
      try TestSupport.write("#!/bin/sh\n" + script, to: "\(dir)/agent.sh")
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(dir)/agent.sh")
      var settings = AgentCatalog.Settings()
      settings.command = "\(dir)/agent.sh"
      settings.output = output.rawValue
      spec = try AgentCatalog.spec("test-agent", settings: settings)
    }

    func invocation(role: AgentRole = .implementation, timeout: Double = 30) -> AgentInvocation {
      AgentInvocation(
        spec: spec, role: role, wpID: "WP01", missionSlug: "m", attempt: 1, cycle: 1,
        paths: AgentPaths(
          workspace: dir, promptFile: "\(dir)/prompt.md", verdictFile: role == .review ? "\(dir)/verdict.json" : nil),
        prompt: "The WP says: our API answers 401 when the key is wrong.", logFile: "\(dir)/logs/run.log",
        timeout: timeout)
    }

    func run(role: AgentRole = .implementation, timeout: Double = 30) async -> AgentOutcome {
      await LocalExecutor(grace: .milliseconds(300)).run(invocation(role: role, timeout: timeout)) { _ in }
    }

    var log: String { (try? String(contentsOfFile: "\(dir)/logs/run.log", encoding: .utf8)) ?? "" }
    func remove() { try? FileManager.default.removeItem(atPath: dir) }
  }

  /// The run's own header (paths, timestamps) must not decide how an agent failed.
  @Test func aCrashIsACrashWithItsLastLineAsTheError() async throws {
    let agent = try Agent("echo 'working'\necho 'boom: segfault in parser'\nexit 1\n")
    defer { agent.remove() }
    let outcome = await agent.run()
    #expect(outcome.status == .exited(1))
    #expect(outcome.failure == .crashed)
    #expect(outcome.errorLine == "boom: segfault in parser")
    #expect(outcome.message == "exit 1: boom: segfault in parser")
  }

  @Test func aRateLimitMessageIsClassifiedAsARateLimit() async throws {
    let agent = try Agent("echo 'Error: Too Many Requests, slow down'\nexit 1\n")
    defer { agent.remove() }
    #expect(await agent.run().failure == .rateLimit)
  }

  @Test func theExitStatusOfAKilledAgentIsASignal() async throws {
    let agent = try Agent("kill -KILL $$\n")
    defer { agent.remove() }
    let outcome = await agent.run()
    #expect(outcome.status == .signalled(SIGKILL))
    #expect(outcome.failure == .crashed)
  }

  @Test(.timeLimit(.minutes(1))) func aTimeoutIsATimeout() async throws {
    let agent = try Agent("sleep 60\n")
    defer { agent.remove() }
    let outcome = await agent.run(timeout: 0.5)
    #expect(outcome.failure == .timeout)
    #expect(agent.log.contains("(timed out after 0s)") || agent.log.contains("timed out"))
  }

  @Test func aTextReviewerVerdictComesFromItsOutput() async throws {
    let agent = try Agent(
      "cat >/dev/null\necho 'checked it'\necho '**KITTY_VERDICT: changes_requested**'\necho 'add a test'\n")
    defer { agent.remove() }
    let outcome = await agent.run(role: .review)
    #expect(outcome.failure == nil)
    #expect(outcome.verdict == Verdict(approved: false, feedback: "add a test"))
  }

  /// Claude Code's stream-json: the transcript is readable, usage and cost are read, the verdict comes from the
  /// final message, and the prompt's own "401" decides nothing.
  @Test func claudeStreamJSONIsParsed() async throws {
    let events = [
      #"{"type":"system","subtype":"init","session_id":"s-123","model":"claude-opus-5-5","tools":["Bash"]}"#,
      #"{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"git diff HEAD~1"}}]},"session_id":"s-123"}"#,
      #"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":"diff --git a/x b/x"}]},"session_id":"s-123"}"#,
      #"{"type":"assistant","message":{"content":[{"type":"text","text":"Looks right.\nKITTY_VERDICT: approved"}]},"session_id":"s-123"}"#,
      #"{"type":"result","subtype":"success","is_error":false,"result":"Looks right.\nKITTY_VERDICT: approved","session_id":"s-123","total_cost_usd":0.0123,"usage":{"input_tokens":100,"cache_read_input_tokens":50,"output_tokens":20}}"#,
    ]
    let agent = try Agent(
      "cat >/dev/null\ncat <<'EOF'\n" + events.joined(separator: "\n") + "\nEOF\n", output: .claudeStreamJSON)
    defer { agent.remove() }
    let outcome = await agent.run(role: .review)
    #expect(outcome.failure == nil)
    #expect(outcome.verdict?.approved == true)
    #expect(outcome.report.sessionID == "s-123")
    #expect(
      outcome.report.usage == AgentUsage(inputTokens: 100, outputTokens: 20, cachedInputTokens: 50, costUSD: 0.0123))
    #expect(agent.log.contains("tool Bash: git diff HEAD~1"))
    #expect(agent.log.contains("assistant: Looks right."))
    #expect(!agent.log.contains(#""type":"result""#), "raw JSON belongs in the .jsonl file")
    let raw = try String(contentsOfFile: "\(agent.dir)/logs/run.jsonl", encoding: .utf8)
    #expect(raw.split(separator: "\n").count == events.count)
  }

  @Test func claudeAPIErrorsAreClassifiedFromTheResultEvent() async throws {
    let result =
      #"{"type":"result","subtype":"success","is_error":true,"result":"API Error: Request rejected (429) · rate limited","session_id":"s-9","total_cost_usd":0,"usage":{"input_tokens":0,"output_tokens":0}}"#
    let agent = try Agent("cat >/dev/null\necho '\(result)'\nexit 1\n", output: .claudeStreamJSON)
    defer { agent.remove() }
    let outcome = await agent.run()
    #expect(outcome.failure == .rateLimit)
    #expect(outcome.errorLine == "API Error: Request rejected (429) · rate limited")
  }

  /// Codex echoes the prompt (which says "401") before it fails on a 500: the class comes from its error event.
  @Test func codexErrorsAreClassifiedFromItsEventsNotFromTheEchoedPrompt() async throws {
    let events = [
      #"{"type":"thread.started","thread_id":"th-1"}"#,
      #"{"type":"turn.started"}"#,
      #"{"type":"error","message":"exceeded retry limit, last status: 500 Internal Server Error"}"#,
      #"{"type":"turn.failed","error":{"message":"exceeded retry limit, last status: 500 Internal Server Error"}}"#,
    ]
    let agent = try Agent(
      "echo 'User instructions: our API answers 401 when the key is wrong.' >&2\ncat <<'EOF'\n"
        + events.joined(separator: "\n") + "\nEOF\nexit 1\n", output: .codexJSON)
    defer { agent.remove() }
    let outcome = await agent.run()
    #expect(outcome.failure == .server)
    #expect(outcome.errorLine == "exceeded retry limit, last status: 500 Internal Server Error")
    #expect(outcome.report.sessionID == "th-1")
  }

  @Test func codexUsageAndFinalMessageAreRead() async throws {
    let events = [
      #"{"type":"thread.started","thread_id":"th-2"}"#,
      #"{"type":"item.completed","item":{"id":"i0","type":"command_execution","command":"bash -lc 'git commit -m x'","aggregated_output":"[lane 1a2b] x","exit_code":0,"status":"completed"}}"#,
      #"{"type":"item.completed","item":{"id":"i1","type":"agent_message","text":"Done.\nKITTY_VERDICT: changes_requested\nplease add tests"}}"#,
      #"{"type":"turn.completed","usage":{"input_tokens":300,"cached_input_tokens":100,"output_tokens":40}}"#,
    ]
    let agent = try Agent("cat <<'EOF'\n" + events.joined(separator: "\n") + "\nEOF\n", output: .codexJSON)
    defer { agent.remove() }
    let outcome = await agent.run(role: .review)
    #expect(outcome.verdict == Verdict(approved: false, feedback: "please add tests"))
    #expect(outcome.report.usage == AgentUsage(inputTokens: 300, outputTokens: 40, cachedInputTokens: 100))
    #expect(agent.log.contains("tool shell: bash -lc 'git commit -m x'"))
  }

  @Test func placeholdersAreFilledAndAFlagWithoutItsValueIsDropped() {
    var spec = AgentCatalog.builtIn["codex"]!
    spec.model = nil
    let paths = AgentPaths(
      workspace: "/r/.worktrees/m-lane-a", promptFile: "/p.md", gitDir: "/r/.git/worktrees/m-lane-a",
      gitCommonDir: "/r/.git", branch: "kitty/mission-m-lane-a")
    let argv = spec.argv(role: .implementation, paths: paths, promptText: "")
    #expect(argv.contains("/r/.git/worktrees/m-lane-a"))
    #expect(argv.contains("/r/.git/objects"))
    #expect(argv.contains("/r/.git/refs/heads/kitty"))
    #expect(argv.contains("/r/.git/logs/refs/heads/kitty"))
    #expect(!argv.contains("/r/.git/refs"), "all of refs/ would let it move main")
    let noGit = spec.argv(role: .implementation, paths: AgentPaths(workspace: "/w", promptFile: "/p"), promptText: "")
    #expect(!noGit.contains("--add-dir"), "\(noGit)")
    let resumed = spec.argv(role: .rework, paths: paths, promptText: "", resumeSession: "th-7")
    #expect(Array(resumed.suffix(3)) == ["resume", "th-7", "-"], "the sandbox flags stay before `resume`")
    #expect(resumed.contains("/r/.git/refs/heads/kitty"))
    let claude = AgentCatalog.builtIn["claude-code"]!.argv(
      role: .rework, paths: paths, promptText: "", resumeSession: "s-1")
    #expect(Array(claude.suffix(2)) == ["--resume", "s-1"])
  }
}
