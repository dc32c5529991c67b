import Foundation
import KittyCore
import KittyGit

/// What `remove` did.
public struct RemovalResult: Sendable, Equatable {
  public var path: String
  public var branch: String?
  public var branchDeleted: Bool
  /// Why the branch was kept, when it was.
  public var branchKeptReason: String?
}

extension WorktreeManager {
  /// Removes a managed worktree. Refuses the main checkout, anything outside `.worktrees/`, a locked worktree,
  /// uncommitted or untracked changes, and a branch with commits not reachable from `targetBranch` — unless
  /// `force`. The branch is deleted only when merged into `targetBranch` (or with `force`), never when protected.
  public func remove(path: String, targetBranch: String?, force: Bool = false) throws -> RemovalResult {
    try context.withWorktreeLock { try removeLocked(path: path, targetBranch: targetBranch, force: force) }
  }

  private func removeLocked(path: String, targetBranch: String?, force: Bool) throws -> RemovalResult {
    let wanted = (path as NSString).standardizingPath
    if wanted == (context.root as NSString).standardizingPath { throw WorkspaceError.mainWorktree(path: wanted) }
    guard context.isManagedPath(wanted) else {
      throw WorkspaceError.outsideWorktreesDirectory(path: wanted, root: context.root)
    }
    let repo = try context.open()
    guard let worktree = try registeredWorktree(at: wanted, in: repo) else {
      throw WorkspaceError.notFound("worktree \(wanted)")
    }
    let safety = try SafetyCheck(context: context).evaluate(worktree, repo: repo, targetBranch: targetBranch)
    if !force {
      if let problem = safety.blockingProblem { throw problem }
    }
    // Delete the files, then the admin entry (git_worktree_prune is never used: it skips the checks above).
    let fm = FileManager.default
    if fm.fileExists(atPath: worktree.path) {
      do {
        try fm.removeItem(atPath: worktree.path)
      } catch {
        throw WorkspaceError.io("cannot remove \(worktree.path): \(error.localizedDescription)")
      }
    }
    try? fm.removeItem(atPath: repo.worktreeAdminDirectory(named: worktree.name))

    var result = RemovalResult(path: worktree.path, branch: safety.branch, branchDeleted: false, branchKeptReason: nil)
    guard let branch = safety.branch, let tip = safety.branchTip else { return result }
    if context.protection.isProtected(branch) {
      result.branchKeptReason = "\(branch) is protected"
    } else if !(safety.merged ?? false) && !force {
      result.branchKeptReason =
        safety.merged == nil
        ? "no target branch to check \(branch) against" : "\(branch) has commits not merged into \(targetBranch ?? "")"
    } else if try repo.isBranchCheckedOut(branch) {
      result.branchKeptReason = "\(branch) is checked out in another worktree"
    } else {
      do {
        try repo.deleteBranch(branch, expected: tip)
        result.branchDeleted = true
      } catch {
        result.branchKeptReason = "\(branch) could not be deleted: \(error.message)"
      }
    }
    return result
  }
}

/// What would be lost by removing a worktree and its branch.
struct SafetyCheck {
  let context: RepositoryContext

  struct Verdict {
    var branch: String?
    var branchTip: OID?
    var dirtyPaths: [String]
    /// nil when there is no target to compare against.
    var merged: Bool?
    var unmergedCount: Int
    var locked: Bool
    var lockReason: String?
    var path: String
    var target: String?

    /// The first reason not to remove without `--force`.
    var blockingProblem: WorkspaceError? {
      if locked { return .locked(path: path, reason: lockReason) }
      if !dirtyPaths.isEmpty {
        let lane = (path as NSString).lastPathComponent
        return .dirty(laneID: lane, path: path, paths: dirtyPaths)
      }
      if merged == false {
        return .unmerged(branch: branch ?? "the detached HEAD", target: target ?? "any branch", commits: unmergedCount)
      }
      return nil
    }
  }

  func evaluate(_ worktree: WorktreeInfo, repo: Repository, targetBranch: String?) throws -> Verdict {
    let head = repo.worktreeHeadReference(named: worktree.name)
    let branch = head.map(Branch.shortName)
    var tip = try branch.flatMap { try repo.branchTip($0) }
    // A detached HEAD's commits belong to no branch: they are checked like a branch's.
    if branch == nil, FileManager.default.fileExists(atPath: worktree.path) {
      tip = try? repo.openWorktree(named: worktree.name).headCommitID()
    }
    var dirty: [String] = []
    if FileManager.default.fileExists(atPath: worktree.path) {
      do {
        dirty = try repo.openWorktree(named: worktree.name).status().map(\.path)
      } catch {
        dirty = ["(status unreadable: \(error.message))"]
      }
    }
    var merged: Bool?
    var unmerged = 0
    if tip != nil, targetBranch == nil, branch == nil {
      merged = false
    }
    if let tip, let targetBranch,
      let targetTip = try? WorktreeManager(context: context).tip(of: targetBranch, repo: repo)
    {
      let counts = try repo.aheadBehind(tip, targetTip)
      unmerged = counts.ahead
      merged = counts.ahead == 0 || (try? repo.isContentMerged(tip, into: targetTip)) == true
      if merged == true { unmerged = 0 }
    }
    return Verdict(
      branch: branch, branchTip: tip, dirtyPaths: dirty, merged: merged, unmergedCount: unmerged,
      locked: worktree.isLocked, lockReason: worktree.lockReason, path: worktree.path, target: targetBranch)
  }
}
