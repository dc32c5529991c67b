import Foundation

/// Branches no git-kitty operation may write to, resolved like spec-kitty 3.2.7's `ProtectionPolicy`:
/// `.kittify/config.yaml` `protection.protected_branches` when present (exactly that list, `[]` = none),
/// otherwise `main`, `master` and the remote default branch. `SPEC_KITTY_ALLOW_PROTECTED_BRANCH_COMMITS`
/// set to 1/true/yes disables protection.
public struct ProtectedBranches: Sendable, Equatable {
  public static let hatchVariable = "SPEC_KITTY_ALLOW_PROTECTED_BRANCH_COMMITS"
  public static let defaults: Set<String> = ["main", "master"]

  public let branches: Set<String>
  public let hatchActive: Bool
  /// Where the list came from, for `doctor` and error messages.
  public let source: Source

  public enum Source: String, Sendable {
    case config = ".kittify/config.yaml"
    case defaults = "default (main, master and the remote default branch)"
  }

  public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    public var description: String {
      switch self {
      case .malformed(let detail): return detail
      }
    }
  }

  public init(branches: Set<String>, hatchActive: Bool, source: Source) {
    self.branches = branches
    self.hatchActive = hatchActive
    self.source = source
  }

  /// Resolves the policy from the config file's text (nil when absent), the remote default branch
  /// (the target of `refs/remotes/origin/HEAD`, short name) and the environment.
  public static func resolve(
    configYAML: String?, remoteDefaultBranch: String?,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws(ConfigError) -> ProtectedBranches {
    let hatch = ["1", "true", "yes"].contains((environment[hatchVariable] ?? "").lowercased())
    var config: JSONValue = .null
    if let configYAML, !configYAML.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      do {
        config = try YAML.parse(configYAML)
      } catch {
        throw .malformed(".kittify/config.yaml does not parse: \(error.message)")
      }
      guard case .object = config else {
        throw .malformed(".kittify/config.yaml must be a mapping at the top level")
      }
    }
    if case .object(let protection)? = config["protection"], let raw = protection["protected_branches"], raw != .null {
      guard case .array(let items) = raw else {
        throw .malformed("protection.protected_branches in .kittify/config.yaml must be a list")
      }
      let names = Set(items.map { EventLogReader.pythonString($0) })
      return ProtectedBranches(branches: names, hatchActive: hatch, source: .config)
    }
    var names = defaults
    if let remoteDefaultBranch, !remoteDefaultBranch.isEmpty { names.insert(remoteDefaultBranch) }
    return ProtectedBranches(branches: names, hatchActive: hatch, source: .defaults)
  }

  /// Whether writing to `branch` (short name or `refs/heads/…`) must be refused.
  public func isProtected(_ branch: String) -> Bool {
    guard !hatchActive else { return false }
    let short = branch.hasPrefix("refs/heads/") ? String(branch.dropFirst("refs/heads/".count)) : branch
    return branches.contains(short)
  }
}
