import Foundation

/// A mission directory `kitty-specs/<slug>/` inside a repository checkout.
public struct Mission: Sendable {
  /// Root of the checkout the mission was read from (the main checkout for host verbs).
  public let repoRoot: String
  /// Absolute path of `kitty-specs/<slug>`.
  public let directory: String
  /// The directory name: the canonical mission slug (`demo-feature-01M804SN`).
  public let slug: String
  public let meta: MissionMeta?

  public init(repoRoot: String, slug: String) throws(MissionError) {
    self.repoRoot = repoRoot
    self.slug = slug
    self.directory = "\(repoRoot)/\(MissionPaths.specsDirectory)/\(slug)"
    self.meta = try Mission.readMeta(directory: directory, slug: slug)
  }

  static func readMeta(directory: String, slug: String) throws(MissionError) -> MissionMeta? {
    let path = "\(directory)/\(MissionPaths.metaFile)"
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    do {
      guard case .object(let object) = try JSONParser.parse([UInt8](data)) else {
        throw MissionError.corruptFile(path: path, detail: "meta.json is not a JSON object")
      }
      return MissionMeta(raw: object)
    } catch let error as MissionError {
      throw error
    } catch {
      throw .corruptFile(path: path, detail: "meta.json is not valid JSON: \(error)")
    }
  }

  public var mid8: String? {
    meta?.mid8 ?? MissionLocator.mid8Suffix(of: slug)
  }

  /// `mission_type` from meta.json, trimmed; "" for a typeless mission.
  public var missionType: String { meta?.raw["mission_type"]?.stringValue?.trimmingWhitespace ?? "" }

  /// `mission_number` as the orchestrator-api reports it: an int, or null.
  public var missionNumber: JSONValue { meta?.missionNumber ?? .null }

  /// The slug payloads report: meta.json's when it is a safe segment, else the directory name.
  public var reportedSlug: String {
    if let slug = meta?.missionSlug, MissionPaths.isSafeSegment(slug) { return slug }
    return slug
  }

  public var topology: Topology { meta?.topology ?? .lanes }
  public var targetBranch: String? { meta?.targetBranch }
  /// Where status lives: the coordination worktree's copy for a coord-topology mission whose
  /// `.worktrees/<slug>-coord` checkout exists (as spec-kitty reads it), else the mission directory.
  public var statusDirectory: String {
    if topology.hasCoordinationBranch {
      let coord =
        "\(MissionPaths.coordinationWorktree(repoRoot: repoRoot, slug: slug))/\(MissionPaths.specsDirectory)/\(slug)"
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: coord, isDirectory: &isDirectory), isDirectory.boolValue {
        return coord
      }
    }
    return directory
  }
  /// The branch status commits of a coord-topology mission land on (meta.json's `coordination_branch`, else the
  /// mission branch); nil for the other topologies.
  public var coordinationBranch: String? {
    guard topology.hasCoordinationBranch else { return nil }
    return meta?.coordinationBranch ?? MissionPaths.missionBranch(slug: slug)
  }
  public var eventsPath: String { "\(statusDirectory)/\(MissionPaths.eventsFile)" }
  public var statusPath: String { "\(statusDirectory)/\(MissionPaths.statusFile)" }
  public var lanesPath: String { "\(directory)/\(MissionPaths.lanesFile)" }
  public var tasksDirectory: String { "\(directory)/\(MissionPaths.tasksDirectory)" }

  /// The prompt files, sorted by name; the first `WPnn*.md` per id wins, as in spec-kitty.
  public func promptFiles() -> [(id: String, path: String)] {
    promptFileNames().map { ($0.id, "\(tasksDirectory)/\($0.name)") }
  }

  /// `promptFiles()` as names within `tasksDirectory`.
  public func promptFileNames() -> [(id: String, name: String)] {
    let names = DirectoryNames.list(tasksDirectory) ?? []
    var seen = Set<String>()
    var result: [(String, String)] = []
    result.reserveCapacity(names.count)
    for name in names.sorted() {
      guard let id = WorkPackage.id(fromFileName: name), seen.insert(id).inserted else { continue }
      result.append((id, name))
    }
    return result
  }

  /// Every WP prompt file, parsed and validated (in parallel for large missions; the first bad file in
  /// name order is the one reported).
  public func workPackages() throws(MissionError) -> [WorkPackage] {
    let paths = promptFiles().map(\.path)
    let results = ParallelMap.run(paths, minimumPerTask: 64) { path in
      Result { () throws(WorkPackageError) in try WorkPackage.load(path: path) }
    }
    var packages: [WorkPackage] = []
    packages.reserveCapacity(results.count)
    for result in results {
      switch result {
      case .success(let wp): packages.append(wp)
      case .failure(let error): throw .invalidWorkPackage(error)
      }
    }
    return packages
  }

  /// The dependency graph, refusing missing dependencies and cycles.
  public func dependencyGraph(_ workPackages: [WorkPackage]) throws(MissionError) -> DependencyGraph {
    let graph = DependencyGraph(workPackages: workPackages)
    if let missing = graph.missingDependencies.first {
      throw .missingDependency(wp: missing.wp, dependency: missing.dependency)
    }
    if let cycle = graph.cycle { throw .dependencyCycle(cycle) }
    return graph
  }

  /// `lanes.json`, nil when the mission has none.
  public func lanesManifest() throws(MissionError) -> LanesManifest? {
    guard let data = FileManager.default.contents(atPath: lanesPath) else { return nil }
    do {
      return try LanesManifest.parse(try JSONParser.parse([UInt8](data)))
    } catch {
      throw .corruptFile(path: lanesPath, detail: "\(error)")
    }
  }

  /// The event log's transitions and annotations (annotations validated but dropped when not wanted).
  public func eventStream(annotations: Bool = true) throws(MissionError) -> EventStream {
    do {
      return try EventLogReader.read(path: eventsPath, annotations: annotations)
    } catch {
      throw .corruptEventLog(path: eventsPath, error)
    }
  }
}

/// Why a mission could not be found or read.
public enum MissionError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
  case noSpecsDirectory(repoRoot: String)
  case unsafeHandle(String, String)
  case notFound(String)
  case ambiguous(String, candidates: [String])
  case corruptFile(path: String, detail: String)
  case corruptEventLog(path: String, EventLogError)
  case invalidWorkPackage(WorkPackageError)
  case missingDependency(wp: String, dependency: String)
  case dependencyCycle([String])

  public var description: String {
    switch self {
    case .noSpecsDirectory(let root): return "No kitty-specs/ directory in \(root): this repository has no missions"
    case .unsafeHandle(_, let problem): return problem
    case .notFound(let handle): return "Mission '\(handle)' not found in kitty-specs/"
    case .ambiguous(let handle, let candidates):
      return
        "Mission handle '\(handle)' is ambiguous: it matches \(candidates.joined(separator: ", ")). Use the full slug"
    case .corruptFile(_, let detail): return detail
    case .corruptEventLog(let path, let error):
      return "\((path as NSString).lastPathComponent) is unreadable: \(error)"
    case .invalidWorkPackage(let error): return error.description
    case .missingDependency(let wp, let dependency):
      return "\(wp) depends on \(dependency), which is not a work package of this mission"
    case .dependencyCycle(let cycle): return "Dependency cycle: \(cycle.joined(separator: " -> "))"
    }
  }

  public var errorDescription: String? { description }
}

extension Mission {
  /// The snapshot of the whole log (transitions and annotations), as status.json holds it.
  public func snapshot() throws(MissionError) -> StatusSnapshot {
    StatusReducer.reduce(try eventStream())
  }

  /// The exact bytes spec-kitty's `materialize()` would write to status.json for the current log.
  public func materializedStatus() throws(MissionError) -> String {
    let stream = try eventStream()
    let snapshot = StatusReducer.reduce(stream)
    var number = ""
    if case .int(let n) = missionNumber { number = String(n) }
    if number.isEmpty, let legacy = MissionLocator.leadingNumber(of: snapshot.missionSlug) { number = String(legacy) }
    guard stream.hasRetrospectiveRows, let retrospective = Retrospective.block(eventLog: eventsPath),
      case .object(var object) = snapshot.json(missionNumber: number, missionType: missionType)
    else { return snapshot.fileContents(missionNumber: number, missionType: missionType) }
    object["retrospective"] = retrospective
    return JSONWriter.snapshotFile.string(.object(object)) + "\n"
  }
}

extension Mission {
  /// The identity triplet that opens orchestrator-api payloads.
  public var identity: JSONObject {
    [
      "mission_slug": .string(reportedSlug),
      "mission_number": missionNumber,
      "mission_type": .string(missionType),
    ]
  }

  /// Ids of every `tasks/WP<digits>*.md` entry (mission-state lists these even without a valid prompt).
  public func taskFileIDs() -> [String] {
    let names = DirectoryNames.list(tasksDirectory) ?? []
    return names.compactMap { name in
      // ASCII names byte by byte: Character's isNumber looks up Unicode properties (~1 ms for a thousand files).
      if name.utf8.allSatisfy({ $0 < 0x80 }) {
        let utf8 = name.utf8
        guard utf8.starts(with: "WP".utf8), utf8.reversed().starts(with: "dm.".utf8) else { return nil }
        let digits = utf8.dropFirst(2).prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return digits.isEmpty ? nil : "WP" + String(decoding: digits, as: UTF8.self)
      }
      guard name.hasSuffix(".md"), name.hasPrefix("WP") else { return nil }
      let digits = name.dropFirst(2).prefix { $0.isASCII && $0.isNumber }
      return digits.isEmpty ? nil : "WP" + digits
    }
  }
}
