import CLibgit2

extension Repository {
  /// Updates this checkout's index and files from `tree` with git's safe strategy: files with local
  /// changes are never overwritten (the call fails instead). HEAD is not moved.
  public func checkoutTree(_ tree: OID) throws(GitError) {
    try checkoutTree(tree, strategy: GIT_CHECKOUT_SAFE.rawValue)
  }

  /// Writes every file of `tree` and the index, overwriting what is there (untracked files stay). Only for a
  /// checkout that never completed, which holds nobody's work.
  public func forceCheckoutTree(_ tree: OID) throws(GitError) {
    try checkoutTree(tree, strategy: GIT_CHECKOUT_FORCE.rawValue)
  }

  private func checkoutTree(_ tree: OID, strategy: UInt32) throws(GitError) {
    var options = git_checkout_options()
    try git("git_checkout_options_init") {
      git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION))
    }
    options.checkout_strategy = strategy
    var oid = tree.raw
    var object: OpaquePointer?
    try git("git_object_lookup") { git_object_lookup(&object, handle, &oid, GIT_OBJECT_TREE) }
    defer { git_object_free(object) }
    try git("git_checkout_tree") { git_checkout_tree(handle, object, &options) }
  }
}
