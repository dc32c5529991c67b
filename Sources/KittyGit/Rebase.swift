import CLibgit2

extension Repository {
  /// The commits reachable from `tip` and not from `base`, parents before children (what a rebase of `tip` onto
  /// `base` replays, merges included; the caller decides what to do with them).
  public func commits(from tip: OID, notIn base: OID) throws(GitError) -> [OID] {
    var walk: OpaquePointer?
    try git("git_revwalk_new") { git_revwalk_new(&walk, handle) }
    defer { git_revwalk_free(walk) }
    try git("git_revwalk_sorting") {
      git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue)
    }
    var tipRaw = tip.raw
    try git("git_revwalk_push") { git_revwalk_push(walk, &tipRaw) }
    var baseRaw = base.raw
    try git("git_revwalk_hide") { git_revwalk_hide(walk, &baseRaw) }
    var found: [OID] = []
    var next = git_oid()
    while true {
      git_error_clear()
      let rc = git_revwalk_next(&next, walk)
      if rc == GIT_ITEROVER.rawValue { break }
      if rc < 0 { throw lastError(code: rc, operation: "git_revwalk_next") }
      found.append(OID(next))
    }
    return found
  }

  /// What `commit` changed against its first parent, applied onto `onto` in memory (a cherry-pick that writes
  /// nothing). `.upToDate` when the result is `onto`'s own tree (the change is there already), `.merged(tree)`
  /// otherwise; conflicts are reported with their paths and never resolved.
  public func cherryPickInMemory(_ commit: OID, onto: OID) throws(GitError) -> MergeOutcome {
    var options = git_merge_options()
    try git("git_merge_options_init") { git_merge_options_init(&options, UInt32(GIT_MERGE_OPTIONS_VERSION)) }
    options.flags = GIT_MERGE_FIND_RENAMES.rawValue
    let ontoTree = try self.commit(onto).tree
    return try withCommit(commit) { (picked) throws(GitError) -> MergeOutcome in
      try withCommit(onto) { (ours) throws(GitError) -> MergeOutcome in
        var index: OpaquePointer?
        try git("git_cherrypick_commit") { git_cherrypick_commit(&index, handle, picked, ours, 0, &options) }
        defer { git_index_free(index) }
        if git_index_has_conflicts(index) == 1 {
          return .conflict(paths: try conflictPaths(index!))
        }
        var tree = git_oid()
        try git("git_index_write_tree_to") { git_index_write_tree_to(&tree, index, handle) }
        return OID(tree) == ontoTree ? .upToDate : .merged(tree: OID(tree))
      }
    }
  }
}
