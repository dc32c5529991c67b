import Foundation
import KittyBasics
import KittyExecutors
import KittyGit

/// `[worktree] setup` of orchestrator.toml: a shell command run once per lane worktree and command, like an agent
/// (`sh -c` in the worktree, own process group, timeout, output in `.kittify/logs/<mission>/<WP>/setup.log`). A
/// note in the worktree's git directory records the command that succeeded there.
public struct WorktreeSetup: Sendable {
  public let command: String
  public let timeout: Double
  public let root: String
  public let missionSlug: String
  public let wpID: String

  /// nil when the configuration has no setup command.
  public init?(config: OrchestratorConfig, root: String, missionSlug: String, wpID: String) {
    guard let command = config.worktreeSetup else { return nil }
    self.command = command
    timeout = config.worktreeSetupTimeout
    self.root = root
    self.missionSlug = missionSlug
    self.wpID = wpID
  }

  public var log: String { "\(root)/.kittify/logs/\(missionSlug)/\(wpID)/setup.log" }
  /// The log relative to the repository, as messages show it.
  public var shownLog: String { String(log.dropFirst(root.count + 1)) }

  /// Whether this command already succeeded in `worktree`.
  public func isDone(in worktree: String) -> Bool {
    guard let note = Self.note(worktree) else { return false }
    return (try? String(contentsOfFile: note, encoding: .utf8)) == command + "\n"
  }

  /// Runs the command in `worktree` through `runner` (the orchestrator records the pid; a person's run does not).
  /// Returns nil on success, else why it failed.
  public func run(in worktree: String, runner: (AgentInvocation) async -> AgentOutcome) async -> String? {
    let invocation = AgentInvocation(
      spec: AgentCatalog.builtIn["script"]!, role: .setup, wpID: wpID, missionSlug: missionSlug, attempt: 1, cycle: 0,
      paths: AgentPaths(workspace: worktree, promptFile: FilePaths.directory(of: log) + "/setup.command"),
      prompt: command, logFile: log, timeout: timeout, script: command)
    let outcome = await runner(invocation)
    guard outcome.failure == nil, outcome.status == .exited(0) else {
      return "worktree setup failed (\(outcome.message)); see \(shownLog)"
    }
    if let note = Self.note(worktree) { try? (command + "\n").write(toFile: note, atomically: true, encoding: .utf8) }
    return nil
  }

  static func note(_ worktree: String) -> String? {
    (try? Repository.open(at: worktree)).map { "\($0.gitDirectory)/kitty-setup-done" }
  }
}
