import Foundation
import KittyCore

/// A mission's lanes as worktree specifications: which branch, which path, which dependency lanes to merge.
public struct MissionWorkspaces: Sendable {
  public let context: RepositoryContext
  public let mission: Mission
  public let lanes: LanesManifest

  public init(context: RepositoryContext, mission: Mission) throws {
    self.context = context
    self.mission = mission
    guard let lanes = try mission.lanesManifest() else {
      throw WorkspaceError.notFound("lanes.json of \(mission.slug) (run the tasks step to compute lanes)")
    }
    self.lanes = lanes
  }

  public var targetBranch: String {
    if let target = mission.targetBranch, !target.isEmpty { return target }
    return lanes.targetBranch
  }

  /// The worktree spec of a lane: the planning commit and every dependency lane whose WPs are all approved
  /// or done are merged in (as spec-kitty does when it allocates a lane).
  public func spec(for laneID: String, snapshot: StatusSnapshot? = nil) throws -> LaneWorktreeSpec {
    guard let lane = lanes.lane(laneID) else { throw WorkspaceError.unknownLane(laneID: laneID, mission: mission.slug) }
    let state = try snapshot ?? mission.snapshot()
    var merges: [LaneWorktreeSpec.MergeSource] = []
    if let planning = lanes.planningCommitSHA, !planning.isEmpty {
      merges.append(.init(label: "recorded planning-artifact commit", revision: planning, optional: true))
    }
    for dependency in lane.dependsOnLanes {
      guard let depLane = lanes.lane(dependency) else { continue }
      let finished = depLane.wpIDs.allSatisfy { [.approved, .done].contains(state.lane(of: $0)) }
      guard finished else { continue }
      merges.append(
        .init(
          label: "dependency lane \(dependency)",
          revision: MissionPaths.laneBranch(slug: mission.slug, laneID: dependency), optional: true))
    }
    return LaneWorktreeSpec(
      missionSlug: mission.slug, laneID: laneID, targetBranch: targetBranch, repoRoot: context.root, merges: merges)
  }
}
