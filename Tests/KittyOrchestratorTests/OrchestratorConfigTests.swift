import Foundation
import KittyExecutors
import KittyOrchestrator
import Testing

/// `.kittify/orchestrator.toml` keys git-kitty adds to the reference orchestrator's.
@Suite struct WorktreeSetupConfigTests {
  @Test func theWorktreeTableIsRead() throws {
    let config = try OrchestratorConfig.parse("[worktree]\nsetup = \"npm ci\"\nsetup_timeout_seconds = 120\n")
    #expect(config.worktreeSetup == "npm ci")
    #expect(config.worktreeSetupTimeout == 120)
    #expect(try OrchestratorConfig.parse("max_concurrent_wps = 2\n").worktreeSetup == nil)
  }

  @Test(arguments: ["[worktree]\nsetup = 3\n", "[worktree]\nsetup = \"  \"\n", "worktree = 1\n"])
  func aBadSetupIsRefusedWithItsKey(_ text: String) {
    #expect(throws: OrchestratorConfig.Invalid.self) { try OrchestratorConfig.parse(text) }
  }
}

/// `[sandbox]` of orchestrator.toml.
@Suite struct SandboxConfigTests {
  @Test func theSandboxTableIsRead() throws {
    let config = try OrchestratorConfig.parse(
      "[sandbox]\nmode = \"bwrap\"\nnetwork = \"none\"\ndeny_read = [\"~/.ssh\", \".env\"]\nwritable = [\"/opt/c\"]\n"
        + "[agents.codex]\nnetwork = \"shared\"\n")
    #expect(config.sandbox.mode == .bwrap)
    #expect(config.sandbox.network == .none)
    #expect(config.sandbox.denyRead == ["~/.ssh", ".env"])
    #expect(config.sandbox.writable == ["/opt/c"])
    #expect(config.agentSettings["codex"]?.network == .shared)
    #expect(try OrchestratorConfig.parse("").sandbox.mode == nil, "unset: bwrap when it works, decided at start")
  }

  @Test(arguments: [
    "[sandbox]\nmode = \"docker\"\n", "[sandbox]\nnetwork = \"host\"\n", "[sandbox]\ndeny_read = \"~/.ssh\"\n",
    "sandbox = \"bwrap\"\n", "[agents.x]\ncommand = \"x\"\nnetwork = false\n",
  ])
  func aBadSandboxSettingIsRefused(_ text: String) {
    #expect(throws: OrchestratorConfig.Invalid.self) { try OrchestratorConfig.parse(text) }
  }
}

/// `resume = false` under `[agents.<id>]`: rework starts a fresh session (measuring tokens with and without resume).
@Suite struct ResumeConfigTests {
  @Test func resumeFalseTakesTheResumeArgumentsAway() throws {
    let config = try OrchestratorConfig.parse("[agents.claude-code]\nresume = false\n")
    #expect(config.agentSettings["claude-code"]?.resume == false)
    let fresh = try AgentCatalog.spec("claude-code", settings: config.agentSettings["claude-code"])
    #expect(fresh.resumeArgs == nil)
    let paths = AgentPaths(
      workspace: "/w", promptFile: "/p", verdictFile: nil, gitDir: "/g", gitCommonDir: "/c", branch: "b")
    #expect(!fresh.argv(role: .rework, paths: paths, promptText: "", resumeSession: "s1").contains("--resume"))
    let resumed = try AgentCatalog.spec("claude-code", settings: nil)
    #expect(resumed.argv(role: .rework, paths: paths, promptText: "", resumeSession: "s1").contains("--resume"))
    #expect(throws: OrchestratorConfig.Invalid.self) { try OrchestratorConfig.parse("[agents.codex]\nresume = 1\n") }
  }
}
