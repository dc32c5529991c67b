import Foundation
import KittyCore
import KittyGit
import KittyWorkspaces

/// `git kitty mission check`: the conflicts merging the mission's approved lanes would meet, predicted by in-memory
/// merges of the lane tips with the target and with each other. Reads only.
extension NativeHost {
  public struct MissionCheck: Sendable {
    public var mission: Mission
    public var report: ConflictPredictor.Report
  }

  public func checkMission(_ handle: String, target requested: String? = nil) throws(HostFailure) -> MissionCheck {
    let mission = try repository.mission(handle)
    let view: MissionView
    do {
      view = try MissionView(mission: mission, includeAnnotations: false, readLanes: true)
    } catch {
      throw HostFailure.from(error)
    }
    guard let lanes = view.lanes else {
      throw HostFailure(
        .missionNotReady, "\(mission.slug) has no lanes.json: finalize it first (git kitty mission finalize)")
    }
    let target = requested ?? mission.meta?.mergeTargetBranch ?? mission.targetBranch ?? "main"
    let approved = lanes.lanes.filter { lane in
      lane.laneID != LanesManifest.planningLaneID && lane.wpIDs.contains { view.snapshot.lane(of: $0) == .approved }
    }
    let inputs = approved.map { lane in
      ConflictPredictor.LaneInput(
        id: lane.laneID, branch: MissionPaths.laneBranch(slug: mission.slug, laneID: lane.laneID),
        wpIDs: lane.wpIDs.filter { view.snapshot.lane(of: $0) == .approved })
    }
    do {
      return MissionCheck(
        mission: mission,
        report: try ConflictPredictor(context: try writeContext()).predict(target: target, lanes: inputs))
    } catch let failure as HostFailure {
      throw failure
    } catch {
      throw HostFailure(.preflightFailed, "cannot check \(mission.slug): \(error)")
    }
  }
}
