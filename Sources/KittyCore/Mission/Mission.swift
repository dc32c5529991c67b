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

  public var missionType: String { meta?.raw["mission_type"]?.stringValue ?? "" }

  /// `mission_number` as the orchestrator-api reports it (int or null).
  public var missionNumber: JSONValue {
    if let meta, meta.missionNumber != .null { return meta.missionNumber }
    return MissionLocator.legacyNumber(of: slug).map { .int($0) } ?? .null
  }

  /// `mission_number` as status.json writes it: a decimal string or "".
  public var missionNumberString: String {
    switch missionNumber {
    case .int(let n): return String(n)
    case .string(let s): return s
    default: return ""
    }
  }

  public var topology: Topology { meta?.topology ?? .lanes }
  public var targetBranch: String? { meta?.targetBranch }
  public var eventsPath: String { "\(directory)/\(MissionPaths.eventsFile)" }
  public var statusPath: String { "\(directory)/\(MissionPaths.statusFile)" }
  public var lanesPath: String { "\(directory)/\(MissionPaths.lanesFile)" }
  public var tasksDirectory: String { "\(directory)/\(MissionPaths.tasksDirectory)" }

  /// The prompt files, sorted by name; the first `WPnn*.md` per id wins, as in spec-kitty.
  public func promptFiles() -> [(id: String, path: String)] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: tasksDirectory)) ?? []
    var seen = Set<String>()
    var result: [(String, String)] = []
    for name in names.sorted() {
      guard let id = WorkPackage.id(fromFileName: name), seen.insert(id).inserted else { continue }
      result.append((id, "\(tasksDirectory)/\(name)"))
    }
    return result
  }

  /// Every WP prompt file, parsed and validated.
  public func workPackages() throws(MissionError) -> [WorkPackage] {
    var result: [WorkPackage] = []
    for (_, path) in promptFiles() {
      do {
        result.append(try WorkPackage.load(path: path))
      } catch {
        throw .invalidWorkPackage(error)
      }
    }
    return result
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

  /// The event log's transitions and annotations.
  public func eventStream() throws(MissionError) -> EventStream {
    do {
      return try EventLogReader.read(path: eventsPath)
    } catch {
      throw .corruptEventLog(path: eventsPath, error)
    }
  }
}

/// Why a mission could not be found or read.
public enum MissionError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
  case noSpecsDirectory(repoRoot: String)
  case emptyHandle
  case unsafeHandle(String)
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
    case .emptyHandle: return "Mission handle is empty: pass --mission <slug>"
    case .unsafeHandle(let handle): return "Mission handle '\(handle)' is not a safe path segment"
    case .notFound(let handle): return "Mission '\(handle)' not found in kitty-specs/"
    case .ambiguous(let handle, let candidates):
      return "Mission handle '\(handle)' is ambiguous: it matches \(candidates.joined(separator: ", ")). Use the full slug"
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
