import ArgumentParser

/// `git kitty`: the root command. Subcommands only parse and delegate to the libraries.
public struct GitKittyCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "git-kitty",
    abstract: "Run spec-kitty missions inside git: a native orchestrator-api host and orchestrator.",
    version: GitKittyVersion.string,
    subcommands: [
      OrchestrateCommand.self, StatusCommand.self, ResumeCommand.self, AbortCommand.self, OrchestratorAPICommand.self,
      WorktreeCommand.self, SubtasksCommand.self, InitCommand.self, MissionCommand.self, MergeDriverCommand.self,
      HooksCommand.self, HookCommand.self, NextCommand.self, StartCommand.self, SubmitCommand.self, ReviewCommand.self,
      DoctorCommand.self,
    ]
  )

  public init() {}
}

/// The version git-kitty reports.
public enum GitKittyVersion {
  public static let string = "0.1.0"
}
