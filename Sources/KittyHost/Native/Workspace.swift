import KittyCore

/// Where a WP's implementation happens: its lane worktree and branch, or the legacy per-WP worktree.
public struct Workspace: Sendable, Equatable {
  public let path: String
  public let laneID: String?
  public let laneBranch: String?
  public let laneBaseRef: String?

  public static func resolve(mission: Mission, lanes: LanesManifest?, wp: String, repoRoot: String) -> Workspace {
    guard let lanes, let laneID = lanes.laneID(for: wp) else {
      return Workspace(
        path: MissionPaths.legacyWorktree(repoRoot: repoRoot, slug: mission.slug, wpID: wp), laneID: nil,
        laneBranch: nil, laneBaseRef: nil)
    }
    let base = baseRef(mission: mission, lanes: lanes)
    if laneID == LanesManifest.planningLaneID {
      // Planning-artifact WPs work in the main checkout on the target branch.
      return Workspace(path: repoRoot, laneID: laneID, laneBranch: base, laneBaseRef: base)
    }
    return Workspace(
      path: MissionPaths.laneWorktree(repoRoot: repoRoot, slug: mission.slug, laneID: laneID),
      laneID: laneID,
      laneBranch: MissionPaths.laneBranch(slug: mission.slug, laneID: laneID),
      laneBaseRef: base)
  }

  /// Where status lives: the coordination branch in coord topologies, else the target branch.
  public static func baseRef(mission: Mission, lanes: LanesManifest) -> String {
    if let coordination = mission.coordinationBranch { return coordination }
    if let target = mission.targetBranch, !target.isEmpty { return target }
    return lanes.targetBranch
  }
}

extension Workspace {
  /// The typed answer of resolve-workspace and start-implementation.
  func answer(promptPath: String, noOp: Bool) -> HostWorkspace {
    HostWorkspace(
      workspacePath: path, promptPath: promptPath, laneBranch: laneID == nil ? nil : laneBranch,
      laneBaseRef: laneID == nil ? nil : laneBaseRef, noOp: noOp)
  }
}
