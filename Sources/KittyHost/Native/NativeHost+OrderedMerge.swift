import Foundation
import KittyCore
import KittyGit
import KittyWorkspaces

/// The orchestrator's merge: the approved lanes in dependency order, as far as they merge cleanly. The longest
/// clean run of lanes is found in memory first, then merged with one merge-mission of exactly those lanes; the
/// first lane that would conflict and every lane after it are left untouched, and the answer says what stopped it.
/// The lane an ordered merge stopped at, and why.
public struct MergeStop: Sendable, Equatable {
  public var laneID: String
  public var laneBranch: String
  /// The lane's worktree (it may not exist any more).
  public var worktree: String
  public var wpIDs: [String]
  public var paths: [String]
  public var target: String
  /// What the lane conflicts with: the target (the lanes merged before it included), or those lanes.
  public var against: String
  /// Lanes after it, not merged either.
  public var remaining: [String]
}

extension NativeHost {
  public struct OrderedMerge: Sendable {
    /// merge-mission's answer for the lanes merged; nil when the first lane already conflicts.
    public var merged: NativeAnswer<HostMergeResult>?
    public var mergedLanes: [String]
    public var stop: MergeStop?
  }

  public func mergeInOrder(mission handle: String, target requested: String?, strategy: String?)
    throws(HostFailure) -> OrderedMerge
  {
    let mission = try repository.mission(handle)
    let view: MissionView
    do {
      view = try MissionView(mission: mission, includeAnnotations: false, readLanes: true)
    } catch {
      throw HostFailure.from(error)
    }
    let chosen = strategy.flatMap(MissionMerger.Strategy.init(rawValue:)) ?? (strategy == nil ? .merge : nil)
    guard let manifest = view.lanes, let chosen else {
      // merge-mission gives the refusal (no lanes.json, an unknown strategy).
      return whole(try mergeMission(mission: handle, target: requested, strategy: strategy, push: false))
    }
    let choice = chooseLanes(manifest, snapshot: view.snapshot, slug: mission.slug, selection: .finished)
    guard choice.unfinished.isEmpty, !choice.lanes.isEmpty else {
      return whole(try mergeMission(mission: handle, target: requested, strategy: strategy, push: false))
    }
    let target = requested ?? mission.meta?.mergeTargetBranch ?? mission.targetBranch ?? "main"
    let ordered = Self.dependencyOrder(choice.lanes, workPackages: view.workPackages)
    let merger = MissionMerger(context: try writeContext())

    // The longest clean run: each step plans the lanes so far, in memory (nothing moves).
    var stop: MergeStop?
    var clean: [ExecutionLane] = []
    for (index, lane) in ordered.enumerated() {
      let trial = (clean + [lane]).filter { $0.laneID != LanesManifest.planningLaneID }.map {
        ($0.laneID, MissionPaths.laneBranch(slug: mission.slug, laneID: $0.laneID))
      }
      do {
        _ = try merger.plan(missionSlug: mission.slug, lanes: trial, target: target, strategy: chosen)
      } catch WorkspaceError.mergeConflict(let into, _, let paths) {
        let earlier = clean.map(\.laneID).filter { $0 != LanesManifest.planningLaneID }
        stop = MergeStop(
          laneID: lane.laneID, laneBranch: MissionPaths.laneBranch(slug: mission.slug, laneID: lane.laneID),
          worktree: MissionPaths.laneWorktree(repoRoot: repository.root, slug: mission.slug, laneID: lane.laneID),
          wpIDs: lane.wpIDs.filter { view.snapshot.lane(of: $0) == .approved }, paths: paths, target: target,
          against: into == target || earlier.isEmpty
            ? target : "the lanes merged before it (\(earlier.joined(separator: ", ")))",
          remaining: ordered[(index + 1)...].map(\.laneID))
        break
      } catch {
        // Anything else (a missing branch, a protected target) is merge-mission's to report.
        break
      }
      clean.append(lane)
    }
    if clean.isEmpty, let stop { return OrderedMerge(merged: nil, mergedLanes: [], stop: stop) }
    let lanes = stop == nil ? ordered : clean
    let data = try mergeMission(
      mission: handle, target: requested, strategy: strategy, push: false, selection: .lanes(lanes.map(\.laneID)))
    return OrderedMerge(merged: data, mergedLanes: lanes.map(\.laneID), stop: stop)
  }

  private func whole(_ data: NativeAnswer<HostMergeResult>) -> OrderedMerge {
    OrderedMerge(merged: data, mergedLanes: [], stop: nil)
  }

  /// Lanes in dependency order: a lane after every lane it depends on (lanes.json's `depends_on_lanes`, and the
  /// lanes of its WPs' dependencies), otherwise in lanes.json order.
  static func dependencyOrder(_ lanes: [ExecutionLane], workPackages: [WorkPackage]) -> [ExecutionLane] {
    var laneOfWP: [String: String] = [:]
    for lane in lanes { for wp in lane.wpIDs { laneOfWP[wp] = lane.laneID } }
    var needs: [String: Set<String>] = [:]
    for lane in lanes {
      var set = Set(lane.dependsOnLanes)
      for wp in workPackages where lane.wpIDs.contains(wp.id) {
        for dependency in wp.dependencies { if let other = laneOfWP[dependency] { set.insert(other) } }
      }
      set.remove(lane.laneID)
      needs[lane.laneID] = set.intersection(lanes.map(\.laneID))
    }
    var ordered: [ExecutionLane] = []
    var placed: Set<String> = []
    while ordered.count < lanes.count {
      // A cycle (never in a valid mission) is broken in lanes.json order rather than looping.
      let next =
        lanes.first { !placed.contains($0.laneID) && needs[$0.laneID, default: []].isSubset(of: placed) }
        ?? lanes.first { !placed.contains($0.laneID) }!
      ordered.append(next)
      placed.insert(next.laneID)
    }
    return ordered
  }
}
