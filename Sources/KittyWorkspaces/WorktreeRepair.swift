import Foundation
import KittyCore
import KittyGit

/// One thing `repair` found, and what it did about it.
public struct RepairAction: Sendable, Equatable {
  public var path: String
  public var problem: String
  public var action: String
  /// false when the problem was only reported (git-kitty does not touch what it does not manage).
  public var fixed: Bool

  public var json: JSONValue {
    ["path": .string(path), "problem": .string(problem), "action": .string(action), "fixed": .bool(fixed)]
  }
}

extension WorktreeManager {
  /// Reconnects moved work directories, re-creates deleted managed checkouts from their branch, removes stale
  /// admin directories, and clears locks left by killed processes. Never deletes a work directory.
  public func repair(mission: String? = nil) throws -> [RepairAction] {
    try context.withWorktreeLock { try repairLocked(mission: mission) }
  }

  private func repairLocked(mission: String?) throws -> [RepairAction] {
    let fm = FileManager.default
    let repo = try context.open()
    let adminRoot = Path.stripTrailingSlash(repo.commonDirectory) + "/worktrees"
    let adminNames = ((try? fm.contentsOfDirectory(atPath: adminRoot)) ?? []).sorted()
    // Work directories under .worktrees/ and the admin directory each one's .git file names.
    var linkOf: [String: String] = [:]
    for name in (try? fm.contentsOfDirectory(atPath: context.worktreesDirectory)) ?? [] {
      let dir = "\(context.worktreesDirectory)/\(name)"
      if let admin = Self.gitdirLink(of: dir) { linkOf[dir] = admin }
    }
    var actions: [RepairAction] = []
    for name in adminNames {
      let admin = "\(adminRoot)/\(name)"
      let recorded = (try? String(contentsOfFile: "\(admin)/gitdir", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines)
      let path = recorded.map { ($0 as NSString).deletingLastPathComponent } ?? ""
      if let mission, !(path as NSString).lastPathComponent.hasPrefix(mission + "-") { continue }
      let pointingHere = linkOf.filter { Self.same($0.value, admin) }.map(\.key).sorted()

      guard recorded != nil, fm.fileExists(atPath: "\(admin)/HEAD") else {
        if !path.isEmpty, fm.fileExists(atPath: path), !context.isManagedPath(path) {
          actions.append(
            .init(
              path: path, problem: "its admin directory \(admin) is incomplete (not managed by git-kitty)",
              action: "left alone; git worktree repair \(path) may fix it", fixed: false))
          continue
        }
        if pointingHere.isEmpty {
          try? fm.removeItem(atPath: admin)
          actions.append(
            .init(path: admin, problem: "stale admin directory (no gitdir or HEAD)", action: "removed it", fixed: true))
        } else {
          actions.append(
            .init(
              path: admin, problem: "admin directory is incomplete but \(pointingHere[0]) uses it",
              action: "run git worktree repair \(pointingHere[0])", fixed: false))
        }
        continue
      }
      if !fm.fileExists(atPath: path) {
        if let moved = pointingHere.first {
          try "\(moved)/.git\n".write(toFile: "\(admin)/gitdir", atomically: true, encoding: .utf8)
          actions.append(
            .init(path: moved, problem: "work directory moved from \(path)", action: "relinked it", fixed: true))
        } else if context.isManagedPath(path), let head = repo.worktreeHeadReference(named: name),
          (try? repo.reference(named: head)) != nil
        {
          try? fm.removeItem(atPath: admin)
          do {
            try repo.addWorktree(name: name, path: path, branch: Branch.shortName(head))
            actions.append(
              .init(
                path: path, problem: "work directory was deleted",
                action: "re-created it from \(Branch.shortName(head)) (committed work restored)", fixed: true))
          } catch {
            Self.removeLeftovers(admin: admin, path: path)
            actions.append(
              .init(
                path: path, problem: "work directory was deleted", action: "could not re-create it: \(error.message)",
                fixed: false))
          }
        } else if context.isManagedPath(path) {
          try? fm.removeItem(atPath: admin)
          actions.append(
            .init(
              path: path, problem: "work directory was deleted and its branch is gone",
              action: "removed the dead admin entry", fixed: true))
        } else {
          actions.append(
            .init(
              path: path, problem: "work directory is missing (not managed by git-kitty)",
              action: "left alone; git worktree prune removes it", fixed: false))
        }
        continue
      }
      if let info = try? repo.worktree(named: name), info.isLocked, let pid = Self.kittyLockPID(info.lockReason),
        !Self.isAlive(pid)
      {
        try? repo.unlockWorktree(named: name)
        actions.append(
          .init(
            path: path, problem: "locked by git-kitty process \(pid), which is gone", action: "unlocked it", fixed: true
          ))
      }
      for lockFile in ["index.lock", "HEAD.lock"] {
        let lock = "\(admin)/\(lockFile)"
        if fm.fileExists(atPath: lock), !Self.isOpenByAnyProcess(lock) {
          try? fm.removeItem(atPath: lock)
          actions.append(
            .init(
              path: path, problem: "stale \(lockFile) left by a killed process", action: "removed it", fixed: true))
        }
      }
    }
    return actions
  }

  /// The admin directory a work directory's `.git` file points to.
  static func gitdirLink(of dir: String) -> String? {
    guard let text = try? String(contentsOfFile: "\(dir)/.git", encoding: .utf8) else { return nil }
    let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard line.hasPrefix("gitdir: ") else { return nil }
    let target = String(line.dropFirst(8))
    return Path.stripTrailingSlash(target.hasPrefix("/") ? target : "\(dir)/\(target)")
  }

  static func same(_ a: String, _ b: String) -> Bool {
    (a as NSString).standardizingPath == (b as NSString).standardizingPath
  }

  /// The pid in a lock reason git-kitty wrote (`git-kitty pid 1234: …`).
  static func kittyLockPID(_ reason: String?) -> Int32? {
    guard let reason, let range = reason.range(of: "git-kitty pid ") else { return nil }
    return Int32(reason[range.upperBound...].prefix { $0.isNumber })
  }

  static func isAlive(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
  }

  /// Whether any process holds `path` open (Linux /proc scan).
  static func isOpenByAnyProcess(_ path: String) -> Bool {
    let fm = FileManager.default
    let target = (path as NSString).standardizingPath
    for pid in (try? fm.contentsOfDirectory(atPath: "/proc")) ?? [] where pid.allSatisfy(\.isNumber) {
      for fd in (try? fm.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? [] {
        if let link = try? fm.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"), link == target {
          return true
        }
      }
    }
    return false
  }
}
