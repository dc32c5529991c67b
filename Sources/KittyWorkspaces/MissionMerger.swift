import Foundation
import KittyCore
import KittyGit

/// Integrates a mission: every lane branch into the mission branch, then the mission branch into the target,
/// all in memory with fail-on-conflict. Refs move only at the end, with compare-and-swap; a checked-out target
/// gets its files updated safely (never over local changes).
public struct MissionMerger: Sendable {
  public enum Strategy: String, Sendable, CaseIterable {
    case merge, squash, rebase
  }

  public struct Plan: Sendable {
    public var missionBranch: String
    public var missionStart: OID?
    public var missionTip: OID
    public var target: String
    public var targetStart: OID
    public var targetTip: OID
    /// Lanes whose branches were merged (or already contained).
    public var mergedLanes: [String]
  }

  public let context: RepositoryContext

  public init(context: RepositoryContext) {
    self.context = context
  }

  /// Computes the merge without moving any ref. `lanes` are (lane id, lane branch) in lanes.json order.
  public func plan(missionSlug: String, lanes: [(String, String)], target: String, strategy: Strategy) throws -> Plan {
    let repo = try context.open()
    let manager = WorktreeManager(context: context)
    let targetStart = try manager.tip(of: target, repo: repo)
    let missionBranch = MissionPaths.missionBranch(slug: missionSlug)
    let missionStart = try repo.branchTip(missionBranch)
    var missionTip = missionStart ?? targetStart
    for (laneID, laneBranch) in lanes {
      guard let laneTip = try repo.branchTip(laneBranch) else {
        throw WorkspaceError.missingLaneBranch(laneBranch)
      }
      switch try repo.mergeInMemory(ours: missionTip, theirs: laneTip, resolve: EventLogUnion.resolveStatusLog) {
      case .upToDate: break
      case .fastForward(let next): missionTip = next
      case .merged(let tree):
        missionTip = try repo.createCommit(
          tree: tree, parents: [missionTip, laneTip], message: "Merge \(laneBranch) into \(missionBranch)\n")
      case .conflict(let paths):
        throw WorkspaceError.mergeConflict(laneID: missionBranch, merging: "\(laneID) (\(laneBranch))", paths: paths)
      }
    }
    var targetTip = targetStart
    let targetTree = try repo.commit(targetStart).tree
    if strategy == .rebase {
      targetTip = try Self.replay(
        repo.commits(from: missionTip, notIn: targetStart), onto: targetStart, target: target,
        missionBranch: missionBranch, repo: repo)
      return Plan(
        missionBranch: missionBranch, missionStart: missionStart, missionTip: missionTip, target: target,
        targetStart: targetStart, targetTip: targetTip, mergedLanes: lanes.map(\.0))
    }
    switch try repo.mergeInMemory(ours: targetStart, theirs: missionTip, resolve: EventLogUnion.resolveStatusLog) {
    case .upToDate: break
    case .fastForward(let next) where try strategy == .squash && repo.commit(next).tree == targetTree:
      break  // already squashed in: nothing to add
    case .merged(let tree) where tree == targetTree:
      break  // every change is already on the target (an earlier squash merge)
    case .fastForward(let next):
      if strategy == .squash {
        targetTip = try repo.createCommit(
          tree: try repo.commit(next).tree, parents: [targetStart],
          message: "feat(\(missionBranch)): squash merge of mission\n")
      } else {
        targetTip = next
      }
    case .merged(let tree):
      let parents = strategy == .squash ? [targetStart] : [targetStart, missionTip]
      let message =
        strategy == .squash
        ? "feat(\(missionBranch)): squash merge of mission\n" : "Merge \(missionBranch) into \(target)\n"
      targetTip = try repo.createCommit(tree: tree, parents: parents, message: message)
    case .conflict(let paths):
      throw WorkspaceError.mergeConflict(laneID: target, merging: missionBranch, paths: paths)
    }
    return Plan(
      missionBranch: missionBranch, missionStart: missionStart, missionTip: missionTip, target: target,
      targetStart: targetStart, targetTip: targetTip, mergedLanes: lanes.map(\.0))
  }

  /// The rebase strategy: each commit of the mission that the target lacks, oldest first, re-applied on top of the
  /// target as a new commit with its author and message (in memory; nothing moves here). A merge commit (the lanes'
  /// merges into the mission branch, a dependency lane merged into a lane) brings nothing of its own: the commits
  /// it joins are replayed themselves. A commit whose change the target has already is left out, so a repeat adds
  /// nothing. The first conflict stops it with the commit and the paths.
  static func replay(_ commits: [OID], onto start: OID, target: String, missionBranch: String, repo: Repository)
    throws -> OID
  {
    var tip = start
    for id in commits {
      let commit = try repo.commit(id)
      guard commit.parents.count == 1 else { continue }
      switch try repo.cherryPickInMemory(id, onto: tip) {
      case .upToDate, .fastForward: continue
      case .merged(let tree):
        tip = try repo.createCommit(
          tree: tree, parents: [tip], message: commit.message,
          author: Signature(name: commit.authorName, email: commit.authorEmail))
      case .conflict(let paths):
        throw WorkspaceError.mergeConflict(
          laneID: target, merging: "commit \(id.short) (\(commit.summary)) of \(missionBranch), rebased,",
          paths: paths)
      }
    }
    return tip
  }

  /// Moves the mission branch and the target to the planned commits. The target's checkout (if any) is
  /// updated first; local changes there make the whole call fail before any ref moves.
  public func apply(_ plan: Plan) throws {
    try context.refuseProtected(plan.target)
    try context.withWorktreeLock {
      let repo = try context.open()
      // Where the target is checked out: the main checkout, another worktree, or nowhere.
      var checkout: Repository?
      if try repo.headReferenceName() == Branch.fullName(plan.target) {
        checkout = repo
      } else {
        for worktree in try repo.worktrees()
        where repo.worktreeHeadReference(named: worktree.name) == Branch.fullName(plan.target) {
          checkout = try repo.openWorktree(named: worktree.name)
        }
      }
      // A checkout of this same merge that a killed call left half-written is finished, not refused.
      var resumeCheckout = false
      if let checkout {
        let dirty = try checkout.status(includeUntracked: false).map(\.path)
        resumeCheckout = try Self.isInterruptedCheckout(checkout, of: plan, repo: repo)
        if !dirty.isEmpty && !resumeCheckout {
          throw WorkspaceError.dirty(
            laneID: plan.target, path: checkout.workingDirectory.map(Path.stripTrailingSlash) ?? plan.target,
            paths: dirty)
        }
      }
      // Mission branch first (harmless if the target step fails: it only gains the lanes' merges).
      if let start = plan.missionStart {
        if start != plan.missionTip {
          try WorktreeManager(context: context).moveBranch(
            plan.missionBranch, from: start, to: plan.missionTip, repo: repo)
        }
      } else {
        try repo.createBranch(plan.missionBranch, at: plan.missionTip, message: "git-kitty: mission branch")
      }
      KillPoint.reach("merge-mission-branch-moved")
      guard plan.targetTip != plan.targetStart else { return }
      let newTree = try repo.commit(plan.targetTip).tree
      if let checkout {
        if resumeCheckout { try checkout.forceCheckoutTree(newTree) } else { try checkout.checkoutTree(newTree) }
      }
      KillPoint.reach("merge-checkout-written")
      do {
        try WorktreeManager(context: context).moveBranch(
          plan.target, from: plan.targetStart, to: plan.targetTip, repo: repo)
      } catch {
        if let checkout { try? checkout.checkoutTree(try repo.commit(plan.targetStart).tree) }
        throw error
      }
    }
  }

  /// True when the checkout's every change (untracked files included) is a file of the planned merge result with
  /// exactly that content, or a file the result no longer has: what a killed checkout of this merge leaves, and
  /// nobody's work. False for a clean checkout.
  static func isInterruptedCheckout(_ checkout: Repository, of plan: Plan, repo: Repository) throws -> Bool {
    guard plan.targetTip != plan.targetStart, let root = checkout.workingDirectory.map(Path.stripTrailingSlash)
    else { return false }
    let changed = try checkout.status(includeUntracked: true).filter { !$0.isIgnored }.map(\.path)
    guard !changed.isEmpty else { return false }
    for path in changed {
      let planned = try repo.fileContents(at: path, in: plan.targetTip)
      let present = try FileBytes.read("\(root)/\(path)")
      if planned != present { return false }
    }
    return true
  }
}
