import ArgumentParser
import KittyDoctor
import KittyOrchestrator

/// `git kitty doctor [--json]`.
struct DoctorCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "doctor",
    abstract: "Check the environment: libgit2, git, agents, spec-kitty, sandbox, executor, hooks, merge driver.",
    discussion: "Prints ok, warn, fail or skip with a detail per check; exits 1 only when a check fails.")
  @OptionGroup var output: OutputOptions
  @Option(name: .long, help: "Check this executor (local or slurm) instead of [executor] kind of orchestrator.toml.")
  var executor: String?

  func validate() throws {
    if let executor, ExecutorKind(rawValue: executor) == nil { throw ValidationError("--executor is local or slurm") }
  }

  func run() throws {
    let report = Doctor(
      directory: Console.currentDirectory, executor: executor.flatMap(ExecutorKind.init(rawValue:))
    ).run()
    if output.json {
      Console.printJSON(report.json)
    } else {
      print(report.lines.joined(separator: "\n"))
    }
    if report.failed { throw ExitCode(1) }
  }
}
