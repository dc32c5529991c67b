import Foundation
import KittyCore
import KittyGit

/// Review branches pin exactly what a reviewer saw: `kitty/review/<slug>/<WP>/<cycle>`.
public struct ReviewBranches: Sendable {
  public let context: RepositoryContext

  public init(context: RepositoryContext) {
    self.context = context
  }

  public static func name(slug: String, wpID: String, cycle: Int) -> String {
    "kitty/review/\(slug)/\(wpID)/\(cycle)"
  }

  public struct Entry: Sendable, Equatable {
    public var branch: String
    public var missionSlug: String
    public var wpID: String
    public var cycle: Int
    public var commit: String
  }

  /// Creates the next cycle's branch at `commit` (cycle numbers start at 1) and returns it.
  public func create(slug: String, wpID: String, commit: String) throws -> Entry {
    try context.withWorktreeLock {
      let repo = try context.open()
      let target: OID
      do {
        target = try repo.resolve(commit)
      } catch {
        throw WorkspaceError.notFound("commit \(commit)")
      }
      let cycle = (try list(slug: slug, wpID: wpID, repo: repo).map(\.cycle).max() ?? 0) + 1
      let branch = Self.name(slug: slug, wpID: wpID, cycle: cycle)
      try context.refuseProtected(branch)
      do {
        try repo.createBranch(branch, at: target, message: "git-kitty: review cycle \(cycle) of \(wpID)")
      } catch let error as GitError {
        throw WorkspaceError.git(error, during: "creating \(branch)")
      }
      return Entry(branch: branch, missionSlug: slug, wpID: wpID, cycle: cycle, commit: target.hex)
    }
  }

  /// Review branches of a mission (and WP), sorted by WP then cycle.
  public func list(slug: String? = nil, wpID: String? = nil) throws -> [Entry] {
    try list(slug: slug, wpID: wpID, repo: try context.open())
  }

  func list(slug: String?, wpID: String?, repo: Repository) throws -> [Entry] {
    let refs = try repo.references(matching: "refs/heads/kitty/review/*", crossingSlashes: true)
    var entries: [Entry] = []
    for ref in refs {
      let parts = Branch.shortName(ref.name).split(separator: "/").map(String.init)
      guard parts.count == 5, let cycle = Int(parts[4]), let target = ref.target else { continue }
      if let slug, parts[2] != slug { continue }
      if let wpID, parts[3] != wpID { continue }
      entries.append(
        Entry(
          branch: Branch.shortName(ref.name), missionSlug: parts[2], wpID: parts[3], cycle: cycle, commit: target.hex)
      )
    }
    return entries.sorted { ($0.missionSlug, $0.wpID, $0.cycle) < ($1.missionSlug, $1.wpID, $1.cycle) }
  }

  /// Deletes a mission's review branches; returns the names deleted.
  @discardableResult
  public func deleteAll(slug: String) throws -> [String] {
    try context.withWorktreeLock {
      let repo = try context.open()
      var deleted: [String] = []
      for entry in try list(slug: slug, wpID: nil, repo: repo) {
        if context.protection.isProtected(entry.branch) { continue }
        guard let oid = OID(hex: entry.commit) else { continue }
        if (try? repo.deleteBranch(entry.branch, expected: oid)) != nil { deleted.append(entry.branch) }
      }
      return deleted
    }
  }
}
