import CLibgit2
import Foundation

extension Repository {
  /// Adds a linked worktree at `path` (admin name `name`) checking out the existing local `branch`.
  /// libgit2 1.5.1's add is not transactional: callers must undo what it leaves behind on failure.
  public func addWorktree(name: String, path: String, branch: String, lock: Bool = false) throws(GitError) {
    var ref: OpaquePointer?
    try git("git_reference_lookup(\(branch))") { git_reference_lookup(&ref, handle, Branch.fullName(branch)) }
    defer { git_reference_free(ref) }
    var options = git_worktree_add_options()
    try git("git_worktree_add_options_init") {
      git_worktree_add_options_init(&options, UInt32(GIT_WORKTREE_ADD_OPTIONS_VERSION))
    }
    options.ref = ref
    options.lock = lock ? 1 : 0
    options.checkout_options.checkout_strategy = GIT_CHECKOUT_SAFE.rawValue
    var worktree: OpaquePointer?
    try git("git_worktree_add(\(name))") { git_worktree_add(&worktree, handle, name, path, &options) }
    git_worktree_free(worktree)
  }

  /// Locks a linked worktree with a reason (as `git worktree lock --reason`).
  public func lockWorktree(named name: String, reason: String) throws(GitError) {
    var wt: OpaquePointer?
    try git("git_worktree_lookup(\(name))") { git_worktree_lookup(&wt, handle, name) }
    defer { git_worktree_free(wt) }
    try git("git_worktree_lock") { git_worktree_lock(wt, reason) }
  }

  public func unlockWorktree(named name: String) throws(GitError) {
    var wt: OpaquePointer?
    try git("git_worktree_lookup(\(name))") { git_worktree_lookup(&wt, handle, name) }
    defer { git_worktree_free(wt) }
    try git("git_worktree_unlock") { git_worktree_unlock(wt) }
  }

  /// The admin directory of a linked worktree: `<common>/worktrees/<name>`.
  public func worktreeAdminDirectory(named name: String) -> String {
    Path.stripTrailingSlash(commonDirectory) + "/worktrees/\(name)"
  }

  /// Deletes a local branch only if it still points at `expected` and is checked out nowhere.
  public func deleteBranch(_ short: String, expected: OID) throws(GitError) {
    if try isBranchCheckedOut(short) {
      throw GitError(
        code: GIT_ELOCKED.rawValue, message: "branch \(short) is checked out in a worktree",
        operation: "deleteBranch")
    }
    try deleteReference(Branch.fullName(short), expected: expected)
  }
}
