import ArgumentParser
import Foundation
import KittyCore
import KittyHost
import KittyOrchestrator
import KittyWorkspaces

/// `git kitty status`: the last run and, per WP, the host's lane with what the orchestrator is doing.
struct StatusCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status", abstract: "Show the current or last orchestrator run.")
  @Flag(name: .long, help: "Print JSON.") var json = false
  @Flag(name: .long, help: "Redraw every two seconds until interrupted.") var watch = false

  func run() async throws {
    try await Console.run {
      let repository = try HostRepository.locate(from: Console.currentDirectory)
      try RunState.check(root: repository.root)
      repeat {
        let report = await RunStatus.collect(root: repository.root)
        if json {
          Console.printJSON(report.json)
        } else {
          if watch { print("\u{1B}[H\u{1B}[2J", terminator: "") }
          print(report.text)
        }
        if watch { try await Task.sleep(for: .seconds(2)) }
      } while watch
    }
  }
}

/// `git kitty abort`: stop the run and its agents, release its claims, optionally clean worktrees.
struct AbortCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "abort",
    abstract: "Stop the running orchestrator and its agents, release its claims, record the abort.")
  @Flag(name: .long, help: "Also remove the mission's lane worktrees, lane branches and review branches.")
  var cleanupWorktrees = false
  @Flag(name: .long, help: "With --cleanup-worktrees: remove even worktrees with uncommitted or unmerged work.")
  var force = false

  func run() async throws {
    try await Console.run {
      let repository = try HostRepository.locate(from: Console.currentDirectory)
      try RunState.check(root: repository.root)  // a corrupt record is reported as such, never taken for none
      let report = try await RunAbort.abort(root: repository.root, cleanup: cleanupWorktrees, force: force)
      print(report.joined(separator: "\n"))
    }
  }
}
