import Foundation
import KittyCore
import KittyGit

/// One thing `gc` looked at.
public struct GCItem: Sendable, Equatable {
  public enum Kind: String, Sendable {
    case worktree, branch
    case adminEntry = "admin-entry"
  }
  public enum Outcome: String, Sendable {
    case removed
    case wouldRemove = "would-remove"
    case kept
  }

  public var kind: Kind
  public var name: String
  public var mission: String?
  /// Why it is collectable (the mission is merged, all WPs finished, …).
  public var reason: String
  public var sizeBytes: Int64
  public var outcome: Outcome
  /// Why it was kept, when it was.
  public var keptBecause: String?

  public var json: JSONValue {
    [
      "kind": .string(kind.rawValue), "name": .string(name), "mission": .optional(mission), "reason": .string(reason),
      "size_bytes": .int(Int(sizeBytes)), "outcome": .string(outcome.rawValue), "kept_because": .optional(keptBecause),
    ]
  }
}

/// Finds worktrees and `kitty/*` branches of finished missions (merged, aborted, or every WP done or
/// canceled) and dead admin entries; removes what loses nothing and says why it kept the rest.
public struct GarbageCollector: Sendable {
  public let context: RepositoryContext

  public init(context: RepositoryContext) {
    self.context = context
  }

  public func run(dryRun: Bool) throws -> [GCItem] {
    let repo = try context.open()
    let manager = WorktreeManager(context: context)
    var items: [GCItem] = []

    // Dead admin entries: the work directory is gone, so nothing on disk can be lost; the branch stays.
    for worktree in try repo.worktrees() where !FileManager.default.fileExists(atPath: worktree.path) {
      var item = GCItem(
        kind: .adminEntry, name: worktree.name, mission: nil,
        reason: "work directory \(worktree.path) no longer exists",
        sizeBytes: 0, outcome: dryRun ? .wouldRemove : .removed)
      if worktree.isLocked {
        item.outcome = .kept
        item.keptBecause = "locked: \(worktree.lockReason ?? "no reason given")"
      } else if !dryRun {
        try? FileManager.default.removeItem(atPath: repo.worktreeAdminDirectory(named: worktree.name))
      }
      items.append(item)
    }

    for finished in try finishedMissions(repo: repo) {
      let slug = finished.slug
      let target = finished.target
      // Lane worktrees of the mission.
      for worktree in try repo.worktrees() where FileManager.default.fileExists(atPath: worktree.path) {
        guard let owner = LaneWorktreeName.parse((worktree.path as NSString).lastPathComponent, repoRoot: context.root),
          owner.missionSlug == slug, context.isManagedPath(worktree.path)
        else { continue }
        var item = GCItem(
          kind: .worktree, name: worktree.path, mission: slug, reason: finished.reason,
          sizeBytes: DiskUsage.bytes(at: worktree.path), outcome: dryRun ? .wouldRemove : .removed)
        let verdict = try SafetyCheck(context: context).evaluate(worktree, repo: repo, targetBranch: target)
        if let problem = verdict.blockingProblem {
          item.outcome = .kept
          item.keptBecause = problem.description
        } else if !dryRun {
          do {
            _ = try manager.remove(path: worktree.path, targetBranch: target)
          } catch {
            item.outcome = .kept
            item.keptBecause = "\(error)"
          }
        }
        items.append(item)
      }
      // Branches of the mission: lanes, the mission branch, review branches.
      let missionBranch = MissionPaths.missionBranch(slug: slug)
      for ref in try repo.references(matching: "refs/heads/kitty/*", crossingSlashes: true) {
        let branch = Branch.shortName(ref.name)
        let belongs =
          branch == missionBranch || branch.hasPrefix(missionBranch + "-")
          || branch.hasPrefix("kitty/review/\(slug)/")
        guard belongs, let tip = ref.target else { continue }
        var item = GCItem(
          kind: .branch, name: branch, mission: slug, reason: finished.reason, sizeBytes: 0,
          outcome: dryRun ? .wouldRemove : .removed)
        if context.protection.isProtected(branch) {
          item.outcome = .kept
          item.keptBecause = "\(branch) is protected"
        } else if try repo.isBranchCheckedOut(branch) {
          item.outcome = .kept
          item.keptBecause = "checked out in a worktree"
        } else if let targetTip = try? manager.tip(of: target, repo: repo), try !repo.contains(targetTip, ancestor: tip)
        {
          let ahead = try repo.aheadBehind(tip, targetTip).ahead
          item.outcome = .kept
          item.keptBecause = "\(ahead) commit(s) not merged into \(target)"
        } else if !dryRun {
          do {
            try repo.deleteBranch(branch, expected: tip)
          } catch {
            item.outcome = .kept
            item.keptBecause = error.message
          }
        }
        items.append(item)
      }
    }
    return items
  }

  struct Finished {
    var slug: String
    var target: String
    var reason: String
  }

  /// Missions whose mission branch is merged into the target, whose run was aborted, or whose WPs are all
  /// done or canceled.
  func finishedMissions(repo: Repository) throws -> [Finished] {
    var result: [Finished] = []
    let specs = "\(context.root)/\(MissionPaths.specsDirectory)"
    let aborted = abortedMissions()
    for slug in MissionLocator.missionDirectories(specs) {
      guard let mission = try? Mission(repoRoot: context.root, slug: slug), let target = mission.targetBranch else {
        continue
      }
      let snapshot = try? mission.snapshot()
      let states = snapshot?.workPackages.values.compactMap(\.laneValue) ?? []
      // Merged: the mission branch is contained in the target and every WP reached approved or beyond.
      if let tip = try repo.branchTip(MissionPaths.missionBranch(slug: slug)),
        let targetTip = try? WorktreeManager(context: context).tip(of: target, repo: repo),
        try repo.contains(targetTip, ancestor: tip), !states.isEmpty,
        states.allSatisfy({ $0 == .approved || $0 == .done || $0 == .canceled })
      {
        result.append(Finished(slug: slug, target: target, reason: "mission merged into \(target)"))
        continue
      }
      if aborted.contains(slug) {
        result.append(Finished(slug: slug, target: target, reason: "orchestrator run aborted"))
        continue
      }
      if !states.isEmpty, states.allSatisfy({ $0 == .done || $0 == .canceled }) {
        result.append(Finished(slug: slug, target: target, reason: "every WP is done or canceled"))
      }
    }
    return result
  }

  /// Missions whose last orchestrator run (`.kittify/orchestrator-run-state.json`) ended in `aborted`.
  func abortedMissions() -> Set<String> {
    let path = "\(context.root)/.kittify/orchestrator-run-state.json"
    guard let data = FileManager.default.contents(atPath: path), let value = try? JSONParser.parse([UInt8](data)),
      value["state"]?.stringValue == "aborted", let mission = value["mission"]?.stringValue
    else { return [] }
    return [mission]
  }
}
