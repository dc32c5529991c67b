import CLibgit2
import Foundation

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

/// Resolves a conflicted file of an in-memory merge, as a git merge driver would: given the ancestor's, our and
/// their bytes (nil where the side has no file), the merged bytes, or nil to leave the conflict.
public typealias ConflictResolver = @Sendable (_ path: String, _ base: Data?, _ ours: Data?, _ theirs: Data?) -> Data?

extension Repository {
  /// Merges `theirs` into `ours` without touching any worktree or index on disk. Conflicts are reported with their
  /// paths; only those `resolve` settles (git-kitty's merge drivers, which libgit2 cannot run) are resolved.
  public func mergeInMemory(ours: OID, theirs: OID, resolve: ConflictResolver? = nil) throws(GitError)
    -> MergeOutcome
  {
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
          let paths = try conflictPaths(index!)
          guard let resolve, try resolveConflicts(index!, paths: paths, with: resolve) else {
            return .conflict(paths: paths)
          }
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

  /// Settles every conflicted path with `resolve`, in the in-memory index; false (the index partly settled, to be
  /// thrown away) when one path is not resolved.
  func resolveConflicts(_ index: OpaquePointer, paths: [String], with resolve: ConflictResolver) throws(GitError)
    -> Bool
  {
    for path in paths {
      var ancestor: UnsafePointer<git_index_entry>?
      var ours: UnsafePointer<git_index_entry>?
      var theirs: UnsafePointer<git_index_entry>?
      git_error_clear()
      let found = git_index_conflict_get(&ancestor, &ours, &theirs, index, path)
      if found < 0 { throw lastError(code: found, operation: "git_index_conflict_get(\(path))") }
      // Only content conflicts of regular files on both sides: a deletion or a mode change stays a conflict.
      guard let ours, let theirs, ours.pointee.mode == theirs.pointee.mode else { return false }
      let mode = ours.pointee.mode
      let sides = try [ancestor, ours, theirs].map { (entry) throws(GitError) -> Data? in
        guard let entry else { return nil }
        return try blobData(entry.pointee.id)
      }
      guard let merged = resolve(path, sides[0], sides[1], sides[2]) else { return false }
      try git("git_index_conflict_remove") { git_index_conflict_remove(index, path) }
      try addBlob(merged, at: path, mode: mode, to: index)
    }
    return git_index_has_conflicts(index) == 0
  }

  /// A blob's bytes.
  func blobData(_ id: git_oid) throws(GitError) -> Data {
    var oid = id
    var blob: OpaquePointer?
    try git("git_blob_lookup") { git_blob_lookup(&blob, handle, &oid) }
    defer { git_blob_free(blob) }
    let size = Int(git_blob_rawsize(blob))
    guard size > 0, let raw = git_blob_rawcontent(blob) else { return Data() }
    return Data(bytes: raw, count: size)
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
