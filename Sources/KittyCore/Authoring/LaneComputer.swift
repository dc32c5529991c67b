import Foundation

/// Computes `lanes.json` from WP dependencies and ownership exactly as spec-kitty 3.2.7's `compute_lanes` does
/// (host-contract §5.6): code WPs whose `owned_files` overlap share a lane (union-find); lanes are lettered by
/// their lowest WP id and listed by `(parallel_group, lane_id)`; WPs inside a lane are in dependency order;
/// dependencies between lanes become `depends_on_lanes` and `parallel_group` is the lane's depth;
/// `planning_artifact` WPs form `lane-planning`; a cycle between lanes is refused.
public enum LaneComputer {
  public struct Lane: Sendable, Equatable {
    public var id: String
    public var wpIDs: [String]
    public var writeScope: [String]
    public var predictedSurfaces: [String]
    public var dependsOn: [String]
    public var parallelGroup: Int
  }

  /// Two WPs put in one lane, and why (spec-kitty's `collapse_report`).
  public struct Collapse: Sendable, Equatable {
    public var wpA: String
    public var wpB: String
    public var rule: String
    public var evidence: String
  }

  public struct Result: Sendable, Equatable {
    public var lanes: [Lane]
    public var planningArtifactWPs: [String]
    public var collapses: [Collapse]
    /// Collapses of WPs with no dependency path between them.
    public var independentCollapses: Int
  }

  /// Lanes that depend on each other in a circle (WPs that share files across a dependency chain).
  public struct LaneCycle: Error, Sendable, Equatable, CustomStringConvertible {
    /// The cycle as lane ids, first and last equal.
    public var path: [String]
    /// The WPs of each lane on the cycle.
    public var members: [String: [String]]

    public var description: String {
      let lanes = path.dropLast().map { "\($0) (\(members[$0, default: []].joined(separator: ", ")))" }
      return "Execution-lane dependency cycle detected: \(path.joined(separator: " -> ")). "
        + "The lanes \(lanes.joined(separator: ", ")) wait for each other because WPs sharing owned_files sit on "
        + "both sides of a dependency; give those WPs disjoint owned_files or make them depend on each other in order"
    }
  }

  /// spec-kitty's `_globs_overlap`: whether two owned-file globs can name a common path. It compares the globs
  /// with their trailing wildcard stripped as plain prefixes, so `src/a.sh` also overlaps `src/a.sh.d/x`.
  public static func overlaps(_ a: String, _ b: String) -> Bool {
    if a == b { return true }
    func prefix(_ pattern: String) -> String {
      for suffix in ["/**", "/*", "**", "*"] where pattern.hasSuffix(suffix) {
        return String(pattern.dropLast(suffix.count))
      }
      return pattern
    }
    let (prefixA, prefixB) = (prefix(a), prefix(b))
    if !prefixA.isEmpty && !prefixB.isEmpty && (prefixB.hasPrefix(prefixA) || prefixA.hasPrefix(prefixB)) {
      return true
    }
    // Python's fnmatch: `*` also matches `/`, which is POSIX fnmatch without FNM_PATHNAME.
    return fnmatch(a, prefixB, 0) == 0 || fnmatch(b, prefixA, 0) == 0
  }

  /// The surface tags spec-kitty infers from a WP body (case-insensitive keyword match), in taxonomy order.
  public static func surfaces(of body: String) -> [String] {
    let text = body.lowercased()
    return surfaceKeywords.filter { _, keywords in keywords.contains { text.contains($0) } }.map(\.surface)
  }

  private static let surfaceKeywords: [(surface: String, keywords: [String])] = [
    ("dashboard", ["dashboard", "landing page", "landing-page"]),
    ("workspace", ["workspace", "mission workspace"]),
    ("app-shell", ["app shell", "app-shell", "navigation", "sidebar", "layout"]),
    ("legacy-cleanup", ["legacy", "cleanup", "deprecat", "remov"]),
    ("tests", ["test suite", "test infrastructure", "e2e test", "integration test"]),
    ("tracker-integration", ["tracker", "saas", "sync"]),
    ("artifact-rendering", ["artifact", "render", "template"]),
    ("api", ["api", "endpoint", "route", "view"]),
  ]

  public static func compute(_ workPackages: [WorkPackage]) throws(LaneCycle) -> Result {
    let packages = workPackages.sorted { $0.id < $1.id }
    let byID = Dictionary(packages.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    let planning = packages.filter(\.isPlanningArtifact).map(\.id)
    let code = packages.filter { !$0.isPlanningArtifact }
    guard !code.isEmpty || !planning.isEmpty else {
      return Result(lanes: [], planningArtifactWPs: [], collapses: [], independentCollapses: 0)
    }

    // Rule 1: overlapping write scopes share a lane. (spec-kitty's rule 2, shared surfaces, only merges WPs whose
    // ownership is not provably disjoint; with owned_files on every WP those pairs are already merged here.)
    var parent = Dictionary(uniqueKeysWithValues: code.map { ($0.id, $0.id) })
    func find(_ id: String) -> String {
      var id = id
      while parent[id]! != id {
        parent[id] = parent[parent[id]!]!
        id = parent[id]!
      }
      return id
    }
    var collapses: [Collapse] = []
    for (i, a) in code.enumerated() {
      for b in code[(i + 1)...] {
        let pairs = a.ownedFiles.flatMap { x in b.ownedFiles.filter { overlaps(x, $0) }.map { (x, $0) } }
        guard !pairs.isEmpty else { continue }
        let (rootA, rootB) = (find(a.id), find(b.id))
        guard rootA != rootB else { continue }
        var evidence =
          "overlapping globs: " + pairs.map { "\(pythonRepr($0)) vs \(pythonRepr($1))" }.joined(separator: ", ")
        if a.dependencies.contains(b.id) {
          evidence += "; \(a.id) depends on \(b.id)"
        } else if b.dependencies.contains(a.id) {
          evidence += "; \(b.id) depends on \(a.id)"
        }
        collapses.append(Collapse(wpA: a.id, wpB: b.id, rule: "write_scope_overlap", evidence: evidence))
        parent[rootB] = rootA
      }
    }

    // Lanes lettered in the order of their lowest WP id; members in dependency order.
    var groups: [String: [String]] = [:]
    for wp in code { groups[find(wp.id), default: []].append(wp.id) }
    let ordered = groups.values.sorted { $0.min()! < $1.min()! }
    var laneOf: [String: String] = [:]
    var lanes: [Lane] = []
    for (index, members) in ordered.enumerated() {
      let id = "lane-" + laneLetters(index)
      let sequence = topologicalOrder(members, dependencies: { byID[$0]?.dependencies ?? [] })
      for wp in sequence { laneOf[wp] = id }
      lanes.append(
        Lane(
          id: id, wpIDs: sequence, writeScope: Array(Set(sequence.flatMap { byID[$0]!.ownedFiles })).sorted(),
          predictedSurfaces: Array(Set(sequence.flatMap { surfaces(of: byID[$0]!.body) })).sorted(),
          dependsOn: [], parallelGroup: 0))
    }
    for wp in planning { laneOf[wp] = LanesManifest.planningLaneID }

    var laneDependencies: [String: Set<String>] = Dictionary(uniqueKeysWithValues: lanes.map { ($0.id, []) })
    if !planning.isEmpty { laneDependencies[LanesManifest.planningLaneID] = [] }
    for wp in code.map(\.id) + planning {
      guard let mine = laneOf[wp] else { continue }
      for dependency in byID[wp]!.dependencies {
        if let theirs = laneOf[dependency], theirs != mine { laneDependencies[mine]!.insert(theirs) }
      }
    }
    if let path = laneCycle(laneDependencies) {
      var members: [String: [String]] = [:]
      for (wp, lane) in laneOf { members[lane, default: []].append(wp) }
      throw LaneCycle(path: path, members: members.mapValues { $0.sorted() })
    }
    let depth = laneDepths(laneDependencies)
    for index in lanes.indices {
      lanes[index].dependsOn = laneDependencies[lanes[index].id]!.sorted()
      lanes[index].parallelGroup = depth[lanes[index].id] ?? 0
    }
    if !planning.isEmpty {
      let id = LanesManifest.planningLaneID
      lanes.append(
        Lane(
          id: id, wpIDs: planning, writeScope: Array(Set(planning.flatMap { byID[$0]!.ownedFiles })).sorted(),
          predictedSurfaces: ["planning"], dependsOn: laneDependencies[id]!.sorted(), parallelGroup: depth[id] ?? 0))
    }
    lanes.sort { ($0.parallelGroup, $0.id) < ($1.parallelGroup, $1.id) }
    let ancestors = transitiveDependencies(byID.mapValues(\.dependencies))
    let independent = collapses.filter {
      !ancestors[$0.wpA, default: []].contains($0.wpB) && !ancestors[$0.wpB, default: []].contains($0.wpA)
    }.count
    return Result(lanes: lanes, planningArtifactWPs: planning, collapses: collapses, independentCollapses: independent)
  }

  /// Kahn's algorithm with the ready set kept sorted (spec-kitty's `topological_sort` restricted to `members`).
  static func topologicalOrder(_ members: [String], dependencies: (String) -> [String]) -> [String] {
    let set = Set(members)
    var remaining: [String: Int] = [:]
    var dependents: [String: [String]] = [:]
    for wp in members {
      let inside = dependencies(wp).filter { set.contains($0) }
      remaining[wp] = inside.count
      for dependency in inside { dependents[dependency, default: []].append(wp) }
    }
    var ready = members.filter { remaining[$0] == 0 }.sorted()
    var result: [String] = []
    while !ready.isEmpty {
      let wp = ready.removeFirst()
      result.append(wp)
      for dependent in (dependents[wp] ?? []).sorted() {
        remaining[dependent]! -= 1
        if remaining[dependent] == 0 {
          ready.append(dependent)
          ready.sort()
        }
      }
    }
    return result.count == members.count ? result : members.sorted()
  }

  /// The first cycle found visiting lanes and their dependencies in lexical order, rotated to start at its
  /// smallest lane, as a closed path; nil when the lane graph is acyclic.
  static func laneCycle(_ dependencies: [String: Set<String>]) -> [String]? {
    enum Mark { case active, done }
    var marks: [String: Mark] = [:]
    var path: [String] = []
    func visit(_ lane: String) -> [String]? {
      marks[lane] = .active
      path.append(lane)
      for next in (dependencies[lane] ?? []).sorted() {
        switch marks[next] {
        case nil:
          if let cycle = visit(next) { return cycle }
        case .active?:
          let cycle = Array(path[path.firstIndex(of: next)!...])
          let start = cycle.firstIndex(of: cycle.min()!)!
          let rotated = Array(cycle[start...] + cycle[..<start])
          return rotated + [rotated[0]]
        case .done?:
          continue
        }
      }
      path.removeLast()
      marks[lane] = .done
      return nil
    }
    let nodes = Set(dependencies.keys).union(dependencies.values.flatMap { $0 }).sorted()
    for node in nodes where marks[node] == nil {
      if let cycle = visit(node) { return cycle }
    }
    return nil
  }

  /// A lane's depth in the (acyclic) lane graph: 0 without dependencies, else one more than its deepest one.
  static func laneDepths(_ dependencies: [String: Set<String>]) -> [String: Int] {
    var depth: [String: Int] = [:]
    func visit(_ lane: String) -> Int {
      if let known = depth[lane] { return known }
      let value = (dependencies[lane] ?? []).filter { $0 != lane }.map { visit($0) + 1 }.max() ?? 0
      depth[lane] = value
      return value
    }
    for lane in dependencies.keys.sorted() { _ = visit(lane) }
    return depth
  }

  /// Every WP each WP depends on, directly or not (cycles are refused before lanes are computed).
  public static func transitiveDependencies(_ dependencies: [String: [String]]) -> [String: Set<String>] {
    var reach: [String: Set<String>] = [:]
    func visit(_ wp: String, _ seen: Set<String>) -> Set<String> {
      if let known = reach[wp] { return known }
      var result = Set<String>()
      for dependency in dependencies[wp] ?? [] where !seen.contains(dependency) {
        result.insert(dependency)
        result.formUnion(visit(dependency, seen.union([dependency])))
      }
      reach[wp] = result
      return result
    }
    for wp in dependencies.keys.sorted() { _ = visit(wp, [wp]) }
    return reach
  }

  /// a, b, …, z, aa, ab, … (spec-kitty runs past z into punctuation; 27 lanes are rare enough to differ here).
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

  /// Python's `repr` of a string, as spec-kitty's messages quote globs.
  static func pythonRepr(_ text: String) -> String {
    if text.contains("'") && !text.contains("\"") { return "\"\(text)\"" }
    return "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
  }

  /// The `lanes.json` text spec-kitty writes (`json.dumps(indent=2)`, keys in its order, trailing newline).
  public static func manifestText(
    _ result: Result, missionSlug: String, missionID: String?, targetBranch: String, computedAt: String,
    planningCommit: String?
  ) -> String {
    let lanes: [JSONValue] = result.lanes.map { lane in
      [
        "lane_id": .string(lane.id), "wp_ids": .strings(lane.wpIDs), "write_scope": .strings(lane.writeScope),
        "predicted_surfaces": .strings(lane.predictedSurfaces), "depends_on_lanes": .strings(lane.dependsOn),
        "parallel_group": .int(lane.parallelGroup),
      ]
    }
    var object: JSONObject = [
      "version": 1, "mission_slug": .string(missionSlug), "mission_id": .optional(missionID),
      "mission_branch": .string(MissionPaths.missionBranch(slug: missionSlug)), "target_branch": .string(targetBranch),
      "lanes": .array(lanes), "computed_at": .string(computedAt), "computed_from": "dependency_graph+ownership",
      "planning_artifact_wps": .strings(result.planningArtifactWPs), "planning_commit_sha": .optional(planningCommit),
    ]
    if !result.collapses.isEmpty {
      var byRule = JSONObject()
      for collapse in result.collapses { byRule[collapse.rule] = .int((byRule[collapse.rule]?.intValue ?? 0) + 1) }
      object["collapse_report"] = [
        "events": .array(
          result.collapses.map {
            [
              "wp_a": .string($0.wpA), "wp_b": .string($0.wpB), "rule": .string($0.rule),
              "evidence": .string($0.evidence),
            ]
          }),
        "total_merges": .int(result.collapses.count), "independent_wps_collapsed": .int(result.independentCollapses),
        "by_rule": .object(byRule),
      ]
    }
    return JSONWriter(indent: 2, sortKeys: false, ensureASCII: true).string(.object(object)) + "\n"
  }
}
