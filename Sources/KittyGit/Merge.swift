import CLibgit2

/// The result of merging two commits in memory.
public enum MergeOutcome: Equatable, Sendable {
  /// `theirs` is already contained in `ours`.
  case upToDate
  /// `ours` is an ancestor of `theirs`: the branch can simply move to `theirs`.
  case fastForward(OID)
  /// A clean three-way merge produced this tree (no commit is written yet).
  case merged(tree: OID)
  /// The merge conflicts on these paths; nothing was written.
  case conflict(paths: [String])
}

extension Repository {
  /// Merges `theirs` into `ours` without touching any worktree or index on disk. Conflicts are reported
  /// with their paths and never resolved automatically.
  public func mergeInMemory(ours: OID, theirs: OID) throws(GitError) -> MergeOutcome {
    if try contains(ours, ancestor: theirs) { return .upToDate }
    if try contains(theirs, ancestor: ours) { return .fastForward(theirs) }
    var options = git_merge_options()
    try git("git_merge_options_init") { git_merge_options_init(&options, UInt32(GIT_MERGE_OPTIONS_VERSION)) }
    // Find renames like git does; no favouring of either side.
    options.flags = GIT_MERGE_FIND_RENAMES.rawValue
    return try withCommit(ours) { (ourCommit) throws(GitError) -> MergeOutcome in
      try withCommit(theirs) { (theirCommit) throws(GitError) -> MergeOutcome in
        var index: OpaquePointer?
        try git("git_merge_commits") { git_merge_commits(&index, handle, ourCommit, theirCommit, &options) }
        defer { git_index_free(index) }
        if git_index_has_conflicts(index) == 1 {
          return .conflict(paths: try conflictPaths(index!))
        }
        var tree = git_oid()
        try git("git_index_write_tree_to") { git_index_write_tree_to(&tree, index, handle) }
        return .merged(tree: OID(tree))
      }
    }
  }

  /// Whether everything `tip` changed is already in `target`: an ancestor, or a merge that would change nothing
  /// (after a squash merge, say).
  public func isContentMerged(_ tip: OID, into target: OID) throws(GitError) -> Bool {
    switch try mergeInMemory(ours: target, theirs: tip) {
    case .upToDate: return true
    case .fastForward: return false
    case .conflict: return false
    case .merged(let tree): return try tree == commit(target).tree
    }
  }

  func conflictPaths(_ index: OpaquePointer) throws(GitError) -> [String] {
    var iterator: OpaquePointer?
    try git("git_index_conflict_iterator_new") { git_index_conflict_iterator_new(&iterator, index) }
    defer { git_index_conflict_iterator_free(iterator) }
    var paths = Set<String>()
    while true {
      var ancestor: UnsafePointer<git_index_entry>?
      var ours: UnsafePointer<git_index_entry>?
      var theirs: UnsafePointer<git_index_entry>?
      git_error_clear()
      let rc = git_index_conflict_next(&ancestor, &ours, &theirs, iterator)
      if rc == GIT_ITEROVER.rawValue { break }
      if rc < 0 { throw lastError(code: rc, operation: "git_index_conflict_next") }
      for entry in [ancestor, ours, theirs] {
        if let path = entry?.pointee.path { paths.insert(String(cString: path)) }
      }
    }
    return paths.sorted()
  }
}
