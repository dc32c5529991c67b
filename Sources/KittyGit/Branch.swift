import Foundation
import CLibgit2

/// Branch naming and queries.
public enum Branch {
  public static let prefix = "refs/heads/"

  public static func fullName(_ short: String) -> String {
    short.hasPrefix(prefix) ? short : prefix + short
  }

  public static func shortName(_ full: String) -> String {
    full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full
  }

  /// Whether `name` is a valid branch name for git.
  public static func isValidName(_ name: String) -> Bool {
    Libgit2.ensureInitialised()
    if name.unicodeScalars.contains("\u{7F}") { return false }
    var valid: Int32 = 0
    guard git_branch_name_is_valid(&valid, name) == 0 else { return false }
    return valid == 1
  }
}

extension Repository {
  /// The tip of a local branch; nil when it does not exist.
  public func branchTip(_ short: String) throws(GitError) -> OID? {
    try reference(named: Branch.fullName(short))?.target
  }

  /// The tip of `origin/<name>` if such a remote-tracking branch exists.
  public func remoteBranchTip(_ name: String, remote: String = "origin") throws(GitError) -> OID? {
    try reference(named: "refs/remotes/\(remote)/\(name)")?.target
  }

  /// Local branch names (short form), sorted.
  public func localBranches() throws(GitError) -> [String] {
    try references(matching: "refs/heads/*", crossingSlashes: true).map { Branch.shortName($0.name) }
  }

  /// Creates a branch at `target`; fails with `GIT_EEXISTS` if it exists.
  public func createBranch(_ short: String, at target: OID, message: String? = nil) throws(GitError) {
    try createReference(
      Branch.fullName(short), target: target, message: message ?? "branch: Created from \(target.short)")
  }

  /// Whether the branch is checked out in the main checkout or any registered worktree — also one whose
  /// directory was deleted but not pruned, which git still protects (libgit2 1.5.1 skips those).
  public func isBranchCheckedOut(_ short: String) throws(GitError) -> Bool {
    let full = Branch.fullName(short)
    let common = Path.stripTrailingSlash(commonDirectory)
    var heads = ["\(common)/HEAD"]
    let admin = "\(common)/worktrees"
    for name in (try? FileManager.default.contentsOfDirectory(atPath: admin)) ?? [] {
      heads.append("\(admin)/\(name)/HEAD")
    }
    for head in heads {
      guard let text = try? String(contentsOfFile: head, encoding: .utf8) else { continue }
      if text.trimmingCharacters(in: .whitespacesAndNewlines) == "ref: \(full)" { return true }
    }
    return false
  }

  /// Commits reachable from `local` but not `upstream`, and the reverse.
  public func aheadBehind(_ local: OID, _ upstream: OID) throws(GitError) -> (ahead: Int, behind: Int) {
    var ahead = 0
    var behind = 0
    var l = local.raw
    var u = upstream.raw
    try git("git_graph_ahead_behind") { git_graph_ahead_behind(&ahead, &behind, handle, &l, &u) }
    return (ahead, behind)
  }

  /// Whether `commit` is `ancestor` or a descendant of it.
  public func contains(_ commit: OID, ancestor: OID) throws(GitError) -> Bool {
    if commit == ancestor { return true }
    var c = commit.raw
    var a = ancestor.raw
    let rc = try git("git_graph_descendant_of") { git_graph_descendant_of(handle, &c, &a) }
    return rc == 1
  }

  /// The best common ancestor of two commits; nil when they share no history.
  public func mergeBase(_ one: OID, _ two: OID) throws(GitError) -> OID? {
    var out = git_oid()
    var a = one.raw
    var b = two.raw
    git_error_clear()
    let rc = git_merge_base(&out, handle, &a, &b)
    if rc == GIT_ENOTFOUND.rawValue { return nil }
    if rc < 0 { throw lastError(code: rc, operation: "git_merge_base") }
    return OID(out)
  }
}
