import Foundation
import KittyCore
import KittyGit

/// Predicts the merge conflicts a mission's merge would meet, before it happens: every lane tip merged in memory
/// with the target and with every other lane tip (libgit2, nothing written). Conflicts are reported with their
/// paths, never resolved.
public struct ConflictPredictor: Sendable {
  /// A lane to check: its id, branch and WPs.
  public struct LaneInput: Sendable, Equatable {
    public var id: String
    public var branch: String
    public var wpIDs: [String]

    public init(id: String, branch: String, wpIDs: [String]) {
      self.id = id
      self.branch = branch
      self.wpIDs = wpIDs
    }
  }

  /// Two sides that cannot be merged cleanly: two lanes, or a lane and the target.
  public struct Conflict: Sendable, Equatable {
    /// Lane ids, or a lane id and the target branch.
    public var between: [String]
    public var wpIDs: [String]
    public var paths: [String]
  }

  public struct Report: Sendable, Equatable {
    public var target: String
    public var checked: [LaneInput]
    /// Lanes whose branch does not exist (nothing to merge yet).
    public var missing: [LaneInput]
    public var conflicts: [Conflict]
  }

  public let context: RepositoryContext

  public init(context: RepositoryContext) {
    self.context = context
  }

  /// The tips a prediction would merge: the target's and each lane's (lanes without a branch apart). Equal tips
  /// predict the same conflicts, so a caller that checks often (the orchestrator, before every claim) merges again
  /// only when they change.
  public struct Tips: Sendable, Equatable {
    public var target: String
    public var targetTip: OID
    public var lanes: [LaneTip]
    public var missing: [LaneInput]
  }

  public struct LaneTip: Sendable, Equatable {
    public var lane: LaneInput
    public var tip: OID
  }

  /// Reads the tips (refs only, no merge).
  public func tips(target: String, lanes: [LaneInput]) throws -> Tips {
    let repo = try context.open()
    let targetTip = try WorktreeManager(context: context).tip(of: target, repo: repo)
    var tips: [LaneTip] = []
    var missing: [LaneInput] = []
    for lane in lanes {
      if let tip = try repo.branchTip(lane.branch) {
        tips.append(LaneTip(lane: lane, tip: tip))
      } else {
        missing.append(lane)
      }
    }
    return Tips(target: target, targetTip: targetTip, lanes: tips, missing: missing)
  }

  public func predict(target: String, lanes: [LaneInput]) throws -> Report {
    try predict(try tips(target: target, lanes: lanes))
  }

  /// Merges every lane tip with the target and with every other lane tip, in memory.
  public func predict(_ tips: Tips) throws -> Report {
    let repo = try context.open()
    let target = tips.target
    var conflicts: [Conflict] = []
    for item in tips.lanes {
      if case .conflict(let paths) = try repo.mergeInMemory(
        ours: tips.targetTip, theirs: item.tip, resolve: EventLogUnion.resolveStatusLog)
      {
        conflicts.append(Conflict(between: [item.lane.id, target], wpIDs: item.lane.wpIDs, paths: paths))
      }
    }
    for (i, first) in tips.lanes.enumerated() {
      for second in tips.lanes[(i + 1)...] {
        if case .conflict(let paths) = try repo.mergeInMemory(
          ours: first.tip, theirs: second.tip, resolve: EventLogUnion.resolveStatusLog)
        {
          conflicts.append(
            Conflict(
              between: [first.lane.id, second.lane.id], wpIDs: first.lane.wpIDs + second.lane.wpIDs, paths: paths))
        }
      }
    }
    return Report(target: target, checked: tips.lanes.map(\.lane), missing: tips.missing, conflicts: conflicts)
  }
}
