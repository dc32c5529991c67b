import Foundation
import KittyBasics
import KittyExecutors
import KittyWorkspaces

/// `[worktree] setup` of orchestrator.toml, wired to KittyWorkspaces' WorktreePreparation: the command runs like an
/// agent (`sh -c` in the worktree, own process group, timeout, output in `.kittify/logs/<mission>/<WP>/setup.log`).
extension OrchestratorConfig {
  /// How `wpID`'s lane worktree is prepared: `.worktreeinclude`, then the setup command when there is one.
  public func preparation(root: String, missionSlug: String, wpID: String) -> WorktreePreparation {
    WorktreePreparation(
      root: root,
      setup: worktreeSetup.map {
        WorktreePreparation.Setup(
          command: $0, timeout: worktreeSetupTimeout, log: "\(root)/.kittify/logs/\(missionSlug)/\(wpID)/setup.log")
      })
  }
}

extension WorktreePreparation.Setup {
  /// Runs the command in `worktree` through `runner` (the orchestrator records the pid; a person's run does not)
  /// as the built-in script agent; nil when it exited 0, else what happened.
  public func run(
    in worktree: String, missionSlug: String, wpID: String, runner: (AgentInvocation) async -> AgentOutcome
  ) async -> String? {
    let invocation = AgentInvocation(
      spec: AgentCatalog.builtIn["script"]!, role: .setup, wpID: wpID, missionSlug: missionSlug, attempt: 1, cycle: 0,
      paths: AgentPaths(workspace: worktree, promptFile: FilePaths.directory(of: log) + "/setup.command"),
      prompt: command, logFile: log, timeout: timeout, script: command)
    let outcome = await runner(invocation)
    return outcome.failure == nil && outcome.status == .exited(0) ? nil : outcome.message
  }
}
