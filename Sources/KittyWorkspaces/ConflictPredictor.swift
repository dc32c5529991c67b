import Foundation
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

  public func predict(target: String, lanes: [LaneInput]) throws -> Report {
    let repo = try context.open()
    let targetTip = try WorktreeManager(context: context).tip(of: target, repo: repo)
    var tips: [(LaneInput, OID)] = []
    var missing: [LaneInput] = []
    for lane in lanes {
      if let tip = try repo.branchTip(lane.branch) { tips.append((lane, tip)) } else { missing.append(lane) }
    }
    var conflicts: [Conflict] = []
    for (lane, tip) in tips {
      if case .conflict(let paths) = try repo.mergeInMemory(ours: targetTip, theirs: tip) {
        conflicts.append(Conflict(between: [lane.id, target], wpIDs: lane.wpIDs, paths: paths))
      }
    }
    for (i, (first, firstTip)) in tips.enumerated() {
      for (second, secondTip) in tips[(i + 1)...] {
        if case .conflict(let paths) = try repo.mergeInMemory(ours: firstTip, theirs: secondTip) {
          conflicts.append(
            Conflict(between: [first.id, second.id], wpIDs: first.wpIDs + second.wpIDs, paths: paths))
        }
      }
    }
    return Report(target: target, checked: tips.map(\.0), missing: missing, conflicts: conflicts)
  }
}
