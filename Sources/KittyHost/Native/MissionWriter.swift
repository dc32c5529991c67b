import Foundation
import KittyCore
import KittyGit
import KittyWorkspaces

/// Writes to one mission under spec-kitty's per-mission lock: appends events, re-materialises status.json and
/// commits both onto the mission's target branch in the main checkout — or, for a coord-topology mission, onto its
/// coordination branch in the coordination worktree `.worktrees/<slug>-coord`, as spec-kitty 3.2.7 does. A failed
/// write puts the files back as they were.
struct MissionWriter {
  let mission: Mission
  let context: RepositoryContext
  /// How long to wait for the mission lock before answering with an error.
  static let lockTimeout: Double = {
    Double(ProcessInfo.processInfo.environment["KITTY_LOCK_TIMEOUT"] ?? "") ?? 30
  }()

  /// `<git-common-dir>/spec-kitty-locks/<slug>.status.lock`, the file spec-kitty locks.
  var lockPath: String { "\(context.commonDirectory)/spec-kitty-locks/\(mission.slug).status.lock" }

  /// The branch status commits land on: the coordination branch (coord and lanes_with_coord topologies) or the
  /// target branch (lanes and single_branch).
  func statusBranch() throws(HostFailure) -> String {
    if let coordination = mission.coordinationBranch { return coordination }
    guard let target = mission.targetBranch, !target.isEmpty else {
      throw HostFailure(.safeCommitDestinationNotFound, "meta.json of \(mission.slug) names no target_branch")
    }
    return target
  }

  /// The checkout whose status files are written and committed: the coordination worktree for a coord-topology
  /// mission, else the main checkout.
  var statusCheckout: String {
    mission.topology.hasCoordinationBranch
      ? MissionPaths.coordinationWorktree(repoRoot: context.root, slug: mission.slug) : context.root
  }

  /// Opens the status checkout (the coordination worktree is refused when it is missing: its status files are
  /// what the read verbs fold).
  func openStatusCheckout() throws(HostFailure) -> Repository {
    let checkout = statusCheckout
    if checkout != context.root && !FileManager.default.fileExists(atPath: "\(checkout)/.git") {
      let branch = (try? statusBranch()) ?? MissionPaths.missionBranch(slug: mission.slug)
      throw HostFailure(
        .safeCommitDestinationNotFound,
        "The coordination worktree of \(mission.slug) (\(checkout)) is missing: its status is committed on \(branch) "
          + "there. Run: git worktree add \(checkout) \(branch)")
    }
    do {
      return try checkout == context.root ? context.open() : Repository.open(at: checkout)
    } catch {
      throw HostFailure(.safeCommitGeneric, "cannot read the checkout \(checkout): \(error)")
    }
  }

  /// Runs `body` holding the mission lock.
  func locked<T>(_ verb: String, _ body: () throws(HostFailure) -> T) throws(HostFailure) -> T {
    let lock: FileLock
    do {
      lock = try FileLock(path: lockPath, timeout: Self.lockTimeout)
    } catch {
      throw HostFailure(
        .transitionRejected,
        "Timed out acquiring the status lock for \(mission.slug) (\(lockPath)): another process holds it. Try again.",
        fields: ["lock_path": .string(lockPath)])
    }
    defer { lock.unlock() }
    KillPoint.reach("lock-taken")
    recoverInterruptedWrite()
    KillPoint.reach("recovered")
    return try body()
  }

  /// Rolls an interrupted status write forward (a writer killed between appending and committing): when the
  /// main checkout's log is the committed log plus appended rows that parse, status.json is re-materialised and
  /// both are committed, so the rows that were written (and maybe acknowledged) are kept and the checkout is
  /// clean again. Leftover temporary files of dead writers are removed. A log changed in any other way (edited,
  /// truncated) is left alone for a person to look at. Runs under the mission lock; best effort.
  func recoverInterruptedWrite() {
    AtomicFile.removeStaleTemporaries(in: mission.statusDirectory)
    let checkout = statusCheckout
    guard let branch = try? statusBranch(), !context.protection.isProtected(branch),
      let repo = try? openStatusCheckout(), (try? repo.headReferenceName()) == Branch.fullName(branch),
      let head = try? repo.headCommitID(),
      let working = (try? FileBytes.read(mission.eventsPath)) ?? nil
    else { return }
    let relative = { (path: String) in String(path.dropFirst(checkout.count + 1)) }
    let committed = (try? repo.fileContents(at: relative(mission.eventsPath), in: head)) ?? nil
    let committedStatus = (try? repo.fileContents(at: relative(mission.statusPath), in: head)) ?? nil
    let workingStatus = (try? FileBytes.read(mission.statusPath)) ?? nil
    if working == committed && workingStatus == committedStatus {
      // Committed, but killed before the index was refreshed: git status would show the files as modified.
      let paths = Set([relative(mission.eventsPath), relative(mission.statusPath)])
      // Only these two paths: a status of the whole checkout would cost every write time in proportion to the
      // repository's size.
      guard let changed = try? repo.status(includeUntracked: false, paths: paths.sorted()), !changed.isEmpty
      else { return }
    }
    if let committed, !working.starts(with: committed) { return }
    guard (try? mission.eventStream(annotations: false)) != nil, let status = try? mission.materializedStatus() else {
      return
    }
    if workingStatus != Data(status.utf8) {
      guard (try? AtomicFile.write(status, to: mission.statusPath)) != nil else { return }
    }
    _ = try? StatusCommitter(context: context).commit(
      paths: [relative(mission.eventsPath), relative(mission.statusPath)], branch: branch,
      message: "chore(spec-kitty): status rows of an interrupted write",
      checkout: checkout == context.root ? nil : checkout)
  }

  /// Refuses, before anything is written, when a status file exists but cannot be read: a write would replace it.
  func checkReadable() throws(HostFailure) {
    _ = try Self.readStrictly(mission.eventsPath, mission: mission)
    _ = try Self.readStrictly(mission.statusPath, mission: mission)
  }

  /// Checks that a status commit could land, before anything is written.
  func preflight() throws(HostFailure) -> String {
    try checkReadable()
    let branch = try statusBranch()
    if context.protection.isProtected(branch) {
      throw HostFailure(
        .safeCommitProtectedBranch,
        "safe_commit: refusing to commit to protected branch '\(branch)' in \(context.root). Start a non-protected "
          + "feature branch for the mission (its target_branch) or set protection.protected_branches in .kittify/config.yaml."
      )
    }
    let checkout = statusCheckout
    let head: String?
    do {
      head = try openStatusCheckout().headReferenceName()
    } catch let failure as HostFailure {
      throw failure
    } catch {
      throw HostFailure(.safeCommitGeneric, "cannot read the checkout \(checkout): \(error)")
    }
    if head != Branch.fullName(branch) {
      let which = checkout == context.root ? "The main checkout" : "The coordination worktree \(checkout)"
      let fix = checkout == context.root ? "git checkout \(branch)" : "git -C \(checkout) checkout \(branch)"
      throw HostFailure(
        .safeCommitHeadMismatch,
        "\(which) is on \(head.map(Branch.shortName) ?? "a detached HEAD"), but \(mission.slug)'s status "
          + "is committed on \(branch). Run: \(fix)")
    }
    return branch
  }

  /// Appends rows, re-materialises status.json and commits. With `commitMessage` nil nothing is committed.
  /// The log is read first with the read verbs' strictness: a log that cannot be read or parsed is refused
  /// (MISSION_NOT_READY) and nothing is written, so an unreadable log is never replaced by a shorter one.
  func write(lines: [String], commitMessage: String?) throws(HostFailure) {
    let branch = commitMessage == nil ? nil : try preflight()
    let eventsPath = mission.eventsPath
    let statusPath = mission.statusPath
    let oldEvents = try Self.readStrictly(eventsPath, mission: mission)
    let oldStatus = try Self.readStrictly(statusPath, mission: mission)
    do {
      _ = try mission.eventStream(annotations: false)
    } catch {
      throw HostFailure.from(error)
    }
    func restore() {
      if let oldEvents { try? AtomicFile.write(oldEvents, to: eventsPath) } else { unlink(eventsPath) }
      if let oldStatus { try? AtomicFile.write(oldStatus, to: statusPath) } else { unlink(statusPath) }
    }
    do {
      try EventLogWriter.append(lines, to: eventsPath, existing: oldEvents)
      KillPoint.reach("status-appended")
      let status = try mission.materializedStatus()
      if oldStatus.map({ String(decoding: $0, as: UTF8.self) }) != status {
        // Not synced: status.json is materialised from the log, which is (above), and a status.json that a power
        // loss took back is materialised again by the next write (`recoverInterruptedWrite`). Two fsyncs of four.
        try AtomicFile.write(Data(status.utf8), to: statusPath, durable: false)
      }
      KillPoint.reach("status-materialized")
    } catch {
      restore()
      throw HostFailure(.safeCommitGeneric, "cannot write the status files of \(mission.slug): \(error)")
    }
    guard let branch, let commitMessage else { return }
    do {
      let checkout = statusCheckout
      let paths = [eventsPath, statusPath].map { String($0.dropFirst(checkout.count + 1)) }
      _ = try StatusCommitter(context: context).commit(
        paths: paths, branch: branch, message: commitMessage, checkout: checkout == context.root ? nil : checkout)
      KillPoint.reach("status-committed")
    } catch {
      restore()
      throw HostFailure(.safeCommitGeneric, "committing the status of \(mission.slug) onto \(branch) failed: \(error)")
    }
  }

  /// A status file's bytes (nil when it does not exist); a file that exists but cannot be read refuses the write.
  static func readStrictly(_ path: String, mission: Mission) throws(HostFailure) -> Data? {
    do {
      return try FileBytes.read(path)
    } catch {
      throw HostFailure(
        .missionNotReady,
        "\(error.description); git-kitty will not overwrite it. Make it readable (e.g. chmod 644) and retry.",
        fields: ["path": .string(path)])
    }
  }
}
