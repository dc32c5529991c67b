import ArgumentParser
import Foundation
import KittyBasics

/// `git kitty`: the root command. Subcommands only parse and delegate to the libraries.
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
public struct GitKittyCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "git-kitty",
    abstract: "Run spec-kitty missions inside git: a native orchestrator-api host and orchestrator.",
    version: GitKittyVersion.current,
    subcommands: [
      OrchestrateCommand.self, StatusCommand.self, ResumeCommand.self, AbortCommand.self, OrchestratorAPICommand.self,
      WorktreeCommand.self, SubtasksCommand.self, InitCommand.self, MissionCommand.self, MergeDriverCommand.self,
      HooksCommand.self, HookCommand.self, NextCommand.self, StartCommand.self, SubmitCommand.self, ReviewCommand.self,
      DoctorCommand.self, DashboardCommand.self, JobCommand.self,
    ]
  )

  public init() {}
}

extension GitKittyCommand {
  /// The command line, parsed.
  public enum Parsed {
    /// A synchronous command (orchestrator-api, the hooks, …): run on the main thread with `runSynchronously`,
    /// so that the answer costs no thread of Swift's concurrency pool.
    case synchronous(any ParsableCommand)
    case asynchronous(any AsyncParsableCommand)
    /// Help, a version request or a usage error: `exit(withError:)` prints it.
    case finished(any Error)
  }

  public static func parse() -> Parsed {
    do {
      let command = try parseAsRoot()
      if let asyncCommand = command as? AsyncParsableCommand { return .asynchronous(asyncCommand) }
      return .synchronous(command)
    } catch {
      return .finished(error)
    }
  }

  /// Answers `orchestrator-api <verb> …` and exits; returns when the arguments are something else (or something
  /// argument-parser answers itself: help, version, completion).
  public static func answerOrchestratorAPIDirectly() {
    if let status = OrchestratorAPICommand.runDirectly(Array(CommandLine.arguments.dropFirst())) {
      Foundation.exit(status)
    }
  }

  /// Runs a synchronous command and exits.
  public static func runSynchronously(_ command: any ParsableCommand) -> Never {
    var command = command
    do {
      try command.run()
      exit()
    } catch {
      exit(withError: error)
    }
  }

  /// Runs an asynchronous command and exits.
  public static func run(_ command: sending any AsyncParsableCommand) async -> Never {
    var command = command
    do {
      try await command.run()
      exit()
    } catch {
      exit(withError: error)
    }
  }
}
