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
    let (mission, predictor, tips) = try approvedLaneTips(handle, target: requested)
    var memo = ConflictPredictor.Memo()
    do {
      return MissionCheck(mission: mission, report: try predictor.predict(tips, memo: &memo))
    } catch {
      throw HostFailure(.preflightFailed, "cannot check \(mission.slug): \(error)")
    }
  }

  /// The check again, only when the tips differ from `previous` (nil: they did not change, nothing was merged).
  /// Reading the tips costs a few ref lookups; the merges happen only when something moved.
  public func checkMission(
    _ handle: String, target requested: String? = nil, unlessTipsAre previous: ConflictPredictor.Tips?,
    memo: inout ConflictPredictor.Memo
  )
    throws(HostFailure) -> (MissionCheck, ConflictPredictor.Tips)?
  {
    let (mission, predictor, tips) = try approvedLaneTips(handle, target: requested)
    if tips == previous { return nil }
    do {
      return (MissionCheck(mission: mission, report: try predictor.predict(tips, memo: &memo)), tips)
    } catch {
      throw HostFailure(.preflightFailed, "cannot check \(mission.slug): \(error)")
    }
  }

  /// The approved lanes' tips and the target's (lane-planning has no branch and is left out).
  private func approvedLaneTips(_ handle: String, target requested: String?) throws(HostFailure)
    -> (Mission, ConflictPredictor, ConflictPredictor.Tips)
  {
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
      let predictor = ConflictPredictor(context: try writeContext())
      return (mission, predictor, try predictor.tips(target: target, lanes: inputs))
    } catch let failure as HostFailure {
      throw failure
    } catch {
      throw HostFailure(.preflightFailed, "cannot check \(mission.slug): \(error)")
    }
  }
}
