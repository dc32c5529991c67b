import Foundation
import KittyCore
import KittyGit

/// The repository git-kitty manages: main checkout root, common git dir and the protected-branch policy.
public struct RepositoryContext: Sendable {
  public let root: String
  public let commonDirectory: String
  public let protection: ProtectedBranches

  public var worktreesDirectory: String { "\(root)/.worktrees" }
  public var lockDirectory: String { "\(commonDirectory)/kitty-locks" }

  public init(root: String, commonDirectory: String, protection: ProtectedBranches) {
    self.root = root
    self.commonDirectory = commonDirectory
    self.protection = protection
  }

  /// Finds the repository containing `directory` and resolves its protected branches (`environment` holds the
  /// escape hatch variable).
  public static func locate(
    from directory: String, environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> RepositoryContext {
    let repo = try Repository.discover(from: directory)
    guard let root = repo.mainWorkingDirectory else {
      throw WorkspaceError.notFound("main checkout of the repository at \(directory)")
    }
    let config = try? String(contentsOfFile: "\(root)/.kittify/config.yaml", encoding: .utf8)
    let remoteDefault = (try? repo.reference(named: "refs/remotes/origin/HEAD"))??.symbolicTarget
      .flatMap { $0.split(separator: "/").last.map(String.init) }
    let protection = try ProtectedBranches.resolve(
      configYAML: config, remoteDefaultBranch: remoteDefault, environment: environment)
    return RepositoryContext(
      root: root, commonDirectory: Path.stripTrailingSlash(repo.commonDirectory), protection: protection)
  }

  /// A fresh handle on the main repository (one per operation: handles are not shared across threads).
  public func open() throws(WorkspaceError) -> Repository {
    do {
      return try Repository.open(at: root)
    } catch {
      throw .git(error, during: "opening \(root)")
    }
  }

  /// Serialises worktree and branch changes between git-kitty processes.
  func withWorktreeLock<T>(_ body: () throws -> T) throws -> T {
    let lock = try FileLock(path: "\(lockDirectory)/worktrees.lock", timeout: 60)
    defer { lock.unlock() }
    return try body()
  }

  /// Whether `path` is inside `<root>/.worktrees/` (not the directory itself).
  public func isManagedPath(_ path: String) -> Bool {
    let normalised = (path as NSString).standardizingPath
    return normalised.hasPrefix(worktreesDirectory + "/") && normalised.count > worktreesDirectory.count + 1
  }

  func refuseProtected(_ branch: String) throws(WorkspaceError) {
    if protection.isProtected(branch) { throw .protectedBranch(branch: branch) }
  }
}
