import CLibgit2

extension Repository {
  /// Runs `body` with a snapshot of the repository's config (all levels).
  private func withConfigSnapshot<T>(_ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
    var config: OpaquePointer?
    try git("git_repository_config_snapshot") { git_repository_config_snapshot(&config, handle) }
    defer { git_config_free(config) }
    return try body(config!)
  }

  /// A config value as a string; nil when unset.
  public func configString(_ key: String) throws(GitError) -> String? {
    try withConfigSnapshot { (config) throws(GitError) -> String? in
      var value: UnsafePointer<CChar>?
      git_error_clear()
      let rc = git_config_get_string(&value, config, key)
      if rc == GIT_ENOTFOUND.rawValue { return nil }
      if rc < 0 { throw lastError(code: rc, operation: "git_config_get_string(\(key))") }
      return value.map { String(cString: $0) }
    }
  }

  /// A config value read as a git boolean; nil when unset or not a boolean.
  public func configBool(_ key: String) throws(GitError) -> Bool? {
    try withConfigSnapshot { (config) throws(GitError) -> Bool? in
      var value: Int32 = 0
      git_error_clear()
      let rc = git_config_get_bool(&value, config, key)
      if rc == GIT_ENOTFOUND.rawValue { return nil }
      if rc < 0 { return nil }
      return value != 0
    }
  }

  /// Sets a string in the repository's local config (`.git/config`).
  public func setConfigString(_ key: String, _ value: String) throws(GitError) {
    var config: OpaquePointer?
    try git("git_repository_config") { git_repository_config(&config, handle) }
    defer { git_config_free(config) }
    var local: OpaquePointer?
    try git("git_config_open_level") { git_config_open_level(&local, config, GIT_CONFIG_LEVEL_LOCAL) }
    defer { git_config_free(local) }
    try git("git_config_set_string(\(key))") { git_config_set_string(local, key, value) }
  }
}
