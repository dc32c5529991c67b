import Foundation
import KittyCore
import KittyGit

/// Predicts the merge conflicts a mission's merge would meet, before it happens: every lane tip merged in memory
/// with the target and with every other lane tip (libgit2, nothing written). Conflicts are reported with their
/// paths, never resolved.
public struct ConflictPredictor: Sendable {
  /// A lane to check: its id, branch and WPs.
  public struct LaneInput: Sendable, Equatable {
    public var id: String
    public var branch: String
    public var wpIDs: [String]

    public init(id: String, branch: String, wpIDs: [String]) {
      self.id = id
      self.branch = branch
      self.wpIDs = wpIDs
    }
  }

  /// Two sides that cannot be merged cleanly: two lanes, or a lane and the target.
  public struct Conflict: Sendable, Equatable {
    /// Lane ids, or a lane id and the target branch.
    public var between: [String]
    public var wpIDs: [String]
    public var paths: [String]
  }

  public struct Report: Sendable, Equatable {
    public var target: String
    public var checked: [LaneInput]
    /// Lanes whose branch does not exist (nothing to merge yet).
    public var missing: [LaneInput]
    public var conflicts: [Conflict]
  }

  public let context: RepositoryContext

  public init(context: RepositoryContext) {
    self.context = context
  }

  /// The tips a prediction would merge: the target's and each lane's (lanes without a branch apart). Equal tips
  /// predict the same conflicts, so a caller that checks often (the orchestrator, before every claim) merges again
  /// only when they change.
  public struct Tips: Sendable, Equatable {
    public var target: String
    public var targetTip: OID
    public var lanes: [LaneTip]
    public var missing: [LaneInput]
  }

  public struct LaneTip: Sendable, Equatable {
    public var lane: LaneInput
    public var tip: OID
  }

  /// Reads the tips (refs only, no merge).
  public func tips(target: String, lanes: [LaneInput]) throws -> Tips {
    let repo = try context.open()
    let targetTip = try WorktreeManager(context: context).tip(of: target, repo: repo)
    var tips: [LaneTip] = []
    var missing: [LaneInput] = []
    for lane in lanes {
      if let tip = try repo.branchTip(lane.branch) {
        tips.append(LaneTip(lane: lane, tip: tip))
      } else {
        missing.append(lane)
      }
    }
    return Tips(target: target, targetTip: targetTip, lanes: tips, missing: missing)
  }

  public func predict(target: String, lanes: [LaneInput]) throws -> Report {
    var memo = Memo()
    return try predict(try tips(target: target, lanes: lanes), memo: &memo)
  }

  /// What earlier predictions learnt, for a caller that predicts again as tips move (the orchestrator, before
  /// every claim): the outcome of each pair of commits merged, and the paths each commit changed since a base. A
  /// merge of two commits always gives the same answer, so only pairs with a new tip are looked at again.
  public struct Memo: Sendable {
    struct Pair: Hashable, Sendable {
      var first: OID
      var second: OID
    }
    /// Conflicting paths per pair of commits; empty when they merge cleanly.
    var merges: [Pair: [String]] = [:]
    /// Paths changed from a base (first) to a commit (second).
    var changed: [Pair: Set<String>] = [:]

    public init() {}
  }

  /// Merges every lane tip with the target and with every other lane tip, in memory.
  public func predict(_ tips: Tips, memo: inout Memo) throws -> Report {
    // The merged trees and blobs are thrown away: written to memory, not to loose object files.
    let repo: Repository
    do {
      repo = try Repository.openWithObjectsInMemory(at: context.root)
    } catch {
      throw WorkspaceError.git(error, during: "opening \(context.root)")
    }
    let target = tips.target
    var conflicts: [Conflict] = []
    for item in tips.lanes {
      let paths = try Self.conflicts(tips.targetTip, item.tip, repo: repo, memo: &memo)
      if !paths.isEmpty {
        conflicts.append(Conflict(between: [item.lane.id, target], wpIDs: item.lane.wpIDs, paths: paths))
      }
    }
    for (i, first) in tips.lanes.enumerated() {
      for second in tips.lanes[(i + 1)...] {
        let paths = try Self.conflicts(first.tip, second.tip, repo: repo, memo: &memo)
        if !paths.isEmpty {
          conflicts.append(
            Conflict(
              between: [first.lane.id, second.lane.id], wpIDs: first.lane.wpIDs + second.lane.wpIDs, paths: paths))
        }
      }
    }
    return Report(target: target, checked: tips.lanes.map(\.lane), missing: tips.missing, conflicts: conflicts)
  }

  /// The paths a merge of `ours` and `theirs` would conflict on (empty: none). Two commits with one merge base
  /// whose changes since it touch no common file, and no file where the other has a directory, merge cleanly: that
  /// is decided from the two trees' differences alone; anything else is merged in memory.
  static func conflicts(_ ours: OID, _ theirs: OID, repo: Repository, memo: inout Memo) throws -> [String] {
    let pair = Memo.Pair(first: ours, second: theirs)
    if let known = memo.merges[pair] { return known }
    var paths: [String] = []
    if let base = try repo.mergeBase(ours, theirs), try repo.mergeBaseCount(ours, theirs) == 1,
      try touchesApart(
        changed(from: base, to: ours, repo: repo, memo: &memo),
        changed(from: base, to: theirs, repo: repo, memo: &memo))
    {
      paths = []
    } else if case .conflict(let found) = try repo.mergeInMemory(
      ours: ours, theirs: theirs, resolve: EventLogUnion.resolveStatusLog)
    {
      paths = found
    }
    memo.merges[pair] = paths
    return paths
  }

  static func changed(from base: OID, to tip: OID, repo: Repository, memo: inout Memo) throws -> Set<String> {
    let pair = Memo.Pair(first: base, second: tip)
    if let known = memo.changed[pair] { return known }
    let paths = try repo.changedPaths(from: base, to: tip)
    memo.changed[pair] = paths
    return paths
  }

  /// Whether two sets of changed paths can be merged without meeting: no path in both, and no path of one that is
  /// a directory above a path of the other (a file replaced by a directory).
  static func touchesApart(_ one: Set<String>, _ two: Set<String>) -> Bool {
    guard one.isDisjoint(with: two) else { return false }
    func directories(_ paths: Set<String>) -> Set<String> {
      var result = Set<String>()
      for path in paths {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        while !parts.isEmpty {
          result.insert(parts.joined(separator: "/"))
          parts = parts.dropLast()
        }
      }
      return result
    }
    return one.isDisjoint(with: directories(two)) && two.isDisjoint(with: directories(one))
  }
}
