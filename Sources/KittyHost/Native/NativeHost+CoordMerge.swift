import Foundation
import KittyBasics
import KittyCore
import KittyGit
import KittyWorkspaces

/// merge-mission's extra steps for a coord-topology mission, whose status lives on the coordination branch (which is
/// also the mission branch) checked out in `.worktrees/<slug>-coord`:
/// - before: the coordination worktree must be clean; the event rows spec-kitty 3.2.7 leaves uncommitted in the main
///   checkout's copy of the log (mission-level events) are committed onto the target, and its stale status.json
///   (a materialisation, rebuilt from the log) is set aside, so the merge can write both;
/// - after the lanes moved the coordination branch: the coordination worktree is brought to the new tip;
/// - after the done rows were committed there: the coordination branch is merged into the target once more, so the
///   target's log has them (spec-kitty 3.2.7 leaves them on the coordination branch only);
/// - cleanup: the coordination worktree and branch go like a lane's (only when clean and merged).
extension NativeHost {
  /// Refuses, before anything moves, a coordination worktree with changes of its own (they would be lost when the
  /// merge moves its branch) or a main-checkout log that is not the target's plus appended rows.
  func prepareCoordinatedMerge(_ mission: Mission, context: RepositoryContext, target: String) throws(HostFailure) {
    let coord = MissionPaths.coordinationWorktree(repoRoot: context.root, slug: mission.slug)
    let changed: [String]
    do {
      changed = try Repository.open(at: coord).status(includeUntracked: false).map(\.path)
    } catch {
      throw HostFailure(.preflightFailed, "cannot read the coordination worktree \(coord): \(error)")
    }
    if !changed.isEmpty {
      throw HostFailure(
        .preflightFailed,
        "The coordination worktree \(coord) has uncommitted changes (\(changed.joined(separator: ", "))). Commit or "
          + "restore them before merging.")
    }
    let specs = "\(MissionPaths.specsDirectory)/\(mission.slug)"
    let logPath = "\(specs)/\(MissionPaths.eventsFile)"
    let repo: Repository
    let committed: Data?
    let working: Data?
    do {
      repo = try context.open()
      guard let head = try repo.branchTip(target) else { return }
      committed = try repo.fileContents(at: logPath, in: head)
      working = try FileBytes.read("\(context.root)/\(logPath)")
    } catch {
      throw HostFailure(.preflightFailed, "cannot read \(logPath) in the main checkout: \(error)")
    }
    if let working, working != committed {
      guard working.starts(with: committed ?? Data()) else {
        throw HostFailure(
          .preflightFailed,
          "The main checkout's \(logPath) differs from \(target)'s other than by appended rows. Commit or restore it "
            + "before merging.")
      }
      do {
        _ = try StatusCommitter(context: context).commit(
          paths: [logPath], branch: target,
          message: "chore(spec-kitty): mission events of \(mission.slug) left uncommitted in the main checkout")
      } catch {
        throw HostFailure(.preflightFailed, "committing the main checkout's \(logPath) onto \(target) failed: \(error)")
      }
    }
    // status.json in the main checkout: untracked or modified, it is an old materialisation that would block the
    // merge's checkout; the log it came from is committed, and the merge brings the current one.
    let statusPath = "\(specs)/\(MissionPaths.statusFile)"
    guard (try? repo.status(includeUntracked: true, paths: [statusPath]))?.isEmpty == false else { return }
    let tracked = (try? repo.branchTip(target)).flatMap { $0 }.flatMap {
      try? repo.fileContents(at: statusPath, in: $0)
    }
    if let tracked {
      try? AtomicFile.write(tracked, to: "\(context.root)/\(statusPath)")
    } else {
      unlink("\(context.root)/\(statusPath)")
    }
  }

  /// Brings the coordination worktree's index and files to its branch's tip after the merge moved the branch
  /// (it was clean before).
  func refreshCoordinationWorktree(_ mission: Mission, context: RepositoryContext) throws(HostFailure) {
    let coord = MissionPaths.coordinationWorktree(repoRoot: context.root, slug: mission.slug)
    do {
      let checkout = try Repository.open(at: coord)
      guard let head = try checkout.headCommitID() else { return }
      // HEAD already names the new tip, so a safe checkout (whose baseline is HEAD) would see nothing to write; the
      // worktree was checked clean before the merge, so every file may be written.
      try checkout.forceCheckoutTree(try checkout.commit(head).tree)
    } catch {
      throw HostFailure(.safeCommitGeneric, "cannot update the coordination worktree \(coord): \(error)")
    }
  }

  /// Merges the coordination branch (with the done rows) into the target once more; the target's new tip.
  func mergeCoordinationBranch(
    _ mission: Mission, context: RepositoryContext, target: String, strategy: MissionMerger.Strategy
  ) throws -> OID {
    let merger = MissionMerger(context: context)
    let plan = try merger.plan(missionSlug: mission.slug, lanes: [], target: target, strategy: strategy)
    try merger.apply(plan)
    return plan.targetTip
  }

  /// Removes the coordination worktree when it is clean and its branch merged; what is kept is listed.
  func removeCoordinationWorktree(
    _ mission: Mission, context: RepositoryContext, target: String, kept: inout [JSONValue]
  ) {
    let coord = MissionPaths.coordinationWorktree(repoRoot: context.root, slug: mission.slug)
    guard FileManager.default.fileExists(atPath: coord) else { return }
    do {
      let result = try WorktreeManager(context: context).remove(path: coord, targetBranch: target)
      if !result.branchDeleted, let branch = result.branch, let reason = result.branchKeptReason {
        kept.append(["branch": .string(branch), "reason": .string(reason)])
      }
    } catch {
      kept.append(["path": .string(coord), "reason": .string("\(error)")])
    }
  }
}
