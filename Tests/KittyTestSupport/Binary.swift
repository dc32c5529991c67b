import Foundation

/// The built `git-kitty` executable, found next to the test bundle (or `GIT_KITTY_BIN`).
public enum GitKittyBinary {
  public static let path: String = {
    if let explicit = ProcessInfo.processInfo.environment["GIT_KITTY_BIN"], !explicit.isEmpty { return explicit }
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = runner.deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = dir.appendingPathComponent("git-kitty").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      dir = dir.deletingLastPathComponent()
    }
    return "\(TestSupport.repoRoot)/.build/debug/git-kitty"
  }()

  /// Runs `git-kitty` with `arguments` in `directory`.
  @discardableResult
  public static func run(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws
    -> TestSupport.CommandResult
  {
    try TestSupport.run(path, arguments, in: directory, environment: environment)
  }

  /// Runs a shell command line where `spec-kitty` has been replaced by this binary.
  public static func runTranscriptCommand(_ command: String, in directory: String, policy: String? = nil) throws
    -> TestSupport.CommandResult
  {
    let rewritten = command.replacingOccurrences(of: "spec-kitty orchestrator-api", with: "\"$KITTY\" orchestrator-api")
    var env = ["KITTY": path]
    if let policy { env["POLICY"] = policy }
    return try TestSupport.run("/bin/sh", ["-c", rewritten], in: directory, environment: env)
  }
}
