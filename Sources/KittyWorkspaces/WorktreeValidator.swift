import Foundation
import KittyCore
import KittyGit

/// One worktree's health: what is wrong with it, in words a person can act on.
public struct WorktreeReport: Sendable, Equatable {
  public var name: String
  public var path: String
  public var branch: String?
  public var expectedBranch: String?
  public var locked: Bool
  public var lockReason: String?
  public var workDirectoryExists: Bool
  public var problems: [String]
  public var isHealthy: Bool { problems.isEmpty }

  public var json: JSONValue {
    [
      "name": .string(name), "path": .string(path), "branch": .optional(branch),
      "expected_branch": .optional(expectedBranch),
      "locked": .bool(locked), "lock_reason": .optional(lockReason), "healthy": .bool(isHealthy),
      "problems": .strings(problems),
    ]
  }
}

/// Checks the admin directory, the gitdir link both ways, HEAD, the lane branch and the lock.
public struct WorktreeValidator: Sendable {
  public let context: RepositoryContext

  public init(context: RepositoryContext) {
    self.context = context
  }

  /// Reports for every linked worktree (or one mission's).
  public func checkAll(mission: String? = nil) throws -> [WorktreeReport] {
    let repo = try context.open()
    let listed = try repo.worktrees()
    var reports: [WorktreeReport] = listed.compactMap { worktree in
      if let mission {
        let owner = LaneWorktreeName.parse((worktree.path as NSString).lastPathComponent, repoRoot: context.root)
        guard owner?.missionSlug == mission else { return nil }
      }
      return check(worktree, repo: repo)
    }
    // libgit2 skips admin directories missing a file; git still lists some of them: report them too.
    let adminRoot = Path.stripTrailingSlash(repo.commonDirectory) + "/worktrees"
    let known = Set(listed.map(\.name))
    for name in ((try? FileManager.default.contentsOfDirectory(atPath: adminRoot)) ?? []).sorted()
    where !known.contains(name) {
      let admin = "\(adminRoot)/\(name)"
      let gitdir = (try? String(contentsOfFile: "\(admin)/gitdir", encoding: .utf8))?.trimmingCharacters(
        in: .whitespacesAndNewlines)
      let path = gitdir.map { ($0 as NSString).deletingLastPathComponent } ?? admin
      if let mission, !(path as NSString).lastPathComponent.hasPrefix(mission + "-") { continue }
      let missing = ["gitdir", "HEAD", "commondir"].filter { !FileManager.default.fileExists(atPath: "\(admin)/\($0)") }
      reports.append(
        WorktreeReport(
          name: name, path: path, branch: nil, expectedBranch: nil, locked: false, lockReason: nil,
          workDirectoryExists: FileManager.default.fileExists(atPath: path),
          problems: missing.map { "admin file \(admin)/\($0) is missing" }
            + (missing.isEmpty ? ["libgit2 cannot read admin directory \(admin)"] : [])))
    }
    return reports
  }

  public func check(_ worktree: WorktreeInfo, repo: Repository) -> WorktreeReport {
    let fm = FileManager.default
    var problems: [String] = []
    let admin = repo.worktreeAdminDirectory(named: worktree.name)
    for file in ["gitdir", "HEAD", "commondir"] where !fm.fileExists(atPath: "\(admin)/\(file)") {
      problems.append("admin file \(admin)/\(file) is missing")
    }
    let workExists = fm.fileExists(atPath: worktree.path)
    if !workExists {
      problems.append("work directory \(worktree.path) is missing (moved or deleted)")
    } else {
      let dotGit = "\(worktree.path)/.git"
      if let link = try? String(contentsOfFile: dotGit, encoding: .utf8) {
        let target = link.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "gitdir: ", with: "")
        let resolved = target.hasPrefix("/") ? target : "\(worktree.path)/\(target)"
        if (Path.stripTrailingSlash(resolved) as NSString).standardizingPath != (admin as NSString).standardizingPath {
          problems.append("\(dotGit) points to \(target), not to \(admin)")
        }
      } else {
        problems.append("\(dotGit) is missing or unreadable")
      }
    }
    let head = repo.worktreeHeadReference(named: worktree.name)
    if let head {
      if (try? repo.reference(named: head)) == nil {
        problems.append("HEAD names \(head), which does not exist")
      }
    } else if fm.fileExists(atPath: "\(admin)/HEAD") {
      problems.append("HEAD is detached")
    }
    let expected = expectedBranch(forWorktreeNamed: (worktree.path as NSString).lastPathComponent)
    if let expected, let head, head != Branch.fullName(expected) {
      problems.append("it has \(Branch.shortName(head)) checked out, expected \(expected)")
    }
    if worktree.isLocked {
      let reason = worktree.lockReason?.trimmingCharacters(in: .whitespacesAndNewlines)
      problems.append("locked" + (reason.map { $0.isEmpty ? "" : ": \($0)" } ?? ""))
    }
    return WorktreeReport(
      name: worktree.name, path: worktree.path, branch: head.map(Branch.shortName), expectedBranch: expected,
      locked: worktree.isLocked, lockReason: worktree.lockReason, workDirectoryExists: workExists, problems: problems)
  }

  /// `<slug>-lane-x` -> its lane branch, `<slug>-WPnn` -> nil (legacy worktrees name no branch rule).
  func expectedBranch(forWorktreeNamed name: String) -> String? {
    guard let owner = LaneWorktreeName.parse(name, repoRoot: context.root) else { return nil }
    return owner.laneID.map { MissionPaths.laneBranch(slug: owner.missionSlug, laneID: $0) }
  }
}

/// Reads `.worktrees/<slug>-lane-x` and `.worktrees/<slug>-WPnn` names back into mission and lane.
public struct LaneWorktreeName: Sendable, Equatable {
  public var missionSlug: String
  public var laneID: String?
  public var wpID: String?

  /// Matches against the missions that exist in `kitty-specs/` so slugs containing `-lane-` stay unambiguous.
  public static func parse(_ name: String, repoRoot: String) -> LaneWorktreeName? {
    let missions = MissionLocator.missionDirectories("\(repoRoot)/\(MissionPaths.specsDirectory)")
    for slug in missions.sorted(by: { $0.count > $1.count }) where name.hasPrefix(slug + "-") {
      let rest = String(name.dropFirst(slug.count + 1))
      if rest.hasPrefix("lane-") { return LaneWorktreeName(missionSlug: slug, laneID: rest, wpID: nil) }
      if WorkPackage.isValidID(rest) { return LaneWorktreeName(missionSlug: slug, laneID: nil, wpID: rest) }
      if rest == "coord" { return LaneWorktreeName(missionSlug: slug, laneID: nil, wpID: nil) }
    }
    return nil
  }
}
