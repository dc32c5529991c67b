import Foundation
import KittyCore
import KittyGit

/// Commits a mission's status files the way spec-kitty does — only those paths, onto the mission's target
/// branch, with a compare-and-swap on the ref — and refreshes the main checkout's index for them so
/// `git status` stays clean. Never commits onto a protected branch.
public struct StatusCommitter: Sendable {
  public let context: RepositoryContext

  public init(context: RepositoryContext) {
    self.context = context
  }

  public enum Outcome: Equatable, Sendable {
    case committed(String)
    /// The files already match the branch: nothing to commit.
    case unchanged
  }

  /// Commits the working-directory content of `paths` (relative to the main checkout) onto `branch`.
  public func commit(paths: [String], branch: String, message: String) throws -> Outcome {
    if context.protection.isProtected(branch) { throw WorkspaceError.protectedBranch(branch: branch) }
    let repo = try context.open()
    let head = try repo.headReferenceName()
    guard head == Branch.fullName(branch) else {
      throw WorkspaceError.headMismatch(expected: branch, actual: head.map(Branch.shortName))
    }
    var changes: [TreeChange] = []
    for path in paths {
      let full = "\(context.root)/\(path)"
      if let data = FileManager.default.contents(atPath: full) {
        changes.append(.write(path: path, data: data))
      } else {
        changes.append(.remove(path: path))
      }
    }
    // A commit made by someone else between our read and our update: rebuild on the new tip (a few times).
    for _ in 0..<5 {
      guard let tip = try repo.branchTip(branch) else { throw WorkspaceError.missingTargetBranch(branch: branch) }
      let base = try repo.commit(tip)
      let tree = try repo.tree(applying: changes, to: base.tree)
      if tree == base.tree {
        try repo.stage(paths: paths)
        return .unchanged
      }
      let commit = try repo.createCommit(tree: tree, parents: [tip], message: message + "\n")
      do {
        try repo.updateReference(Branch.fullName(branch), from: tip, to: commit, message: "commit: \(message)")
      } catch {
        if error.isModified { continue }
        throw WorkspaceError.git(error, during: "updating \(branch)")
      }
      try repo.stage(paths: paths)
      return .committed(commit.hex)
    }
    throw WorkspaceError.concurrentUpdate(branch: branch)
  }
}
