import Foundation

/// The bubblewrap command line for one confined run: what the agent's process tree sees, in mount order.
/// Pure data (no files touched), so that what a sandbox allows can be read and tested apart from running it.
public struct BubblewrapProfile: Sendable, Equatable {
  /// One mount of the sandbox's filesystem, applied in order over a read-only view of `/`.
  public enum Mount: Sendable, Equatable {
    /// `source` (a path on the host) at `destination`, read-only.
    case readOnly(String, at: String)
    case writable(String, at: String)
    /// An empty directory in memory (the private /tmp; a denied directory).
    case tmpfs(String)
    /// An empty, read-only file in place of `path` (a denied file).
    case emptyFile(String)
  }

  public var mounts: [Mount] = []
  public var network: SandboxNetwork = .shared
  /// The agent's working directory inside the sandbox.
  public var directory: String
  /// Variables set inside the sandbox, over the environment the process is given.
  public var environment: [String: String] = [:]

  public init(directory: String) {
    self.directory = directory
  }

  /// Every mount point of `mounts` in the order given, after a read-only `/`, a fresh `/dev` and `/proc` (of a
  /// new PID namespace: the orchestrator and every other process are out of sight and out of reach). No
  /// capabilities (a root agent cannot remount), a new session (no terminal injection) unless the caller starts
  /// bwrap as a session leader itself (`newSession: false`), gone with its parent.
  public func arguments(bwrap: String, command: [String], newSession: Bool = true) -> [String] {
    var args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for mount in mounts {
      switch mount {
      case .readOnly(let source, let destination): args += ["--ro-bind", source, destination]
      case .writable(let source, let destination): args += ["--bind", source, destination]
      case .tmpfs(let path): args += ["--tmpfs", path]
      case .emptyFile(let path): args += ["--ro-bind", "/dev/null", path]
      }
    }
    args += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent"]
    if newSession { args.append("--new-session") }
    args += ["--cap-drop", "ALL"]
    if network == .none { args.append("--unshare-net") }
    for (key, value) in environment.sorted(by: { $0.key < $1.key }) { args += ["--setenv", key, value] }
    args += ["--chdir", directory, "--"]
    return args + command
  }

  /// The command that tells whether bubblewrap can make a sandbox here (the same namespaces and flags a run uses).
  public static func probeArguments(bwrap: String) -> [String] {
    BubblewrapProfile(directory: "/").arguments(bwrap: bwrap, command: ["/bin/sh", "-c", "exit 0"])
  }
}
