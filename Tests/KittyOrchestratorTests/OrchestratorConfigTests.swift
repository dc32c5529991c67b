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
