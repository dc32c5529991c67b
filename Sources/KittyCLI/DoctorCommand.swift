import ArgumentParser
import KittyDoctor

/// `git kitty doctor [--json]`.
struct DoctorCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "doctor",
    abstract: "Check the environment: libgit2, git, agents, spec-kitty, hooks, merge driver, protected branches.",
    discussion: "Prints ok, warn, fail or skip with a detail per check; exits 1 only when a check fails.")
  @OptionGroup var output: OutputOptions

  func run() throws {
    let report = Doctor(directory: Console.currentDirectory).run()
    if output.json {
      Console.printJSON(report.json)
    } else {
      print(report.lines.joined(separator: "\n"))
    }
    if report.failed { throw ExitCode(1) }
  }
}
