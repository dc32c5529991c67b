import Foundation
import KittyCore
import KittyGit

/// One worktree as `git kitty worktree list` shows it.
public struct WorktreeEntry: Sendable, Equatable {
  public var path: String
  public var name: String
  /// Inside `.worktrees/` and named after a mission of this repository.
  public var managed: Bool
  public var mission: String?
  public var laneID: String?
  public var wpIDs: [String]
  public var branch: String?
  public var head: String?
  /// nil when the work directory is missing.
  public var dirty: Bool?
  public var targetBranch: String?
  public var ahead: Int?
  public var behind: Int?
  public var locked: Bool
  public var lockReason: String?
  /// The work directory is gone: git would prune the entry.
  public var prunable: Bool
  public var sizeBytes: Int64

  public var json: JSONValue {
    [
      "path": .string(path),
      "name": .string(name),
      "managed": .bool(managed),
      "mission": .optional(mission),
      "lane_id": .optional(laneID),
      "wp_ids": .strings(wpIDs),
      "branch": .optional(branch),
      "head": .optional(head),
      "dirty": dirty.map { .bool($0) } ?? .null,
      "target_branch": .optional(targetBranch),
      "ahead": ahead.map { .int($0) } ?? .null,
      "behind": behind.map { .int($0) } ?? .null,
      "locked": .bool(locked),
      "lock_reason": .optional(lockReason),
      "prunable": .bool(prunable),
      "size_bytes": .int(Int(sizeBytes)),
    ]
  }
}

/// Lists the repository's linked worktrees with what git-kitty knows about each.
public struct WorktreeInventory: Sendable {
  public let context: RepositoryContext

  public init(context: RepositoryContext) {
    self.context = context
  }

  /// Every linked worktree; with `mission`, only that mission's.
  public func list(mission: String? = nil) throws -> [WorktreeEntry] {
    let repo = try context.open()
    var missions: [String: (Mission?, LanesManifest?)] = [:]
    var entries: [WorktreeEntry] = []
    for worktree in try repo.worktrees() {
      let owner = LaneWorktreeName.parse((worktree.path as NSString).lastPathComponent, repoRoot: context.root)
      if let mission, owner?.missionSlug != mission { continue }
      var entry = WorktreeEntry(
        path: worktree.path, name: worktree.name, managed: context.isManagedPath(worktree.path) && owner != nil,
        mission: owner?.missionSlug, laneID: owner?.laneID, wpIDs: owner?.wpID.map { [$0] } ?? [], branch: nil,
        head: nil, dirty: nil, targetBranch: nil, ahead: nil, behind: nil, locked: worktree.isLocked,
        lockReason: worktree.lockReason, prunable: !FileManager.default.fileExists(atPath: worktree.path),
        sizeBytes: DiskUsage.bytes(at: worktree.path))
      if let ref = repo.worktreeHeadReference(named: worktree.name) {
        entry.branch = Branch.shortName(ref)
        entry.head = try? repo.reference(named: ref)?.target?.hex
      } else if !entry.prunable {
        entry.head = (try? repo.openWorktree(named: worktree.name).headCommitID())??.hex
      }
      if let slug = owner?.missionSlug {
        if missions[slug] == nil {
          let loaded = try? Mission(repoRoot: context.root, slug: slug)
          missions[slug] = (loaded, try? loaded?.lanesManifest())
        }
        let (loaded, lanes) = missions[slug]!
        entry.targetBranch = loaded?.targetBranch
        if let lane = owner?.laneID, let lanes { entry.wpIDs = lanes.lane(lane)?.wpIDs ?? [] }
      }
      if !entry.prunable {
        entry.dirty = (try? repo.openWorktree(named: worktree.name).isDirty()) ?? nil
      }
      if let head = entry.head.flatMap(OID.init(hex:)), let target = entry.targetBranch,
        let targetTip = try? WorktreeManager(context: context).tip(of: target, repo: repo)
      {
        let counts = try repo.aheadBehind(head, targetTip)
        entry.ahead = counts.ahead
        entry.behind = counts.behind
      }
      entries.append(entry)
    }
    return entries
  }
}

/// Disk usage of a directory tree (allocated blocks, like `du`), not following symbolic links.
public enum DiskUsage {
  public static func bytes(at path: String) -> Int64 {
    var total: Int64 = 0
    guard let enumerator = FileManager.default.enumerator(atPath: path) else { return 0 }
    var info = stat()
    if lstat(path, &info) == 0 { total += Int64(info.st_blocks) * 512 }
    while let relative = enumerator.nextObject() as? String {
      if lstat("\(path)/\(relative)", &info) == 0 { total += Int64(info.st_blocks) * 512 }
    }
    return total
  }
}
