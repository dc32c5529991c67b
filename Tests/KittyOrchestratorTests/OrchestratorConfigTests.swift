import Foundation
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
