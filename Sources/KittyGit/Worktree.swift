import CLibgit2
import Foundation

/// A linked worktree as libgit2 sees it: admin name, work directory, lock and health.
public struct WorktreeInfo: Equatable, Sendable {
  /// The admin directory name under `<common>/worktrees/`.
  public let name: String
  /// The work directory (no trailing slash).
  public let path: String
  public let isLocked: Bool
  public let lockReason: String?
  /// libgit2's own validation: admin files present and the work directory exists.
  public let isValid: Bool
  public let validationError: String?
}

extension Repository {
  /// Every linked worktree registered in the common directory (not the main checkout).
  public func worktrees() throws(GitError) -> [WorktreeInfo] {
    var names = git_strarray()
    try git("git_worktree_list") { git_worktree_list(&names, handle) }
    defer { git_strarray_dispose(&names) }
    var result: [WorktreeInfo] = []
    for i in 0..<names.count {
      guard let cName = names.strings[i] else { continue }
      let name = String(cString: cName)
      if let info = try worktree(named: name) { result.append(info) }
    }
    return result.sorted { $0.path < $1.path }
  }

  /// One linked worktree by admin name; nil when it is not registered.
  public func worktree(named name: String) throws(GitError) -> WorktreeInfo? {
    // libgit2 1.5.1 answers -1 (not GIT_ENOTFOUND) for an unknown name: check the admin directory first.
    guard FileManager.default.fileExists(atPath: worktreeAdminDirectory(named: name)) else { return nil }
    var wt: OpaquePointer?
    git_error_clear()
    let rc = git_worktree_lookup(&wt, handle, name)
    if rc == GIT_ENOTFOUND.rawValue { return nil }
    if rc < 0 { throw lastError(code: rc, operation: "git_worktree_lookup(\(name))") }
    defer { git_worktree_free(wt) }
    var reason = git_buf()
    defer { git_buf_dispose(&reason) }
    let locked = git_worktree_is_locked(&reason, wt)
    let reasonText =
      locked > 0 && reason.size > 0
      ? String(cString: reason.ptr).trimmingCharacters(in: .whitespacesAndNewlines) : nil
    let valid = git_worktree_validate(wt)
    let validationError = valid == 0 ? nil : lastError(code: valid, operation: "git_worktree_validate").message
    return WorktreeInfo(
      name: name,
      path: Path.stripTrailingSlash(String(cString: git_worktree_path(wt))),
      isLocked: locked > 0,
      lockReason: reasonText,
      isValid: valid == 0,
      validationError: validationError
    )
  }

  /// Opens the repository as seen from a linked worktree (its own HEAD and index).
  public func openWorktree(named name: String) throws(GitError) -> Repository {
    var wt: OpaquePointer?
    try git("git_worktree_lookup(\(name))") { git_worktree_lookup(&wt, handle, name) }
    defer { git_worktree_free(wt) }
    var repo: OpaquePointer?
    try git("git_repository_open_from_worktree") { git_repository_open_from_worktree(&repo, wt) }
    return Repository(handle: repo!)
  }

  /// The branch (full ref name) checked out in a linked worktree, read from its admin HEAD file;
  /// nil when detached or unreadable.
  public func worktreeHeadReference(named name: String) -> String? {
    let headPath = Path.stripTrailingSlash(commonDirectory) + "/worktrees/\(name)/HEAD"
    guard let text = try? String(contentsOfFile: headPath, encoding: .utf8) else { return nil }
    let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard line.hasPrefix("ref: ") else { return nil }
    return String(line.dropFirst(5))
  }
}
