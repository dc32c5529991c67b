import Foundation

/// Computes `lanes.json` from WP dependencies and ownership (host-contract §5.6): WPs whose `owned_files`
/// overlap share a lane; dependencies between lanes become `depends_on_lanes`; `parallel_group` is the lane's
/// depth in the lane graph; lanes are named lane-a, lane-b, … in that order.
public enum LaneComputer {
  public struct Lane: Sendable, Equatable {
    public var id: String
    public var wpIDs: [String]
    public var writeScope: [String]
    public var dependsOn: [String]
    public var parallelGroup: Int
  }

  public struct Result: Sendable, Equatable {
    public var lanes: [Lane]
    public var planningArtifactWPs: [String]
    /// Pairs of WPs that overlap although neither depends on the other (spec-kitty warns about them).
    public var overlapWarnings: [String]
  }

  /// Whether two owned-file globs can name the same file.
  public static func overlaps(_ a: String, _ b: String) -> Bool {
    if a == b { return true }
    if fnmatch(a, b, 0) == 0 || fnmatch(b, a, 0) == 0 { return true }
    func directoryPrefix(_ glob: String) -> String? {
      if glob.hasSuffix("/**") { return String(glob.dropLast(2)) }
      if glob.hasSuffix("/") { return glob }
      if let star = glob.firstIndex(where: { "*?[".contains($0) }) {
        let head = glob[..<star]
        if let slash = head.lastIndex(of: "/") { return String(head[...slash]) }
        return ""
      }
      return nil
    }
    if let prefix = directoryPrefix(a), b.hasPrefix(prefix), prefix.count > 0 { return true }
    if let prefix = directoryPrefix(b), a.hasPrefix(prefix), prefix.count > 0 { return true }
    return false
  }

  public static func compute(_ workPackages: [WorkPackage]) -> Result {
    let planning = workPackages.filter(\.isPlanningArtifact).map(\.id)
    let code = workPackages.filter { !$0.isPlanningArtifact }
    // Union-find over WPs with overlapping ownership.
    var parent = Array(code.indices)
    func find(_ i: Int) -> Int {
      var i = i
      while parent[i] != i {
        parent[i] = parent[parent[i]]
        i = parent[i]
      }
      return i
    }
    var warnings: [String] = []
    for i in code.indices {
      for j in code.indices where j > i {
        let hit = code[i].ownedFiles.contains { a in code[j].ownedFiles.contains { b in overlaps(a, b) } }
        guard hit else { continue }
        let related = code[i].dependencies.contains(code[j].id) || code[j].dependencies.contains(code[i].id)
        if !related {
          warnings.append(
            "\(code[i].id) and \(code[j].id) own overlapping files but neither depends on the other; they share a lane")
        }
        parent[find(j)] = find(i)
      }
    }
    var groups: [Int: [Int]] = [:]
    for i in code.indices { groups[find(i), default: []].append(i) }
    let laneOf: [String: Int] = Dictionary(uniqueKeysWithValues: code.indices.map { (code[$0].id, find($0)) })
    // Lane dependencies and depth.
    var deps: [Int: Set<Int>] = [:]
    for (root, members) in groups {
      var set = Set<Int>()
      for m in members {
        for d in code[m].dependencies { if let l = laneOf[d], l != root { set.insert(l) } }
      }
      deps[root] = set
    }
    var depth: [Int: Int] = [:]
    func depthOf(_ lane: Int, _ visiting: Set<Int>) -> Int {
      if let d = depth[lane] { return d }
      if visiting.contains(lane) { return 0 }
      let d = (deps[lane] ?? []).map { depthOf($0, visiting.union([lane])) + 1 }.max() ?? 0
      depth[lane] = d
      return d
    }
    let roots = groups.keys.sorted { a, b in
      let (da, db) = (depthOf(a, []), depthOf(b, []))
      if da != db { return da < db }
      return code[groups[a]!.min()!].id < code[groups[b]!.min()!].id
    }
    var name: [Int: String] = [:]
    for (index, root) in roots.enumerated() { name[root] = "lane-" + laneLetters(index) }
    let lanes = roots.map { root -> Lane in
      let members = groups[root]!.sorted { code[$0].id < code[$1].id }
      var scope: [String] = []
      for m in members { for f in code[m].ownedFiles where !scope.contains(f) { scope.append(f) } }
      return Lane(
        id: name[root]!, wpIDs: members.map { code[$0].id }, writeScope: scope,
        dependsOn: (deps[root] ?? []).compactMap { name[$0] }.sorted(), parallelGroup: depthOf(root, []))
    }
    return Result(lanes: lanes, planningArtifactWPs: planning, overlapWarnings: warnings)
  }

  /// a, b, …, z, aa, ab, …
  static func laneLetters(_ index: Int) -> String {
    let letters = Array("abcdefghijklmnopqrstuvwxyz")
    var n = index
    var text = ""
    repeat {
      text = String(letters[n % 26]) + text
      n = n / 26 - 1
    } while n >= 0
    return text
  }

  /// The `lanes.json` text spec-kitty writes (`json.dumps(indent=2)`, keys in its order, trailing newline).
  public static func manifestText(
    _ result: Result, missionSlug: String, missionID: String?, targetBranch: String, computedAt: String,
    planningCommit: String?
  ) -> String {
    let lanes: [JSONValue] = result.lanes.map { lane in
      [
        "lane_id": .string(lane.id), "wp_ids": .strings(lane.wpIDs), "write_scope": .strings(lane.writeScope),
        "predicted_surfaces": [], "depends_on_lanes": .strings(lane.dependsOn),
        "parallel_group": .int(lane.parallelGroup),
      ]
    }
    let object: JSONObject = [
      "version": 1, "mission_slug": .string(missionSlug), "mission_id": .optional(missionID),
      "mission_branch": .string(MissionPaths.missionBranch(slug: missionSlug)), "target_branch": .string(targetBranch),
      "lanes": .array(lanes), "computed_at": .string(computedAt), "computed_from": "dependency_graph+ownership",
      "planning_artifact_wps": .strings(result.planningArtifactWPs), "planning_commit_sha": .optional(planningCommit),
    ]
    return JSONWriter(indent: 2, sortKeys: false, ensureASCII: true).string(.object(object)) + "\n"
  }
}
