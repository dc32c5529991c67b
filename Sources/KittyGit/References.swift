import Foundation
import CLibgit2

/// A reference as read at one moment: its name and the commit it points at (peeled).
public struct ReferenceInfo: Equatable, Sendable {
  public let name: String
  public let target: OID?
  public let symbolicTarget: String?
}

extension Repository {
  /// Reads a reference; nil when it does not exist.
  public func reference(named name: String) throws(GitError) -> ReferenceInfo? {
    var ref: OpaquePointer?
    git_error_clear()
    let rc = git_reference_lookup(&ref, handle, name)
    if rc == GIT_ENOTFOUND.rawValue { return nil }
    if rc < 0 { throw lastError(code: rc, operation: "git_reference_lookup(\(name))") }
    defer { git_reference_free(ref) }
    return info(of: ref!)
  }

  private func info(of ref: OpaquePointer) -> ReferenceInfo {
    let name = String(cString: git_reference_name(ref))
    if git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC {
      let target = String(cString: git_reference_symbolic_target(ref))
      var resolved: OpaquePointer?
      var oid: OID?
      if git_reference_resolve(&resolved, ref) == 0, let pointer = git_reference_target(resolved) {
        oid = OID(pointer.pointee)
      }
      git_reference_free(resolved)
      return ReferenceInfo(name: name, target: oid, symbolicTarget: target)
    }
    return ReferenceInfo(name: name, target: git_reference_target(ref).map { OID($0.pointee) }, symbolicTarget: nil)
  }

  /// The references whose names match a glob such as `refs/heads/kitty/*`.
  /// `*` does not cross `/` (as in `git for-each-ref`) unless `crossingSlashes` is set.
  public func references(matching glob: String, crossingSlashes: Bool = false) throws(GitError) -> [ReferenceInfo] {
    var iterator: OpaquePointer?
    try git("git_reference_iterator_glob_new") { git_reference_iterator_glob_new(&iterator, handle, glob) }
    defer { git_reference_iterator_free(iterator) }
    var result: [ReferenceInfo] = []
    while true {
      var ref: OpaquePointer?
      git_error_clear()
      let rc = git_reference_next(&ref, iterator)
      if rc == GIT_ITEROVER.rawValue { break }
      if rc < 0 { throw lastError(code: rc, operation: "git_reference_next") }
      result.append(info(of: ref!))
      git_reference_free(ref)
    }
    // libgit2's glob lets `*` cross `/`; git's for-each-ref does not.
    if !crossingSlashes { result = result.filter { fnmatch(glob, $0.name, FNM_PATHNAME) == 0 } }
    return result.sorted { $0.name < $1.name }
  }

  /// Creates a direct reference; fails with `GIT_EEXISTS` when it already exists.
  public func createReference(_ name: String, target: OID, message: String) throws(GitError) {
    var oid = target.raw
    var ref: OpaquePointer?
    try git("git_reference_create(\(name))") { git_reference_create(&ref, handle, name, &oid, 0, message) }
    git_reference_free(ref)
  }

  /// Compare-and-swap: moves `name` from `expected` to `target`. Fails with `GIT_EMODIFIED`
  /// when the reference no longer points at `expected` (someone else moved it).
  public func updateReference(_ name: String, from expected: OID, to target: OID, message: String) throws(GitError) {
    var oid = target.raw
    var old = expected.raw
    var ref: OpaquePointer?
    try git("git_reference_create_matching(\(name))") {
      git_reference_create_matching(&ref, handle, name, &oid, 1, &old, message)
    }
    git_reference_free(ref)
  }

  /// Deletes a reference only if it still points at `expected`.
  public func deleteReference(_ name: String, expected: OID) throws(GitError) {
    var ref: OpaquePointer?
    try git("git_reference_lookup(\(name))") { git_reference_lookup(&ref, handle, name) }
    defer { git_reference_free(ref) }
    guard let current = git_reference_target(ref).map({ OID($0.pointee) }), current == expected else {
      throw GitError(
        code: GIT_EMODIFIED.rawValue, message: "\(name) moved; not deleting it", operation: "deleteReference")
    }
    try git("git_reference_delete(\(name))") { git_reference_delete(ref) }
  }
}
