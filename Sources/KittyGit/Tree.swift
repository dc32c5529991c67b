import CLibgit2
import Foundation

/// A file change to apply on top of a tree: new content, or removal.
public enum TreeChange: Sendable {
  case write(path: String, data: Data, executable: Bool = false)
  case remove(path: String)
}

extension Repository {
  /// The bytes of the file at `path` in `commit`, nil when absent.
  public func fileContents(at path: String, in commit: OID) throws(GitError) -> Data? {
    let treeID = try self.commit(commit).tree
    var oid = treeID.raw
    var tree: OpaquePointer?
    try git("git_tree_lookup") { git_tree_lookup(&tree, handle, &oid) }
    defer { git_tree_free(tree) }
    var entry: OpaquePointer?
    git_error_clear()
    let rc = git_tree_entry_bypath(&entry, tree, path)
    if rc == GIT_ENOTFOUND.rawValue { return nil }
    if rc < 0 { throw lastError(code: rc, operation: "git_tree_entry_bypath(\(path))") }
    defer { git_tree_entry_free(entry) }
    var blobID = git_tree_entry_id(entry)!.pointee
    var blob: OpaquePointer?
    try git("git_blob_lookup") { git_blob_lookup(&blob, handle, &blobID) }
    defer { git_blob_free(blob) }
    let size = Int(git_blob_rawsize(blob))
    guard size > 0, let raw = git_blob_rawcontent(blob) else { return Data() }
    return Data(bytes: raw, count: size)
  }

  /// Writes `data` as a blob and adds it to `index` at `path` (stage 0). An index without a repository cannot hash
  /// content itself: the blob is written first, then the entry added.
  func addBlob(_ data: Data, at path: String, mode: UInt32, to index: OpaquePointer) throws(GitError) {
    var blob = git_oid()
    git_error_clear()
    let written = data.withUnsafeBytes { bytes in
      git_blob_create_from_buffer(&blob, handle, bytes.baseAddress, bytes.count)
    }
    if written < 0 { throw lastError(code: written, operation: "git_blob_create_from_buffer(\(path))") }
    var entry = git_index_entry()
    entry.mode = mode
    entry.id = blob
    entry.file_size = UInt32(truncatingIfNeeded: data.count)
    git_error_clear()
    let added = path.withCString { cPath in
      entry.path = cPath
      return git_index_add(index, &entry)
    }
    if added < 0 { throw lastError(code: added, operation: "git_index_add(\(path))") }
  }

  /// Writes a new tree: `base`'s entries with `changes` applied, using an in-memory index
  /// (no working directory and no on-disk index is touched).
  public func tree(applying changes: [TreeChange], to base: OID?) throws(GitError) -> OID {
    var index: OpaquePointer?
    try git("git_index_new") { git_index_new(&index) }
    defer { git_index_free(index) }
    if let base {
      var oid = base.raw
      var tree: OpaquePointer?
      try git("git_tree_lookup") { git_tree_lookup(&tree, handle, &oid) }
      defer { git_tree_free(tree) }
      try git("git_index_read_tree") { git_index_read_tree(index, tree) }
    }
    for change in changes {
      switch change {
      case .write(let path, let data, let executable):
        try addBlob(data, at: path, mode: executable ? 0o100755 : 0o100644, to: index!)
      case .remove(let path):
        git_error_clear()
        let rc = git_index_remove_bypath(index, path)
        if rc < 0 { throw lastError(code: rc, operation: "git_index_remove_bypath(\(path))") }
      }
    }
    var out = git_oid()
    try git("git_index_write_tree_to") { git_index_write_tree_to(&out, index, handle) }
    return OID(out)
  }
}
