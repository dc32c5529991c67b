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

  /// How many best common ancestors two commits have (more than one after criss-cross merges).
  public func mergeBaseCount(_ one: OID, _ two: OID) throws(GitError) -> Int {
    var bases = git_oidarray()
    var a = one.raw
    var b = two.raw
    git_error_clear()
    let rc = git_merge_bases(&bases, handle, &a, &b)
    if rc == GIT_ENOTFOUND.rawValue { return 0 }
    if rc < 0 { throw lastError(code: rc, operation: "git_merge_bases") }
    defer { git_oidarray_dispose(&bases) }
    return bases.count
  }

  /// The paths whose entry differs between two commits' trees (both sides of every change; no rename detection,
  /// no content read).
  public func changedPaths(from base: OID, to tip: OID) throws(GitError) -> Set<String> {
    try withTree(ofCommit: base) { (baseTree) throws(GitError) -> Set<String> in
      try withTree(ofCommit: tip) { (tipTree) throws(GitError) -> Set<String> in
        var diff: OpaquePointer?
        try git("git_diff_tree_to_tree") { git_diff_tree_to_tree(&diff, handle, baseTree, tipTree, nil) }
        defer { git_diff_free(diff) }
        var paths = Set<String>()
        for index in 0..<git_diff_num_deltas(diff) {
          guard let delta = git_diff_get_delta(diff, index) else { continue }
          if let path = delta.pointee.old_file.path { paths.insert(String(cString: path)) }
          if let path = delta.pointee.new_file.path { paths.insert(String(cString: path)) }
        }
        return paths
      }
    }
  }

  private func withTree<T>(ofCommit id: OID, _ body: (OpaquePointer?) throws(GitError) -> T) throws(GitError) -> T {
    try withCommit(id) { (commit) throws(GitError) -> T in
      var tree: OpaquePointer?
      try git("git_commit_tree") { git_commit_tree(&tree, commit) }
      defer { git_tree_free(tree) }
      return try body(tree)
    }
  }
}
