import KittyCore

/// What a lane's worktree is: where it lives, which branch it has, what it is based on.
public struct LaneWorktreeSpec: Sendable, Equatable {
  public var missionSlug: String
  public var laneID: String
  /// The branch the mission lands on (the mission branch starts from its tip).
  public var targetBranch: String
  public var missionBranch: String
  public var laneBranch: String
  public var path: String
  /// Branches (or commits) merged into the lane when the worktree is created or reused, in order.
  public var merges: [MergeSource]

  public struct MergeSource: Sendable, Equatable {
    /// How the merge commit names it: "dependency lane lane-a", "recorded planning-artifact commit".
    public var label: String
    /// A branch name or a commit id.
    public var revision: String
    /// Skip it (instead of failing) when the revision does not exist, e.g. a dependency lane already merged away.
    public var optional: Bool
    public init(label: String, revision: String, optional: Bool = false) {
      self.label = label
      self.revision = revision
      self.optional = optional
    }
  }

  public var name: String { (path as NSString).lastPathComponent }

  public init(
    missionSlug: String, laneID: String, targetBranch: String, repoRoot: String, merges: [MergeSource] = []
  ) {
    self.missionSlug = missionSlug
    self.laneID = laneID
    self.targetBranch = targetBranch
    self.missionBranch = MissionPaths.missionBranch(slug: missionSlug)
    self.laneBranch = MissionPaths.laneBranch(slug: missionSlug, laneID: laneID)
    self.path = MissionPaths.laneWorktree(repoRoot: repoRoot, slug: missionSlug, laneID: laneID)
    self.merges = merges
  }
}

import Foundation

/// The outcome of `ensureLaneWorktree`.
public struct LaneWorktreeResult: Sendable, Equatable {
  public var path: String
  public var branch: String
  public var created: Bool
  /// The merge sources that changed the lane (already-contained ones are left out).
  public var merged: [String]
  public var head: String
}
