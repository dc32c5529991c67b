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
    let response = OrchestratorAPI.run(arguments, currentDirectory: FileManager.default.currentDirectoryPath)
    KillPoint.reach("envelope-ready")
    // Written straight to the descriptor, so the answer has left the process when the next point is reached.
    FileHandle.standardOutput.write(Data((response.line + "\n").utf8))
    KillPoint.reach("envelope-printed")
    if response.exitCode != 0 { throw ExitCode(response.exitCode) }
  }
}
