import ArgumentParser
import Foundation
import KittyCore
import KittyHost

/// `git kitty orchestrator-api <verb> …`: spec-kitty 3.2.7's JSON contract, answered natively.
/// Arguments are handed over untouched so usage errors come back as envelopes, as with spec-kitty.
struct OrchestratorAPICommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "orchestrator-api",
    abstract: "spec-kitty's orchestrator-api contract (1.5.0): one JSON envelope per call on stdout."
  )

  @Argument(parsing: .allUnrecognized, help: "The verb and its options, e.g. mission-state --mission demo")
  var arguments: [String] = []

  func run() throws {
    let status = Self.answer(arguments)
    if status != 0 { throw ExitCode(status) }
  }

  /// Runs the verb and prints its envelope; the exit status.
  static func answer(_ arguments: [String]) -> Int32 {
    let response = OrchestratorAPI.run(arguments, currentDirectory: FileManager.default.currentDirectoryPath)
    KillPoint.reach("envelope-ready")
    // Written straight to the descriptor, so the answer has left the process when the next point is reached.
    FileHandle.standardOutput.write(Data((response.line + "\n").utf8))
    KillPoint.reach("envelope-printed")
    return response.exitCode
  }

  /// Answers `orchestrator-api <verb> …` without argument-parser, whose command tree (built to look for completion
  /// and help requests) cost every read verb ~2 ms: the arguments reach the verb untouched either way. nil when an
  /// argument is one argument-parser might answer itself (help, version, completion, a group of short flags, `--`);
  /// argument-parser then parses them as before.
  static func runDirectly(_ arguments: [String]) -> Int32? {
    guard arguments.count >= 2, arguments[0] == configuration.commandName,
      !arguments.dropFirst().contains(where: mayBeBuiltIn)
    else { return nil }
    return answer(Array(arguments.dropFirst()))
  }

  private static func mayBeBuiltIn(_ argument: String) -> Bool {
    if argument == "--" || argument.hasPrefix("--help") || argument.hasPrefix("--version")
      || argument.hasPrefix("--generate-completion-script") || argument.hasPrefix("---")
      || argument.hasPrefix("--experimental")
    {
      return true
    }
    return argument.hasPrefix("-") && !argument.hasPrefix("--")
  }
}
