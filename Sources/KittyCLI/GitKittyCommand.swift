import ArgumentParser
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
  /// Parses the arguments and runs the chosen command, awaiting the async ones (what `AsyncParsableCommand.main()`
  /// does; spelled out because top-level code resolves `main()` to the synchronous overload).
  public static func start() async {
    do {
      var command = try parseAsRoot()
      if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch {
      exit(withError: error)
    }
  }
}
