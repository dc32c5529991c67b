import CLibgit2
import Foundation

/// An open git repository (main checkout or linked worktree). Not thread-safe: open one per task.
public final class Repository {
  let handle: OpaquePointer

  init(handle: OpaquePointer) {
    self.handle = handle
  }

  deinit { git_repository_free(handle) }

  /// Opens the repository containing `path`, searching upwards like git does.
  /// Works from inside the main checkout, a linked worktree, or a bare repository.
  public static func discover(from path: String) throws(GitError) -> Repository {
    Libgit2.ensureInitialised()
    var pointer: OpaquePointer?
    try git("git_repository_open_ext") { git_repository_open_ext(&pointer, path, 0, nil) }
    return Repository(handle: pointer!)
  }

  /// Opens exactly the repository at `path` without searching upwards.
  public static func open(at path: String) throws(GitError) -> Repository {
    Libgit2.ensureInitialised()
    var pointer: OpaquePointer?
    try git("git_repository_open_ext") {
      git_repository_open_ext(&pointer, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil)
    }
    return Repository(handle: pointer!)
  }

  /// Opens the repository at `path` with its object writes kept in memory (a mempack backend ahead of the disk
  /// ones; reads still find every object on disk): for merges that only ask whether something conflicts, whose
  /// trees and blobs nobody keeps. Each would otherwise be a loose object file. Throw the handle away after use.
  public static func openWithObjectsInMemory(at path: String) throws(GitError) -> Repository {
    let repo = try open(at: path)
    var odb: OpaquePointer?
    try git("git_repository_odb") { git_repository_odb(&odb, repo.handle) }
    defer { git_odb_free(odb) }
    var backend: OpaquePointer?
    try git("git_mempack_new") { git_mempack_new(&backend) }
    // Loose objects have priority 1 and packs 2: the highest priority is asked first, for writes too.
    try git("git_odb_add_backend") { git_odb_add_backend(odb, backend, 1000) }
    return repo
  }

  /// Creates a new repository with a working directory at `path`.
  public static func initialise(at path: String, initialBranch: String = "main") throws(GitError) -> Repository {
    Libgit2.ensureInitialised()
    var options = git_repository_init_options()
    try git("git_repository_init_options_init") {
      git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION))
    }
    options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue
    var pointer: OpaquePointer?
    git_error_clear()
    let rc = initialBranch.withCString { branch in
      options.initial_head = branch
      return git_repository_init_ext(&pointer, path, &options)
    }
    if rc < 0 { throw lastError(code: rc, operation: "git_repository_init_ext") }
    return Repository(handle: pointer!)
  }

  /// The `.git` directory of this checkout (`.git/worktrees/<name>/` for a linked worktree), with a trailing slash.
  public var gitDirectory: String { String(cString: git_repository_path(handle)) }

  /// The directory shared by all worktrees (the main `.git`), with a trailing slash.
  public var commonDirectory: String { String(cString: git_repository_commondir(handle)) }

  /// The working directory of this checkout, with a trailing slash; nil for a bare repository.
  public var workingDirectory: String? { git_repository_workdir(handle).map { String(cString: $0) } }

  public var isWorktree: Bool { git_repository_is_worktree(handle) == 1 }
  public var isBare: Bool { git_repository_is_bare(handle) == 1 }

  /// The working directory of the main checkout: the parent of the common dir when it is `<root>/.git`.
  public var mainWorkingDirectory: String? {
    if !isWorktree { return workingDirectory.map(Path.stripTrailingSlash) }
    let common = Path.stripTrailingSlash(commonDirectory)
    guard (common as NSString).lastPathComponent == ".git" else { return nil }
    return (common as NSString).deletingLastPathComponent
  }

  /// Whether HEAD points at a branch with no commit yet.
  public var isHeadUnborn: Bool { git_repository_head_unborn(handle) == 1 }

  /// The full name of the reference HEAD points at (e.g. `refs/heads/develop`), also when unborn.
  public func headReferenceName() throws(GitError) -> String? {
    var ref: OpaquePointer?
    try git("git_reference_lookup") { git_reference_lookup(&ref, handle, "HEAD") }
    defer { git_reference_free(ref) }
    guard git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC else { return nil }
    return String(cString: git_reference_symbolic_target(ref))
  }

  /// The short branch name HEAD is on, nil when detached.
  public func currentBranch() throws(GitError) -> String? {
    guard let name = try headReferenceName() else { return nil }
    return Branch.shortName(name)
  }

  /// The commit HEAD resolves to, nil when unborn.
  public func headCommitID() throws(GitError) -> OID? {
    if isHeadUnborn { return nil }
    return try resolve("HEAD")
  }

  /// Resolves a revision expression (`develop`, `HEAD~1`, a sha) to a commit id.
  public func resolve(_ revision: String) throws(GitError) -> OID {
    var object: OpaquePointer?
    try git("git_revparse_single(\(revision))") { git_revparse_single(&object, handle, revision) }
    defer { git_object_free(object) }
    var peeled: OpaquePointer?
    try git("git_object_peel") { git_object_peel(&peeled, object, GIT_OBJECT_COMMIT) }
    defer { git_object_free(peeled) }
    return OID(git_object_id(peeled).pointee)
  }
}

/// Small path helpers shared by the git layer.
public enum Path {
  public static func stripTrailingSlash(_ path: String) -> String {
    var result = path
    while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
    return result
  }
}
