import CLibgit2
import Foundation

/// A commit as read at one moment (value type; no libgit2 pointer survives).
public struct CommitInfo: Equatable, Sendable {
  public let id: OID
  public let tree: OID
  public let parents: [OID]
  public let message: String
  public let summary: String
  public let authorName: String
  public let authorEmail: String
  public let time: Date
}

/// Who made a commit: name and email, or the repository's configured identity.
public struct Signature: Sendable, Equatable {
  public let name: String
  public let email: String
  public init(name: String, email: String) {
    self.name = name
    self.email = email
  }
}

extension Repository {
  /// Runs `body` with a looked-up commit, freeing it before returning (scoped helper).
  func withCommit<T>(_ id: OID, _ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
    var oid = id.raw
    var commit: OpaquePointer?
    try git("git_commit_lookup(\(id.short))") { git_commit_lookup(&commit, handle, &oid) }
    defer { git_commit_free(commit) }
    return try body(commit!)
  }

  public func commit(_ id: OID) throws(GitError) -> CommitInfo {
    try withCommit(id) { commit in
      let count = git_commit_parentcount(commit)
      let parents = (0..<count).compactMap { git_commit_parent_id(commit, $0).map { OID($0.pointee) } }
      let author = git_commit_author(commit)!.pointee
      return CommitInfo(
        id: id,
        tree: OID(git_commit_tree_id(commit).pointee),
        parents: parents,
        message: git_commit_message(commit).map { String(cString: $0) } ?? "",
        summary: git_commit_summary(commit).map { String(cString: $0) } ?? "",
        authorName: String(cString: author.name),
        authorEmail: String(cString: author.email),
        time: Date(timeIntervalSince1970: TimeInterval(author.when.time))
      )
    }
  }

  /// The repository's configured identity (`user.name`/`user.email`), or a fallback for tools.
  public func defaultSignature(fallback: Signature = Signature(name: "git-kitty", email: "git-kitty@localhost"))
    -> Signature
  {
    var sig: UnsafeMutablePointer<git_signature>?
    if git_signature_default(&sig, handle) == 0, let sig {
      defer { git_signature_free(sig) }
      return Signature(name: String(cString: sig.pointee.name), email: String(cString: sig.pointee.email))
    }
    return fallback
  }

  /// Writes a commit object (no reference is moved; use `updateReference` to publish it).
  public func createCommit(
    tree: OID, parents: [OID], message: String, author: Signature? = nil, committer: Signature? = nil
  ) throws(GitError) -> OID {
    let who = author ?? defaultSignature()
    let by = committer ?? who
    var authorSig: UnsafeMutablePointer<git_signature>?
    var committerSig: UnsafeMutablePointer<git_signature>?
    try git("git_signature_now") { git_signature_now(&authorSig, who.name, who.email) }
    defer { git_signature_free(authorSig) }
    try git("git_signature_now") { git_signature_now(&committerSig, by.name, by.email) }
    defer { git_signature_free(committerSig) }

    var treeOID = tree.raw
    var treePointer: OpaquePointer?
    try git("git_tree_lookup") { git_tree_lookup(&treePointer, handle, &treeOID) }
    defer { git_tree_free(treePointer) }

    var parentPointers: [OpaquePointer?] = []
    defer { parentPointers.forEach { git_commit_free($0) } }
    for parent in parents {
      var oid = parent.raw
      var pointer: OpaquePointer?
      try git("git_commit_lookup") { git_commit_lookup(&pointer, handle, &oid) }
      parentPointers.append(pointer)
    }
    var out = git_oid()
    git_error_clear()
    let rc = parentPointers.withUnsafeMutableBufferPointer { buffer in
      git_commit_create(
        &out, handle, nil, authorSig, committerSig, nil, message, treePointer, parents.count,
        buffer.baseAddress)
    }
    if rc < 0 { throw lastError(code: rc, operation: "git_commit_create") }
    return OID(out)
  }
}
