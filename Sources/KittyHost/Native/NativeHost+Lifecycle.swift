import Foundation
import KittyCore
import KittyGit
import KittyWorkspaces

/// start-implementation and start-review: the composite claims.
extension NativeHost {
  /// The repository context for writes (protected branches, locks, worktrees).
  func writeContext() throws(HostFailure) -> RepositoryContext {
    do {
      return try RepositoryContext.locate(from: repository.root)
    } catch let error as ProtectedBranches.ConfigError {
      throw HostFailure(.safeCommitGeneric, error.description)
    } catch {
      throw HostFailure(.missionNotFound, "cannot open the repository at \(repository.root): \(error)")
    }
  }

  static func requirePolicy(_ text: String?, verb: String) throws(HostFailure) -> OrchestratorPolicy {
    guard let text, !text.isEmpty else {
      throw HostFailure(.policyMetadataRequired, "--policy is required for \(verb)")
    }
    return try parsePolicy(text)
  }

  static func parsePolicy(_ text: String) throws(HostFailure) -> OrchestratorPolicy {
    do {
      return try OrchestratorPolicy.parse(text)
    } catch {
      throw HostFailure(.policyValidationFailed, error.message)
    }
  }

  /// The prompt file of `wp`, or WP_NOT_FOUND (message names the handle as given, like spec-kitty).
  static func promptPathOrFail(mission: Mission, wp: String, handle: String) throws(HostFailure) -> String {
    guard let path = promptPath(mission: mission, wp: wp) else {
      throw HostFailure(.wpNotFound, "Work package '\(wp)' not found in \(handle)")
    }
    return path
  }

  /// The full snapshot (transitions and annotations) of the mission.
  static func snapshot(_ mission: Mission) throws(HostFailure) -> StatusSnapshot {
    do {
      return try mission.snapshot()
    } catch {
      throw HostFailure.from(error)
    }
  }

  /// WPs whose dependencies are not approved/done (or canceled by an operator).
  static func unsatisfiedDependencies(of wp: WorkPackage, in snapshot: StatusSnapshot) -> [String] {
    wp.dependencies.filter { !(snapshot.workPackages[$0]?.satisfiesDependents ?? false) }
  }

  /// spec-kitty's guard on the moves that take a WP (planned -> claimed, for_review -> in_review): an empty or
  /// blank actor is refused with its code and message.
  static func requireActor(_ actor: String) throws(HostFailure) {
    if actor.trimmingWhitespace.isEmpty {
      throw HostFailure(.transitionRejected, "Transition requires actor identity")
    }
  }

  static func loadWorkPackage(_ path: String) throws(HostFailure) -> WorkPackage {
    do {
      return try WorkPackage.load(path: path)
    } catch {
      throw HostFailure(.missionNotReady, error.description)
    }
  }

  // MARK: start-implementation

  public func startImplementation(mission handle: String, wp: String, actor: String, policy policyText: String?)
    throws(HostFailure) -> NativeAnswer<HostWorkspace>
  {
    let policy = try Self.requirePolicy(policyText, verb: "start-implementation")
    let mission = try repository.mission(handle)
    let promptPath = try Self.promptPathOrFail(mission: mission, wp: wp, handle: handle)
    let workPackage = try Self.loadWorkPackage(promptPath)
    let context = try writeContext()
    let writer = MissionWriter(mission: mission, context: context)
    var data = mission.identity

    let before = try Self.snapshot(mission)
    let lane = before.lane(of: wp)
    if before.workPackages[wp] == nil {
      throw HostFailure(.transitionRejected, "WP \(wp) is not finalized; run `spec-kitty agent mission finalize-tasks`")
    }
    if lane == .planned || lane == .claimed {
      let unsatisfied = Self.unsatisfiedDependencies(of: workPackage, in: before)
      if !unsatisfied.isEmpty {
        data["wp_id"] = .string(wp)
        data["unsatisfied_dependencies"] = .strings(unsatisfied)
        throw HostFailure(
          .dependenciesNotSatisfied,
          "dependencies_not_satisfied: \(wp) depends on \(unsatisfied.joined(separator: ", ")); all dependencies "
            + "must be approved or done before implementation can start", fields: data)
      }
    }
    if ![Lane.planned, .claimed, .inProgress].contains(lane) {
      throw HostFailure(.transitionRejected, "WP \(wp) is in '\(lane.rawValue)', cannot start implementation")
    }
    // spec-kitty's planned -> claimed guard; it creates the lane worktree before the guard runs, git-kitty refuses
    // before anything is created.
    if lane == .planned { try Self.requireActor(actor) }
    // Refuse before creating anything when the status commit could not land.
    if lane != .inProgress { _ = try writer.preflight() }
    // The worktree is created under the mission lock, so a call that loses the lock (or the race) creates nothing.
    var workspace: Workspace?
    let outcome = try writer.locked("start-implementation") { () throws(HostFailure) -> (Lane, Bool) in
      let current = try Self.snapshot(mission)
      let state = current.workPackages[wp]
      let lane = current.lane(of: wp)
      if lane == .claimed {
        try Self.requireHolder(state, actor: actor, wp: wp, identity: mission.identity, events: nil)
      } else if lane == .inProgress {
        try Self.requireHolder(
          state, actor: actor, wp: wp, identity: mission.identity, events: try? mission.eventStream())
      }
      if lane == .planned { try Self.requireActor(actor) }
      if [Lane.planned, .claimed, .inProgress].contains(lane) {
        workspace = try allocateWorkspace(
          mission: mission, wp: wp, snapshot: current, context: context, keepExisting: lane == .inProgress)
        KillPoint.reach("lane-allocated")
      }
      switch lane {
      case .planned:
        let start = Timestamp.nowMicroseconds()
        let records = [
          TransitionRecord(
            wpID: wp, fromLane: .planned, toLane: .claimed,
            at: Timestamp.iso(microsecondsSinceEpoch: start), actor: actor, missionSlug: mission.slug,
            missionID: mission.meta?.missionID, policyMetadata: policy.json),
          TransitionRecord(
            wpID: wp, fromLane: .claimed, toLane: .inProgress,
            at: Timestamp.iso(microsecondsSinceEpoch: start + 1), actor: actor, missionSlug: mission.slug,
            missionID: mission.meta?.missionID, policyMetadata: policy.json),
        ]
        try writer.write(lines: records.map(\.line), commitMessage: "chore(spec-kitty): status transition batch \(wp)")
        return (.planned, false)
      case .claimed:
        let record = TransitionRecord(
          wpID: wp, fromLane: .claimed, toLane: .inProgress, at: Timestamp.isoNow(), actor: actor,
          missionSlug: mission.slug, missionID: mission.meta?.missionID, policyMetadata: policy.json)
        try writer.write(lines: [record.line], commitMessage: "chore(spec-kitty): status transition batch \(wp)")
        return (.claimed, false)
      case .inProgress:
        return (.inProgress, true)
      default:
        throw HostFailure(.transitionRejected, "WP \(wp) is in '\(lane.rawValue)', cannot start implementation")
      }
    }
    guard let workspace else {
      throw HostFailure(.transitionRejected, "WP \(wp) has no workspace")
    }
    data["wp_id"] = .string(wp)
    data["from_lane"] = .string(outcome.0.rawValue)
    data["to_lane"] = "in_progress"
    data["workspace_path"] = .string(workspace.path)
    data["prompt_path"] = .string(promptPath)
    data["policy_metadata_recorded"] = true
    data["no_op"] = .bool(outcome.1)
    if let laneID = workspace.laneID {
      data["lane_id"] = .string(laneID)
      data["lane_branch"] = .optional(workspace.laneBranch)
      data["lane_base_ref"] = .optional(workspace.laneBaseRef)
    }
    return NativeAnswer(value: workspace.answer(promptPath: promptPath, noOp: outcome.1), data: data)
  }

  /// spec-kitty's holder rule (the last lane event's actor, `implement-command`/`unknown` as wildcards), with
  /// one correction: after a review rejection the implementer who submitted the WP may resume it.
  static func requireHolder(
    _ state: WPState?, actor: String, wp: String, identity: JSONObject, events: EventStream?
  ) throws(HostFailure) {
    let holder = state?.actor.trimmingWhitespace ?? ""
    let requester = actor.trimmingWhitespace
    if holder.isEmpty || requester.isEmpty || holder == requester || holder == "implement-command"
      || holder == "unknown"
    {
      return
    }
    if let events, let implementer = implementer(of: wp, in: events), implementer == requester {
      return
    }
    var data = identity
    data["claimed_by"] = .string(holder)
    data["requesting_actor"] = .string(requester)
    throw HostFailure(
      .wpAlreadyClaimed, "WP \(wp) is already claimed for implementation by '\(holder)'", fields: data)
  }

  /// Who implemented a WP that a reviewer sent back: the actor of its last move into for_review, when the
  /// WP's current state comes from a review rollback.
  static func implementer(of wp: String, in stream: EventStream) -> String? {
    let events = stream.transitions.filter { $0.wpID == wp }.sorted {
      $0.at != $1.at ? $0.at < $1.at : $0.eventID < $1.eventID
    }
    guard let last = events.last, last.isRollback else { return nil }
    return events.last { $0.toLane == .forReview }?.actor.trimmingWhitespace
  }

  /// Creates or reuses the WP's lane worktree (merging approved dependency lanes); LANE_ALLOCATION_FAILED on error.
  /// With `keepExisting` (a WP in progress resuming), a clean worktree that is already there takes the dependency
  /// tips approved since, as spec-kitty's reuse does; a dirty one is used as it is (the WP resumes with its
  /// uncommitted work instead of being refused as dirty).
  func allocateWorkspace(
    mission: Mission, wp: String, snapshot: StatusSnapshot, context: RepositoryContext, keepExisting: Bool = false
  ) throws(HostFailure) -> Workspace {
    let lanes: LanesManifest?
    do {
      lanes = try mission.lanesManifest()
    } catch {
      throw HostFailure.from(error)
    }
    let workspace = Workspace.resolve(mission: mission, lanes: lanes, wp: wp, repoRoot: repository.root)
    guard let laneID = workspace.laneID, laneID != LanesManifest.planningLaneID else { return workspace }
    let resuming = keepExisting && FileManager.default.fileExists(atPath: "\(workspace.path)/.git")
    do {
      let spec = try MissionWorkspaces(context: context, mission: mission).spec(for: laneID, snapshot: snapshot)
      _ = try WorktreeManager(context: context).ensureLaneWorktree(spec)
    } catch WorkspaceError.dirty where resuming {
      return workspace
    } catch {
      var data = mission.identity
      let reason = Self.allocationReason(error, laneID: laneID, path: workspace.path)
      data["wp_id"] = .string(wp)
      data["reason"] = .string(reason)
      throw HostFailure(.laneAllocationFailed, reason, fields: data)
    }
    return workspace
  }

  static func allocationReason(_ error: Error, laneID: String, path: String) -> String {
    if case WorkspaceError.dirty = error {
      return "Lane \(laneID) worktree at \(path) has uncommitted changes. Commit or stash before starting the next WP."
    }
    return "\(error)"
  }

  // MARK: start-review

  /// With `pin` (the in-process client), the commit under review is pinned by a review branch under the mission
  /// lock (`HostReviewPin`); the orchestrator-api verb does not pin (spec-kitty's start-review creates no branch).
  public func startReview(
    mission handle: String, wp: String, actor: String, policy policyText: String?, reviewRef: String?,
    pin: Bool = false
  )
    throws(HostFailure) -> NativeAnswer<HostReviewPin?>
  {
    let policy = try Self.requirePolicy(policyText, verb: "start-review")
    let mission = try repository.mission(handle)
    let promptPath = try Self.promptPathOrFail(mission: mission, wp: wp, handle: handle)
    let context = try writeContext()
    let writer = MissionWriter(mission: mission, context: context)
    if Self.snapshotLane(mission, wp) == .forReview { _ = try writer.preflight() }
    var pinned: HostReviewPin?
    let outcome = try writer.locked("start-review") { () throws(HostFailure) -> (Lane, Bool) in
      let lane = try Self.snapshot(mission).lane(of: wp)
      switch lane {
      case .forReview:
        try Self.requireActor(actor)
        let record = TransitionRecord(
          wpID: wp, fromLane: .forReview, toLane: .inReview, at: Timestamp.isoNow(), actor: actor,
          missionSlug: mission.slug, missionID: mission.meta?.missionID, reason: "Started review via action command",
          reviewRef: reviewRef, policyMetadata: policy.json)
        try writer.write(lines: [record.line], commitMessage: "chore(spec-kitty): status transition \(wp)")
        if pin { pinned = HostReviewPin.pin(mission: mission, wp: wp, context: context) }
        return (.forReview, false)
      case .inReview:
        if pin { pinned = HostReviewPin.pin(mission: mission, wp: wp, context: context) }
        return (.inReview, true)
      default:
        throw HostFailure(.transitionRejected, "WP \(wp) is in '\(lane.rawValue)', cannot start review")
      }
    }
    let lanes = try? mission.lanesManifest()
    var data = mission.identity
    data["wp_id"] = .string(wp)
    data["from_lane"] = .string(outcome.0.rawValue)
    data["to_lane"] = "in_review"
    data["prompt_path"] = .string(promptPath)
    data["policy_metadata_recorded"] = true
    data["no_op"] = .bool(outcome.1)
    // git-kitty also says where the work is, so a reviewer needs no resolve-workspace call.
    data["workspace_path"] = .string(
      Workspace.resolve(mission: mission, lanes: lanes ?? nil, wp: wp, repoRoot: repository.root).path)
    return NativeAnswer(value: pinned, data: data)
  }

  static func snapshotLane(_ mission: Mission, _ wp: String) -> Lane? {
    (try? mission.snapshot())?.lane(of: wp)
  }
}
