import Foundation
import KittyCore
import KittyGit

/// Commits a mission's status files the way spec-kitty does — only those paths, onto the mission's target
/// branch (or, for a coord-topology mission, its coordination branch in the coordination worktree), with a
/// compare-and-swap on the ref — and refreshes that checkout's index for them so `git status` stays clean. Never
/// commits onto a protected branch.
public struct StatusCommitter: Sendable {
  public let context: RepositoryContext

  public init(context: RepositoryContext) {
    self.context = context
  }

  public enum Outcome: Equatable, Sendable {
    case committed(String)
    /// The files already match the branch: nothing to commit.
    case unchanged
  }

  /// Commits the working-directory content of `paths` (relative to `checkout`, the main checkout unless given)
  /// onto `branch`, which that checkout must have checked out.
  public func commit(paths: [String], branch: String, message: String, checkout: String? = nil) throws -> Outcome {
    if context.protection.isProtected(branch) { throw WorkspaceError.protectedBranch(branch: branch) }
    let root = checkout ?? context.root
    let repo = try checkout.map { path throws(GitError) in try Repository.open(at: path) } ?? context.open()
    let head = try repo.headReferenceName()
    guard head == Branch.fullName(branch) else {
      throw WorkspaceError.headMismatch(expected: branch, actual: head.map(Branch.shortName))
    }
    var changes: [TreeChange] = []
    for path in paths {
      let full = "\(root)/\(path)"
      // A file that exists but cannot be read is an error, never a deletion.
      if let data = try FileBytes.read(full) {
        changes.append(.write(path: path, data: data))
      } else {
        changes.append(.remove(path: path))
      }
    }
    // git-kitty writers (other missions, other processes) read the tip, move the ref and stage the index one at a
    // time; a commit by anyone else between our read and our update is rebuilt on the new tip.
    let lock: FileLock
    do {
      lock = try FileLock(path: "\(context.lockDirectory)/status-commit.lock", timeout: 60)
    } catch {
      throw WorkspaceError.io("\(error)")
    }
    defer { lock.unlock() }
    // A git process holding the main checkout's index: wait a little, then refuse before anything moves (after
    // the ref moved, a failure to stage could no longer be reported without lying about the commit).
    let indexLock = "\(Path.stripTrailingSlash(repo.gitDirectory))/index.lock"
    var waited = 0
    while FileManager.default.fileExists(atPath: indexLock) {
      if waited >= 100 {
        throw WorkspaceError.io(
          "\(indexLock) exists: another git process is using the index of \(root); try again when it is done "
            + "(remove the file if no git process is running)")
      }
      usleep(20_000)  // usleep: another git's index.lock; nothing signals its release
      waited += 1
    }
    for attempt in 0..<40 {
      if attempt > 0 { usleep(useconds_t(min(attempt, 10) * 10_000)) }  // usleep: lost CAS back-off
      guard let tip = try repo.branchTip(branch) else { throw WorkspaceError.missingTargetBranch(branch: branch) }
      let base = try repo.commit(tip)
      let tree = try repo.tree(applying: changes, to: base.tree)
      if tree == base.tree {
        Self.stageBestEffort(repo, paths)
        return .unchanged
      }
      let commit = try repo.createCommit(tree: tree, parents: [tip], message: message + "\n")
      KillPoint.reach("status-commit-created")
      do {
        try repo.updateReference(Branch.fullName(branch), from: tip, to: commit, message: "commit: \(message)")
      } catch {
        // Moved under us, or its lock is held by a git process right now: try again on the new tip.
        if error.isModified || error.isLocked { continue }
        throw WorkspaceError.git(error, during: "updating \(branch)")
      }
      // The commit has landed: from here on nothing may fail the call.
      KillPoint.reach("status-ref-moved")
      Self.stageBestEffort(repo, paths)
      KillPoint.reach("status-staged")
      return .committed(commit.hex)
    }
    throw WorkspaceError.concurrentUpdate(branch: branch)
  }

  /// Refreshes the main checkout's index for `paths`, retrying while another git process holds `index.lock`; a
  /// stale index only makes `git status` show the files as modified, so a last failure is ignored.
  static func stageBestEffort(_ repo: Repository, _ paths: [String]) {
    for attempt in 0..<20 {
      do {
        try repo.stage(paths: paths)
        return
      } catch {
        usleep(useconds_t(min(attempt + 1, 5) * 20_000))  // usleep: index.lock held by another git
      }
    }
  }
}
