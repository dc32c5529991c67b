import Foundation

/// Runs programs as an unprivileged user, so permission bits mean what they mean for real users (root reads a
/// `chmod 000` file). Tests run as root here and in CI: there the directory is handed to `nobody` (65534) for the
/// call and back afterwards, and the program runs under `setpriv`. As any other user it runs directly.
public enum Unprivileged {
  public static let uid: UInt32 = 65534
  public static var isRoot: Bool { getuid() == 0 }

  /// Runs `executable` with `arguments` in `directory` as an unprivileged user; `tree` (default: `directory`)
  /// is owned by that user during the call.
  @discardableResult
  public static func run(
    _ executable: String, _ arguments: [String], in directory: String, tree: String? = nil,
    environment: [String: String] = [:]
  ) throws -> TestSupport.CommandResult {
    let owned = tree ?? directory
    var env = environment
    env["HOME"] = env["HOME"] ?? owned
    guard isRoot else { return try TestSupport.run(executable, arguments, in: directory, environment: env) }
    try chown(owned, to: "\(uid):\(uid)")
    defer { try? chown(owned, to: "\(getuid()):\(getgid())") }
    return try TestSupport.run(
      "/usr/bin/setpriv",
      ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "--", executable] + arguments, in: directory,
      environment: env)
  }

  /// Runs the built `git-kitty` unprivileged.
  @discardableResult
  public static func gitKitty(
    _ arguments: [String], in directory: String, tree: String? = nil, environment: [String: String] = [:]
  ) throws -> TestSupport.CommandResult {
    try run(GitKittyBinary.path, arguments, in: directory, tree: tree, environment: environment)
  }

  static func chown(_ path: String, to owner: String) throws {
    let result = try TestSupport.run("/bin/chown", ["-R", owner, path])
    guard result.status == 0 else { throw TestFailure("chown -R \(owner) \(path) failed: \(result.stderr)") }
  }
}
