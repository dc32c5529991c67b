import Foundation
import KittyBasics
import KittyCore
import KittyGit
import KittyWorkspaces

/// merge-mission: lanes into the mission branch, the mission branch into the target, approved WPs to done,
/// then cleanup of what is merged and clean. Refuses when nothing is approved or done, and a partial merge (a lane
/// with no approved or done WP) unless it is asked for; never deletes uncommitted work.
extension NativeHost {
  /// Which lanes a merge takes.
  public enum MergeSelection: Sendable, Equatable {
    /// Every lane of the mission: refused while a lane has no approved or done WP.
    case all
    /// The lanes with approved or done WPs; the others are left and listed in `skipped_lanes` (`--allow-partial`).
    case finished
    /// Exactly these lanes, each with approved or done WPs (the orchestrator's merge in dependency order).
    case lanes([String])
  }

  public func mergeMission(
    mission handle: String, target requested: String?, strategy: String?, push: Bool, selection: MergeSelection = .all
  ) throws(HostFailure) -> NativeAnswer<HostMergeResult> {
    let strategyName = strategy ?? "merge"
    guard let chosen = MissionMerger.Strategy(rawValue: strategyName) else {
      throw HostFailure(
        .unsupportedStrategy,
        "Strategy '\(strategyName)' is not supported. Supported strategies: ['merge', 'rebase', 'squash']",
        fields: ["strategy": .string(strategyName), "supported": ["merge", "rebase", "squash"]])
    }
    let mission = try repository.mission(handle)
    let context = try writeContext()
    let target = requested ?? mission.meta?.mergeTargetBranch ?? mission.targetBranch ?? "main"
    var base = mission.identity
    base["target_branch"] = .string(target)
    func preflightFailure(_ errors: [String], extra: JSONObject = [:]) -> HostFailure {
      var data = base
      data["errors"] = .strings(errors)
      for (key, value) in extra { data[key] = value }
      return HostFailure(.preflightFailed, "Merge failed", fields: data)
    }

    let view: MissionView
    do {
      view = try MissionView(mission: mission, includeAnnotations: true, readLanes: true)
    } catch {
      throw HostFailure.from(error)
    }
    var errors: [String] = []
    if (try? Repository.open(at: repository.root).branchTip(target)) == nil
      && (try? Repository.open(at: repository.root).remoteBranchTip(target)) == nil
    {
      errors.append("Target branch '\(target)' does not exist locally or on origin.")
    }
    if view.lanes == nil {
      errors.append(
        "lanes.json is required for \(mission.directory). Run the task-finalization step to compute execution lanes.")
    }
    if context.protection.isProtected(target) {
      errors.append(
        "Target branch '\(target)' is protected; git-kitty never writes to it. Merge the mission into a feature branch and open a pull request."
      )
    }
    let approved = view.workPackages.map(\.id).filter { view.snapshot.lane(of: $0) == .approved }
    let done = view.workPackages.map(\.id).filter { view.snapshot.lane(of: $0) == .done }
    if approved.isEmpty && done.isEmpty {
      errors.append("No work package of \(mission.slug) is approved or done: there is nothing to merge.")
    }
    var choice = LaneChoice(lanes: [], unfinished: [])
    if let lanes = view.lanes, errors.isEmpty {
      choice = chooseLanes(lanes, snapshot: view.snapshot, slug: mission.slug, selection: selection)
      errors += choice.problems
      if selection == .all && !choice.unfinished.isEmpty {
        let named = choice.unfinished.map { "\($0.laneID) (\($0.wpIDs.joined(separator: ", ")))" }
        errors.append(
          "\(named.joined(separator: ", ")) \(named.count == 1 ? "has" : "have") no approved or done work package: "
            + "merging now would leave \(named.count == 1 ? "it" : "them") out. Finish \(named.count == 1 ? "it" : "them") "
            + "first, or merge the finished lanes alone with --allow-partial.")
      }
    }
    guard errors.isEmpty, let lanes = view.lanes else {
      let partial = selection == .all && !choice.unfinished.isEmpty
      throw preflightFailure(
        errors, extra: partial ? ["unfinished_lanes": .strings(choice.unfinished.map(\.laneID))] : [:])
    }
    let writer = MissionWriter(mission: mission, context: context)
    try writer.checkReadable()
    // An interrupted earlier write (this verb's own done rows included) is committed before the merge needs a
    // clean checkout.
    try writer.locked("merge-mission") { () throws(HostFailure) in }
    let coordinated = mission.topology.hasCoordinationBranch

    // The chosen lanes, in the order chosen; the others are left for later. lane-planning has no branch: its WPs
    // worked in the main checkout on the target branch, so only their status moves.
    var merged: [(String, String)] = []
    let finishedLanes = Set(choice.lanes.map(\.laneID))
    let skipped = lanes.lanes.map(\.laneID).filter { !finishedLanes.contains($0) && !choice.settled.contains($0) }
    for lane in choice.lanes where lane.laneID != LanesManifest.planningLaneID {
      merged.append((lane.laneID, MissionPaths.laneBranch(slug: mission.slug, laneID: lane.laneID)))
    }
    let merger = MissionMerger(context: context)
    var plan: MissionMerger.Plan
    do {
      plan = try merger.plan(missionSlug: mission.slug, lanes: merged, target: target, strategy: chosen)
    } catch {
      throw preflightFailure(["\(error)"])
    }
    do {
      if coordinated {
        try prepareCoordinatedMerge(mission, context: context, target: target)
        // The target may have gained the main checkout's mission events: planned again on its tip.
        plan = try merger.plan(missionSlug: mission.slug, lanes: merged, target: target, strategy: chosen)
      }
      try merger.apply(plan)
      KillPoint.reach("merge-applied")
      if coordinated { try refreshCoordinationWorktree(mission, context: context) }
    } catch let failure as HostFailure {
      throw preflightFailure([failure.message])
    } catch {
      throw preflightFailure(["\(error)"])
    }

    // Approved WPs become done, one status commit each (spec-kitty's shape).
    var doneNow: [String] = []
    do {
      try writer.locked("merge-mission") { () throws(HostFailure) in
        let snapshot = try Self.snapshot(mission)
        for lane in lanes.lanes where finishedLanes.contains(lane.laneID) {
          for wp in lane.wpIDs where snapshot.lane(of: wp) == .approved {
            let reviewer = snapshot.workPackages[wp]?.reviewResult?["reviewer"]?.stringValue ?? "unknown"
            let record = TransitionRecord(
              wpID: wp, fromLane: .approved, toLane: .done, at: Timestamp.isoNow(), actor: "merge",
              missionSlug: mission.slug, missionID: mission.meta?.missionID, reason: "Merged \(wp) into \(target)",
              evidence: [
                "review": [
                  "reference": .string("lane-approved:\(wp)"), "reviewer": .string(reviewer), "verdict": "approved",
                ]
              ], policyMetadata: ["merge_phase": "lane_integrated", "target_branch": .string(target)])
            try writer.write(lines: [record.line], commitMessage: "chore(spec-kitty): status transition \(wp)")
            doneNow.append(wp)
          }
        }
      }
    } catch {
      var data = base
      data["errors"] = .strings([error.message])
      data["merged"] = true
      throw HostFailure(error.code, "Merged into \(target), but recording done failed: \(error.message)", fields: data)
    }

    KillPoint.reach("merge-status-recorded")
    var mergeCommit = plan.targetTip
    if coordinated && !doneNow.isEmpty {
      do {
        mergeCommit = try mergeCoordinationBranch(mission, context: context, target: target, strategy: chosen)
      } catch {
        var data = base
        data["errors"] = .strings(["\(error)"])
        data["merged"] = true
        throw HostFailure(
          .preflightFailed,
          "Merged into \(target) and recorded done on the coordination branch, but merging it into \(target) again "
            + "failed: \(error). Run merge-mission again.", fields: data)
      }
    }
    var pushed: Bool?
    var pushError: String?
    if push {
      (pushed, pushError) = Self.push(target: target, root: repository.root)
    }

    // Cleanup: only what is merged and clean; everything kept is listed with the reason.
    let retainWorktrees = mission.meta?.raw["retain_worktrees"].map { $0 != .bool(false) && $0 != .null } ?? false
    let retainBranches = mission.meta?.raw["retain_branches"].map { $0 != .bool(false) && $0 != .null } ?? false
    let manager = WorktreeManager(context: context)
    var kept: [JSONValue] = []
    var removedAll = true
    for (laneID, laneBranch) in merged {
      let path = MissionPaths.laneWorktree(repoRoot: repository.root, slug: mission.slug, laneID: laneID)
      if FileManager.default.fileExists(atPath: path) {
        if retainWorktrees {
          removedAll = false
          kept.append(["path": .string(path), "reason": "retain_worktrees is set in meta.json"])
          continue
        }
        do {
          let result = try manager.remove(path: path, targetBranch: target)
          if !result.branchDeleted, let reason = result.branchKeptReason {
            kept.append(["branch": .string(laneBranch), "reason": .string(reason)])
          }
        } catch {
          removedAll = false
          kept.append(["path": .string(path), "reason": .string("\(error)")])
        }
      } else if !retainBranches {
        Self.deleteIfMerged(laneBranch, into: target, context: context, kept: &kept)
      }
    }
    if coordinated && skipped.isEmpty {
      if retainWorktrees {
        removedAll = false
        let coord = MissionPaths.coordinationWorktree(repoRoot: repository.root, slug: mission.slug)
        kept.append(["path": .string(coord), "reason": "retain_worktrees is set in meta.json"])
      } else {
        removeCoordinationWorktree(mission, context: context, target: target, kept: &kept)
      }
    }
    if !retainBranches && skipped.isEmpty {
      Self.deleteIfMerged(plan.missionBranch, into: target, context: context, kept: &kept)
      _ = try? ReviewBranches(context: context).deleteAll(slug: mission.slug)
    }

    KillPoint.reach("merge-cleaned")
    var data = mission.identity
    data["merged"] = true
    data["target_branch"] = .string(target)
    data["strategy"] = .string(chosen.rawValue)
    data["worktree_removed"] = .bool(removedAll)
    data["merge_commit"] = .string(mergeCommit.hex)
    data["done_wps"] = .strings(doneNow)
    if !skipped.isEmpty { data["skipped_lanes"] = .strings(skipped) }
    if !kept.isEmpty { data["kept"] = .array(kept) }
    if let pushed {
      data["pushed"] = .bool(pushed)
      if let pushError { data["push_error"] = .string(pushError) }
    }
    let result = HostMergeResult(
      targetBranch: target, kept: kept.map { $0.stringValue ?? JSONWriter.pythonDefault.string($0) },
      doneWPs: doneNow)
    return NativeAnswer(value: result, data: data)
  }

  /// The lanes a merge takes, and those it leaves.
  struct LaneChoice {
    /// To merge, in order.
    var lanes: [ExecutionLane]
    /// Lanes with a WP still to do and none approved or done.
    var unfinished: [ExecutionLane]
    /// Lanes with nothing (left) to merge: every WP canceled, or every WP done and the branch merged and removed
    /// by an earlier merge.
    var settled: Set<String> = []
    /// Why the selection cannot be merged (an unknown lane, a lane with nothing finished).
    var problems: [String] = []
  }

  /// Chooses the lanes of a merge. A lane whose WPs are all done and whose branch is gone was merged by an earlier
  /// call (a partial merge, an ordered merge that stopped): it is left out while another lane has approved work,
  /// so the rest of the mission can still be merged. When no lane has approved work the finished lanes are all
  /// taken, and a repeated merge meets spec-kitty's answer (`Lane branch … does not exist`).
  func chooseLanes(_ manifest: LanesManifest, snapshot: StatusSnapshot, slug: String, selection: MergeSelection)
    -> LaneChoice
  {
    let repo = try? Repository.open(at: repository.root)
    func branchExists(_ name: String) -> Bool {
      guard let repo else { return true }
      return (try? repo.branchTip(name)) != nil
    }
    func lane(_ wp: String) -> Lane { snapshot.lane(of: wp) ?? .planned }
    var choice = LaneChoice(lanes: [], unfinished: [])
    let anyApproved = manifest.lanes.contains { $0.wpIDs.contains { lane($0) == .approved } }
    var finished: [ExecutionLane] = []
    for item in manifest.lanes {
      let lanesOfWPs = item.wpIDs.map(lane)
      if lanesOfWPs.allSatisfy({ $0 == .canceled }) {
        choice.settled.insert(item.laneID)
      } else if !lanesOfWPs.contains(where: { $0 == .approved || $0 == .done }) {
        choice.unfinished.append(item)
      } else if anyApproved && !lanesOfWPs.contains(.approved)
        && lanesOfWPs.allSatisfy({ $0 == .done || $0 == .canceled })
        && (item.laneID == LanesManifest.planningLaneID
          || !branchExists(MissionPaths.laneBranch(slug: slug, laneID: item.laneID)))
      {
        choice.settled.insert(item.laneID)
      } else {
        finished.append(item)
      }
    }
    guard case .lanes(let requested) = selection else {
      choice.lanes = finished
      return choice
    }
    for id in requested {
      if let item = finished.first(where: { $0.laneID == id }) {
        choice.lanes.append(item)
      } else if !choice.settled.contains(id) {
        choice.problems.append(
          manifest.lanes.contains { $0.laneID == id }
            ? "\(id) has no approved or done work package: there is nothing of it to merge."
            : "\(id) is not a lane of \(slug) (lanes.json).")
      }
    }
    return choice
  }

  static func deleteIfMerged(_ branch: String, into target: String, context: RepositoryContext, kept: inout [JSONValue])
  {
    guard let repo = try? context.open(), let tip = try? repo.branchTip(branch) else { return }
    guard let targetTip = try? repo.branchTip(target), (try? repo.isContentMerged(tip, into: targetTip)) == true else {
      kept.append(["branch": .string(branch), "reason": .string("not merged into \(target)")])
      return
    }
    if (try? repo.isBranchCheckedOut(branch)) == true {
      kept.append(["branch": .string(branch), "reason": "checked out in a worktree"])
      return
    }
    do {
      try repo.deleteBranch(branch, expected: tip)
    } catch {
      kept.append(["branch": .string(branch), "reason": .string(error.message)])
    }
  }

  /// `git push origin <target>` when an origin exists, with a scrubbed environment and no terminal prompts.
  static func push(target: String, root: String) -> (Bool, String?) {
    var env = ProcessEnvironment.scrubbed()
    env["GIT_TERMINAL_PROMPT"] = "0"
    let result = ChildProcess.runCapturing(
      ["git", "-C", root, "push", "origin", target], directory: root, environment: env, timeout: 600)
    if let launchError = result.launchError { return (false, "cannot run git: \(launchError)") }
    if result.status == 0 { return (true, nil) }
    let stderr = result.stderr.trimmingWhitespace
    return (false, stderr.isEmpty ? "git push exited \(result.status)" : stderr)
  }
}
