import Foundation

/// How agents are confined: `[sandbox]` of orchestrator.toml and `orchestrate --sandbox`.
public enum SandboxMode: String, Sendable, Equatable, Codable, CaseIterable {
  /// bubblewrap: the agent sees the filesystem read-only except what its run needs (see docs/sandbox.md).
  case bwrap
  /// The agent runs with the user's rights (the CLI's own permission flags are all that limit it).
  case none
}

/// Whether a sandboxed agent shares the machine's network (it must reach its model API) or has none.
public enum SandboxNetwork: String, Sendable, Equatable, Codable, CaseIterable {
  case shared, none
}

/// `[sandbox]` of orchestrator.toml.
public struct SandboxSettings: Sendable, Equatable, Codable {
  /// nil: bwrap when bubblewrap works on this machine, else none with a warning.
  public var mode: SandboxMode?
  public var network: SandboxNetwork = .shared
  /// Paths no agent may read ("secrets"): a directory is hidden behind an empty one, a file behind an empty file.
  /// `~/` is the user's home; a relative path is relative to the repository root.
  public var denyRead: [String] = []
  /// Extra paths an implementer may write besides its lane (a shared build cache, say). Same path rules.
  public var writable: [String] = []

  public init() {}

  /// An absolute path for a configured one.
  public static func expand(_ path: String, root: String, home: String) -> String {
    if path == "~" { return home }
    if path.hasPrefix("~/") { return home + path.dropFirst(1) }
    if path.hasPrefix("/") { return path }
    return root + "/" + path
  }
}
