import CLibgit2

extension Repository {
  /// The working directory's ignored paths, relative to it: files, and whole ignored directories (with a trailing
  /// `/`, not entered), as `git status --ignored` lists them.
  public func ignoredPaths() throws(GitError) -> [String] {
    var options = git_status_options()
    try git("git_status_options_init") { git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)) }
    options.show = GIT_STATUS_SHOW_WORKDIR_ONLY
    options.flags =
      GIT_STATUS_OPT_INCLUDE_IGNORED.rawValue | GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue
      | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
    var list: OpaquePointer?
    try git("git_status_list_new") { git_status_list_new(&list, handle, &options) }
    defer { git_status_list_free(list) }
    var paths: [String] = []
    for i in 0..<git_status_list_entrycount(list) {
      guard let entry = git_status_byindex(list, i)?.pointee, entry.status.rawValue & GIT_STATUS_IGNORED.rawValue != 0,
        let path = entry.index_to_workdir?.pointee.new_file.path
      else { continue }
      paths.append(String(cString: path))
    }
    return paths
  }

  /// Whether `path` (relative to the working directory) is ignored by the ignore rules that apply here.
  public func isIgnored(_ path: String) throws(GitError) -> Bool {
    var ignored: Int32 = 0
    try git("git_ignore_path_is_ignored") { git_ignore_path_is_ignored(&ignored, handle, path) }
    return ignored != 0
  }
}
