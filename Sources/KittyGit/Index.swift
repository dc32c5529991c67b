import Foundation
import CLibgit2

extension Repository {
  /// Stages the working-directory content of `paths` in this checkout's index and writes the index,
  /// as `git add <paths>` would (paths relative to the working directory).
  public func stage(paths: [String]) throws(GitError) {
    var index: OpaquePointer?
    try git("git_repository_index") { git_repository_index(&index, handle) }
    defer { git_index_free(index) }
    try git("git_index_read") { git_index_read(index, 0) }
    let root = workingDirectory ?? ""
    for path in paths {
      if !FileManager.default.fileExists(atPath: root + path), git_index_get_bypath(index, path, 0) != nil {
        // A tracked file deleted from the working directory: stage the deletion, as `git add` does.
        try git("git_index_remove_bypath(\(path))") { git_index_remove_bypath(index, path) }
      } else {
        try git("git_index_add_bypath(\(path))") { git_index_add_bypath(index, path) }
      }
    }
    try git("git_index_write") { git_index_write(index) }
  }

  /// Writes the tree of this checkout's current index.
  public func writeIndexTree() throws(GitError) -> OID {
    var index: OpaquePointer?
    try git("git_repository_index") { git_repository_index(&index, handle) }
    defer { git_index_free(index) }
    try git("git_index_read") { git_index_read(index, 0) }
    var out = git_oid()
    try git("git_index_write_tree") { git_index_write_tree(&out, index) }
    return OID(out)
  }
}
