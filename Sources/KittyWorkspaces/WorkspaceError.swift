import Foundation
import KittyGit

/// Why a worktree or branch operation was refused or failed. Each message names the thing and the fix.
public enum WorkspaceError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
  case outsideWorktreesDirectory(path: String, root: String)
  case mainWorktree(path: String)
  case pathExists(path: String)
  case branchCheckedOutElsewhere(branch: String, path: String?)
  case protectedBranch(branch: String)
  case missingTargetBranch(branch: String)
  case dirty(laneID: String, path: String, paths: [String])
  case unmerged(branch: String, target: String, commits: Int)
  case locked(path: String, reason: String?)
  case broken(path: String, problems: [String])
  case mergeConflict(laneID: String, merging: String, paths: [String])
  case notFound(String)
  /// spec-kitty's wording for a lane branch merge-mission cannot find.
  case missingLaneBranch(String)
  case unknownLane(laneID: String, mission: String)
  case concurrentUpdate(branch: String)
  case headMismatch(expected: String, actual: String?)
  case git(GitError, during: String)
  case io(String)

  public var description: String {
    switch self {
    case .outsideWorktreesDirectory(let path, let root):
      return "\(path) is not inside \(root)/.worktrees/: git-kitty only manages worktrees there"
    case .mainWorktree(let path): return "\(path) is the main checkout; git-kitty never removes it"
    case .pathExists(let path):
      return "\(path) already exists and is not a registered worktree; move it away or remove it first"
    case .branchCheckedOutElsewhere(let branch, let path):
      return "branch \(branch) is already checked out\(path.map { " at \($0)" } ?? " in another worktree")"
    case .protectedBranch(let branch):
      return
        "refusing to write to protected branch '\(branch)' (see protection.protected_branches in .kittify/config.yaml)"
    case .missingTargetBranch(let branch):
      return "target branch '\(branch)' does not exist locally or as origin/\(branch)"
    case .dirty(let laneID, let path, let paths):
      let shown = paths.prefix(5).joined(separator: ", ") + (paths.count > 5 ? ", …" : "")
      return "Lane \(laneID) worktree at \(path) has uncommitted changes (\(shown)). Commit or stash before "
        + "continuing, or pass --force to discard them."
    case .unmerged(let branch, let target, let commits):
      return
        "\(branch) has \(commits) commit(s) not merged into \(target); merge them first or pass --force to drop them"
    case .locked(let path, let reason):
      return
        "worktree \(path) is locked\(reason.map { " (\($0.trimmingCharacters(in: .whitespacesAndNewlines)))" } ?? ""); "
        + "unlock it with git worktree unlock or pass --force"
    case .broken(let path, let problems):
      return "worktree \(path) is broken (\(problems.joined(separator: "; "))); run git kitty worktree repair"
    case .mergeConflict(let laneID, let merging, let paths):
      return "merging \(merging) into \(laneID) conflicts on \(paths.joined(separator: ", ")); nothing was changed. "
        + "Resolve the conflict on the lane branches by hand"
    case .notFound(let what): return "\(what) not found"
    case .missingLaneBranch(let branch): return "Lane branch \(branch) does not exist"
    case .unknownLane(let laneID, let mission): return "lane \(laneID) is not defined in lanes.json of \(mission)"
    case .concurrentUpdate(let branch):
      return "\(branch) moved while git-kitty was updating it; nothing was changed, try again"
    case .headMismatch(let expected, let actual):
      return "the main checkout is on \(actual ?? "a detached HEAD"), but the mission's status lives on \(expected); "
        + "run git checkout \(expected) in the main checkout first"
    case .git(let error, let during): return "\(during): \(error.message)"
    case .io(let detail): return detail
    }
  }

  public var errorDescription: String? { description }
}
