import Foundation
import KittyCore
import KittyGit

/// The repository git-kitty manages: main checkout root, common git dir and the protected-branch policy.
public struct RepositoryContext: Sendable {
  public let root: String
  public let commonDirectory: String
  public let protection: ProtectedBranches
  /// The handle on the main repository that everything done with this context shares.
  private let shared: SharedRepository

  public var worktreesDirectory: String { "\(root)/.worktrees" }
  public var lockDirectory: String { "\(commonDirectory)/kitty-locks" }

  public init(root: String, commonDirectory: String, protection: ProtectedBranches) {
    self.root = root
    self.commonDirectory = commonDirectory
    self.protection = protection
    shared = SharedRepository(root: root)
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
    let context = RepositoryContext(
      root: root, commonDirectory: Path.stripTrailingSlash(repo.commonDirectory), protection: protection)
    // Found from the main checkout: that handle is the one the context hands out.
    if !repo.isWorktree, let workdir = repo.workingDirectory, Path.stripTrailingSlash(workdir) == root {
      context.shared.adopt(repo)
    }
    return context
  }

  /// The handle on the main repository, opened on first use and shared by every step done with this context: a
  /// context belongs to one operation (a host verb, a command), which opens the repository once. libgit2 re-reads
  /// references, the index and packs from disk when they change, so a `git` process run meanwhile is seen.
  public func open() throws(WorkspaceError) -> Repository {
    do {
      return try shared.repository()
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

/// The lazily opened main-repository handle of a RepositoryContext.
final class SharedRepository: @unchecked Sendable {  // @unchecked: holds a libgit2 handle (a C pointer)
  // The lock guards opening it; the operation that owns the context uses the handle from one task at a time
  // (handles are never shared between operations: each locates its own context).
  private let lock = NSLock()
  private var opened: Repository?
  let root: String

  init(root: String) { self.root = root }

  func adopt(_ repository: Repository) {
    lock.withLock { opened = opened ?? repository }
  }

  func repository() throws(GitError) -> Repository {
    lock.lock()
    defer { lock.unlock() }
    if let opened { return opened }
    let repository = try Repository.open(at: root)
    opened = repository
    return repository
  }
}
