import CLibgit2
import Foundation

/// One path whose state differs from HEAD or the index.
public struct StatusEntry: Equatable, Sendable {
  public let path: String
  public let flags: UInt32

  public var isUntracked: Bool { flags & GIT_STATUS_WT_NEW.rawValue != 0 }
  public var isIgnored: Bool { flags & GIT_STATUS_IGNORED.rawValue != 0 }
}

extension Repository {
  /// Paths that are modified, staged, deleted or untracked (ignored files are left out),
  /// like `git status --porcelain`. Not reliable in sparse checkouts (libgit2 has no sparse support).
  /// With `paths`, only those paths (a directory: the files under it) are looked at, taken literally (no wildcards);
  /// the rest of the tree is not scanned.
  public func status(includeUntracked: Bool = true, paths: [String]? = nil) throws(GitError) -> [StatusEntry] {
    if let paths, paths.isEmpty { return [] }
    var options = git_status_options()
    try git("git_status_options_init") { git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)) }
    options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
    var flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
    if includeUntracked {
      flags |= GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
    }
    if paths != nil { flags |= GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH.rawValue }
    options.flags = flags
    var list: OpaquePointer?
    let pathspec = (paths ?? []).map { strdup($0) }
    let strings = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: max(pathspec.count, 1))
    strings.initialize(from: pathspec, count: pathspec.count)
    defer {
      pathspec.forEach { free($0) }
      strings.deallocate()
    }
    if paths != nil { options.pathspec = git_strarray(strings: strings, count: pathspec.count) }
    try git("git_status_list_new") { git_status_list_new(&list, handle, &options) }
    defer { git_status_list_free(list) }
    let count = git_status_list_entrycount(list)
    var entries: [StatusEntry] = []
    for i in 0..<count {
      guard let entry = git_status_byindex(list, i)?.pointee else { continue }
      let delta = entry.index_to_workdir ?? entry.head_to_index
      let path =
        delta.flatMap { $0.pointee.new_file.path ?? $0.pointee.old_file.path }.map { String(cString: $0) } ?? ""
      entries.append(StatusEntry(path: path, flags: entry.status.rawValue))
    }
    return entries
  }

  /// Whether the checkout has uncommitted or untracked changes.
  public func isDirty(includeUntracked: Bool = true) throws(GitError) -> Bool {
    try !status(includeUntracked: includeUntracked).isEmpty
  }
}
