import Foundation
import KittyCore
import KittyGit
import KittyWorkspaces

/// append-history and accept-mission. Unlike spec-kitty, both commit what they write.
extension NativeHost {
  public func appendHistory(mission handle: String, wp: String, actor: String, note: String) throws(HostFailure)
    -> NativeAnswer<HostHistoryEntry>
  {
    let mission = try repository.mission(handle)
    _ = try Self.promptPathOrFail(mission: mission, wp: wp, handle: handle)
    guard WorkPackage.isValidID(wp) else {
      throw HostFailure(.historyCommitFailed, "annotate() refuses wp_id not matching the WP-id pattern: '\(wp)'")
    }
    let context = try writeContext()
    let writer = MissionWriter(mission: mission, context: context)
    _ = try writer.preflight()
    let stamp = Timestamp.isoSecondsZ(microsecondsSinceEpoch: Timestamp.nowMicroseconds())
    try writer.locked("append-history") { () throws(HostFailure) in
      let record = AnnotationRecord(
        wpID: wp, at: Timestamp.isoNow(), actor: actor, delta: ["note": .string("- [\(stamp)] \(actor): \(note)")])
      try writer.write(lines: [record.line], commitMessage: "chore(spec-kitty): history \(wp)")
    }
    let entry = HostHistoryEntry(
      wp: wp, id: "hist-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
    var data = mission.identity
    data["wp_id"] = .string(wp)
    data["history_entry_id"] = .string(entry.id)
    return NativeAnswer(value: entry, data: data)
  }

  /// Marks subtasks done or planned (spec-kitty's `agent tasks mark-status`), committed. Returns the WPs touched.
  public func markSubtasks(mission handle: String, wp: String?, subtasks: [String], done: Bool, actor: String)
    throws(HostFailure) -> [String: [String]]
  {
    let mission = try repository.mission(handle)
    let packages: [WorkPackage]
    do {
      packages = try mission.workPackages()
    } catch {
      throw HostFailure.from(error)
    }
    var owners: [String: [String]] = [:]
    for id in subtasks {
      let candidates = packages.filter { ($0.id == wp || wp == nil) && $0.subtasks.contains(id) }
      guard let owner = candidates.first else {
        throw HostFailure(
          .wpNotFound,
          "Subtask \(id) is not listed by any work package of \(mission.slug)\(wp.map { " (\($0))" } ?? "")")
      }
      owners[owner.id, default: []].append(id)
    }
    let context = try writeContext()
    let writer = MissionWriter(mission: mission, context: context)
    _ = try writer.preflight()
    try writer.locked("mark-status") { () throws(HostFailure) in
      let at = Timestamp.isoNow()
      let lines = owners.keys.sorted().map { owner in
        var marks = JSONObject()
        for id in owners[owner]! { marks[id] = .string(done ? "done" : "planned") }
        return AnnotationRecord(wpID: owner, at: at, actor: actor, delta: ["subtasks": .object(marks)]).line
      }
      try writer.write(
        lines: lines, commitMessage: "chore(spec-kitty): mark subtasks \(owners.keys.sorted().joined(separator: " "))")
    }
    return owners
  }

  public func acceptMission(mission handle: String, actor: String) throws(HostFailure) -> NativeAnswer<HostAcceptance> {
    let mission = try repository.mission(handle)
    let view: MissionView
    do {
      view = try MissionView(mission: mission, includeAnnotations: true)
    } catch {
      throw HostFailure.from(error)
    }
    var ids = Set(view.graph.order)
    ids.formUnion(view.snapshot.workPackages.keys)
    let incomplete = ids.sorted().filter { ![Lane.approved, .done].contains(view.snapshot.lane(of: $0)) }
    if !incomplete.isEmpty {
      var data = mission.identity
      data["incomplete_wps"] = .strings(incomplete)
      throw HostFailure(.missionNotReady, "Mission has \(incomplete.count) incomplete WP(s)", fields: data)
    }
    let context = try writeContext()
    let writer = MissionWriter(mission: mission, context: context)
    let branch = try writer.preflight()
    // A coord-topology mission's meta.json is committed on its target branch, which the main checkout must have.
    var targetOfCoordinated = branch
    if writer.statusCheckout != context.root {
      targetOfCoordinated = mission.targetBranch ?? ""
      try Self.requireMainCheckout(on: targetOfCoordinated, context: context, slug: mission.slug)
    }
    let now = Timestamp.isoNow()
    try writer.locked("accept-mission") { () throws(HostFailure) in
      guard var meta = mission.meta?.raw else {
        throw HostFailure(.missionNotReady, "\(mission.slug) has no meta.json to record the acceptance in")
      }
      meta["accepted_at"] = .string(now)
      meta["accepted_by"] = .string(actor)
      meta["acceptance_mode"] = "orchestrator"
      meta["accepted_from_commit"] = nil
      meta["accept_commit"] = nil
      var history = meta["acceptance_history"]?.arrayValue ?? []
      history.append(["accepted_at": .string(now), "accepted_by": .string(actor), "acceptance_mode": "orchestrator"])
      meta["acceptance_history"] = .array(Array(history.suffix(20)))
      let metaPath = "\(mission.directory)/\(MissionPaths.metaFile)"
      let old = try MissionWriter.readStrictly(metaPath, mission: mission)
      _ = try MissionWriter.readStrictly(mission.statusPath, mission: mission)
      let message = "chore(spec-kitty): accept mission \(mission.slug)"
      let statusCheckout = writer.statusCheckout
      do {
        try AtomicFile.write(JSONWriter.snapshotFile.string(.object(meta)) + "\n", to: metaPath)
        let status = try mission.materializedStatus()
        try AtomicFile.write(status, to: mission.statusPath)
        let committer = StatusCommitter(context: context)
        if statusCheckout == context.root {
          let paths = [metaPath, mission.statusPath].map { String($0.dropFirst(context.root.count + 1)) }
          _ = try committer.commit(paths: paths, branch: branch, message: message)
        } else {
          // Coord topology: meta.json lives on the target branch in the main checkout (the coordination branch has
          // none, which is where spec-kitty 3.2.7 crashes), status.json on the coordination branch.
          _ = try committer.commit(
            paths: [String(metaPath.dropFirst(context.root.count + 1))], branch: targetOfCoordinated, message: message)
          _ = try committer.commit(
            paths: [String(mission.statusPath.dropFirst(statusCheckout.count + 1))], branch: branch,
            message: message, checkout: statusCheckout)
        }
      } catch {
        if let old { try? AtomicFile.write(old, to: metaPath) }
        throw HostFailure(.safeCommitGeneric, "recording the acceptance of \(mission.slug) failed: \(error)")
      }
    }
    // Lists in prompt-file order, approved first, as spec-kitty reports them.
    let files = mission.promptFiles().map(\.id)
    let approved = files.filter { view.snapshot.lane(of: $0) == .approved }
    let done = files.filter { view.snapshot.lane(of: $0) == .done }
    var data = mission.identity
    data["accepted"] = true
    data["mode"] = "auto"
    data["accepted_at"] = .string(now)
    data["accepted_wps"] = .strings(approved + done)
    data["approved_wps"] = .strings(approved)
    data["done_wps"] = .strings(done)
    data["merge_pending_wps"] = .strings(approved)
    return NativeAnswer(value: HostAcceptance(acceptedAt: now, approved: approved, done: done), data: data)
  }

  /// Refuses, before anything is written, a commit onto `branch` in the main checkout that could not land: an
  /// unnamed or protected branch, or a main checkout on another branch.
  static func requireMainCheckout(on branch: String, context: RepositoryContext, slug: String) throws(HostFailure) {
    guard !branch.isEmpty else {
      throw HostFailure(.safeCommitDestinationNotFound, "meta.json of \(slug) names no target_branch")
    }
    if context.protection.isProtected(branch) {
      throw HostFailure(
        .safeCommitProtectedBranch,
        "safe_commit: refusing to commit to protected branch '\(branch)' in \(context.root).")
    }
    let head = try? context.open().headReferenceName()
    if head != Branch.fullName(branch) {
      throw HostFailure(
        .safeCommitHeadMismatch,
        "The main checkout is on \(head.map(Branch.shortName) ?? "a detached HEAD"), but \(slug)'s meta.json is "
          + "committed on \(branch). Run: git checkout \(branch)")
    }
  }
}
