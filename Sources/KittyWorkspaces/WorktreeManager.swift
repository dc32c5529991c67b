import Foundation
import KittyCore
import KittyGit

/// Creates, reuses, validates, repairs and removes lane worktrees, transactionally and without ever
/// writing to a protected branch.
public struct WorktreeManager: Sendable {
  public let context: RepositoryContext

  public init(context: RepositoryContext) {
    self.context = context
  }

  // MARK: create or reuse

  /// Returns the lane's worktree, creating the mission branch, lane branch and worktree as needed and merging
  /// `spec.merges` into the lane. On any failure everything this call did is undone.
  public func ensureLaneWorktree(_ spec: LaneWorktreeSpec) throws -> LaneWorktreeResult {
    try context.withWorktreeLock { try ensureLocked(spec) }
  }

  private func ensureLocked(_ spec: LaneWorktreeSpec) throws -> LaneWorktreeResult {
    guard context.isManagedPath(spec.path) else {
      throw WorkspaceError.outsideWorktreesDirectory(path: spec.path, root: context.root)
    }
    try context.refuseProtected(spec.missionBranch)
    try context.refuseProtected(spec.laneBranch)
    let repo = try context.open()
    let admin = repo.worktreeAdminDirectory(named: spec.name)
    if Self.isAbandonedCreation(spec.path, admin: admin) {
      // A creation killed before the worktree was complete: only its `.git` file is there. Start over.
      Self.removeLeftovers(admin: admin, path: spec.path)
    }
    if let existing = try registeredWorktree(at: spec.path, in: repo) {
      return try reuse(existing, spec: spec, repo: repo)
    }
    if FileManager.default.fileExists(atPath: spec.path) { throw WorkspaceError.pathExists(path: spec.path) }
    return try create(spec, repo: repo)
  }

  /// What libgit2 leaves when it is killed half-way through creating a worktree (it makes the admin directory,
  /// then the work directory, then the `.git` file, and writes the admin HEAD last): an admin directory without
  /// HEAD next to no work directory or an empty one, or a work directory holding nothing but its `.git` file (maybe
  /// still empty). An empty directory with no such admin directory, or one with any other file, is someone else's.
  static func isAbandonedCreation(_ path: String, admin: String) -> Bool {
    let fm = FileManager.default
    if fm.fileExists(atPath: "\(admin)/HEAD") { return false }
    // An admin directory holding only what libgit2 writes before HEAD (anything else: repair decides).
    let adminHalfMade =
      (try? fm.contentsOfDirectory(atPath: admin)).map {
        Set($0).isSubset(of: ["gitdir", "commondir", "locked", "HEAD.lock"])
      } ?? false
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: path) else { return adminHalfMade }
    guard let entries = try? fm.contentsOfDirectory(atPath: path) else { return false }
    if entries.isEmpty { return adminHalfMade }
    return entries == [".git"] && fm.fileExists(atPath: "\(path)/.git", isDirectory: &isDirectory)
      && !isDirectory.boolValue
  }

  private func create(_ spec: LaneWorktreeSpec, repo: Repository) throws -> LaneWorktreeResult {
    let undo = Undo()
    do {
      let targetTip = try tip(of: spec.targetBranch, repo: repo)
      // Mission branch from the target's tip on first use.
      let missionTip: OID
      if let existing = try repo.branchTip(spec.missionBranch) {
        missionTip = existing
      } else {
        try repo.createBranch(
          spec.missionBranch, at: targetTip, message: "git-kitty: mission branch from \(spec.targetBranch)")
        missionTip = targetTip
        undo.register("mission branch") { [targetTip] in try? repo.deleteBranch(spec.missionBranch, expected: targetTip)
        }
      }
      // Lane branch from the mission branch (an existing lane branch is reused when nobody has it checked out).
      let laneStart: OID
      if let existing = try repo.branchTip(spec.laneBranch) {
        if try repo.isBranchCheckedOut(spec.laneBranch) {
          throw WorkspaceError.branchCheckedOutElsewhere(branch: spec.laneBranch, path: nil)
        }
        laneStart = existing
      } else {
        try repo.createBranch(
          spec.laneBranch, at: missionTip, message: "git-kitty: lane branch from \(spec.missionBranch)")
        laneStart = missionTip
        undo.register("lane branch") { [missionTip] in try? repo.deleteBranch(spec.laneBranch, expected: missionTip) }
      }
      let (laneTip, merged) = try mergeSources(spec, into: laneStart, repo: repo)
      if laneTip != laneStart {
        try moveBranch(spec.laneBranch, from: laneStart, to: laneTip, repo: repo)
        undo.register("lane merges") { [laneStart, laneTip] in
          try? repo.updateReference(
            Branch.fullName(spec.laneBranch), from: laneTip, to: laneStart, message: "git-kitty: undo lane merges")
        }
      }
      try addWorktree(spec, repo: repo, undo: undo)
      undo.commit()
      return LaneWorktreeResult(
        path: spec.path, branch: spec.laneBranch, created: true, merged: merged, head: laneTip.hex)
    } catch {
      undo.rollBack()
      throw error
    }
  }

  /// Adds the worktree; if libgit2 fails half-way, its admin directory and work directory are removed.
  private func addWorktree(_ spec: LaneWorktreeSpec, repo: Repository, undo: Undo) throws {
    let fm = FileManager.default
    if !fm.fileExists(atPath: context.worktreesDirectory) {
      do {
        try fm.createDirectory(atPath: context.worktreesDirectory, withIntermediateDirectories: false)
      } catch {
        throw WorkspaceError.io("cannot create \(context.worktreesDirectory): \(error.localizedDescription)")
      }
      undo.register(".worktrees") { try? fm.removeItem(atPath: context.worktreesDirectory) }
    }
    let admin = repo.worktreeAdminDirectory(named: spec.name)
    if fm.fileExists(atPath: admin) {
      throw WorkspaceError.broken(
        path: spec.path, problems: ["a stale admin directory \(admin) exists; run git kitty worktree repair"])
    }
    let path = spec.path
    do {
      try repo.addWorktree(name: spec.name, path: spec.path, branch: spec.laneBranch)
    } catch {
      Self.removeLeftovers(admin: admin, path: path)
      throw WorkspaceError.git(error, during: "creating worktree \(spec.path)")
    }
    undo.register("worktree") { Self.removeLeftovers(admin: admin, path: path) }
  }

  private func reuse(_ worktree: WorktreeInfo, spec: LaneWorktreeSpec, repo: Repository) throws -> LaneWorktreeResult {
    // A lock guards against prune, move and remove, not against use.
    let report = WorktreeValidator(context: context).check(worktree, repo: repo)
    let problems = report.problems.filter { !$0.hasPrefix("locked") }
    if !problems.isEmpty { throw WorkspaceError.broken(path: spec.path, problems: problems) }
    let expectedRef = Branch.fullName(spec.laneBranch)
    guard repo.worktreeHeadReference(named: worktree.name) == expectedRef else {
      throw WorkspaceError.broken(
        path: spec.path,
        problems: [
          "it has \(repo.worktreeHeadReference(named: worktree.name) ?? "a detached HEAD") checked out, not \(expectedRef)"
        ])
    }
    let checkout: Repository
    do {
      checkout = try repo.openWorktree(named: worktree.name)
    } catch {
      throw WorkspaceError.git(error, during: "opening worktree \(spec.path)")
    }
    if !FileManager.default.fileExists(atPath: "\(repo.worktreeAdminDirectory(named: worktree.name))/index"),
      let tip = try repo.branchTip(spec.laneBranch)
    {
      // No index: the checkout of its creation was interrupted (kill -9): finish it from the branch. The killed
      // checkout may have left its index.lock; nobody else has used this worktree yet.
      unlink("\(repo.worktreeAdminDirectory(named: worktree.name))/index.lock")
      do {
        try checkout.forceCheckoutTree(try repo.commit(tip).tree)
      } catch {
        throw WorkspaceError.git(error, during: "finishing the interrupted checkout of \(spec.path)")
      }
    }
    let dirty = try checkout.status().map(\.path)
    if !dirty.isEmpty { throw WorkspaceError.dirty(laneID: spec.laneID, path: spec.path, paths: dirty) }
    guard let laneStart = try repo.branchTip(spec.laneBranch) else { throw WorkspaceError.notFound(spec.laneBranch) }
    let (laneTip, merged) = try mergeSources(spec, into: laneStart, repo: repo)
    if laneTip != laneStart {
      // Files first (safe: the checkout is clean), then the branch; put the files back if the branch moved.
      try checkout.checkoutTree(try repo.commit(laneTip).tree)
      do {
        try moveBranch(spec.laneBranch, from: laneStart, to: laneTip, repo: repo)
      } catch {
        try? checkout.checkoutTree(try repo.commit(laneStart).tree)
        throw error
      }
    }
    return LaneWorktreeResult(
      path: spec.path, branch: spec.laneBranch, created: false, merged: merged, head: laneTip.hex)
  }

  // MARK: helpers

  static func removeLeftovers(admin: String, path: String) {
    try? FileManager.default.removeItem(atPath: admin)
    try? FileManager.default.removeItem(atPath: path)
  }

  func tip(of branch: String, repo: Repository) throws -> OID {
    if let local = try repo.branchTip(branch) { return local }
    if let remote = try repo.remoteBranchTip(branch) { return remote }
    throw WorkspaceError.missingTargetBranch(branch: branch)
  }

  /// Merges each source into `start` in memory; returns the new tip and the labels that changed it.
  func mergeSources(_ spec: LaneWorktreeSpec, into start: OID, repo: Repository) throws -> (OID, [String]) {
    var tip = start
    var merged: [String] = []
    for source in spec.merges {
      let theirs: OID
      do {
        theirs = try repo.resolve(source.revision)
      } catch {
        if source.optional { continue }
        throw WorkspaceError.notFound("\(source.label) (\(source.revision))")
      }
      switch try repo.mergeInMemory(ours: tip, theirs: theirs, resolve: EventLogUnion.resolveStatusLog) {
      case .upToDate:
        continue
      case .fastForward(let next):
        tip = next
      case .merged(let tree):
        tip = try repo.createCommit(
          tree: tree, parents: [tip, theirs], message: "Merge \(source.label) into \(spec.laneID)\n")
      case .conflict(let paths):
        throw WorkspaceError.mergeConflict(laneID: spec.laneID, merging: source.label, paths: paths)
      }
      merged.append(source.label)
    }
    return (tip, merged)
  }

  func moveBranch(_ branch: String, from old: OID, to new: OID, repo: Repository) throws {
    try context.refuseProtected(branch)
    do {
      try repo.updateReference(Branch.fullName(branch), from: old, to: new, message: "git-kitty: update \(branch)")
    } catch {
      if error.isModified { throw WorkspaceError.concurrentUpdate(branch: branch) }
      throw WorkspaceError.git(error, during: "updating \(branch)")
    }
  }

  func registeredWorktree(at path: String, in repo: Repository) throws -> WorktreeInfo? {
    let wanted = (path as NSString).standardizingPath
    return try repo.worktrees().first { ($0.path as NSString).standardizingPath == wanted }
  }
}
