import Foundation
import KittyCore

/// A verb's answer: the typed value the in-process client uses, and the envelope's `data` the orchestrator-api
/// command prints (both built from the same values, never one decoded from the other).
public struct NativeAnswer<Value: Sendable>: Sendable {
  public let value: Value
  public let data: JSONObject
}

/// The in-process host: answers orchestrator-api verbs from the repository's files directly.
public struct NativeHost: Sendable {
  public let repository: HostRepository

  public init(repository: HostRepository) {
    self.repository = repository
  }

  // MARK: contract-version

  /// `apiVersion` is the contract version the caller speaks (1.5.0, or 1.0.0 for the seed-003 dialect).
  public static func contractVersion(providerVersion: String?, apiVersion: String = Envelope.contractVersion)
    throws(HostFailure) -> JSONObject
  {
    if let providerVersion {
      // spec-kitty compares with `packaging.version` (PEP 440): epochs, post- and dev-releases are versions too.
      guard let provided = PEP440Version(providerVersion) else {
        throw HostFailure(
          .contractVersionMismatch, "Provider version '\(providerVersion)' is not a valid version string",
          fields: ["provider_version": .string(providerVersion)])
      }
      let minimum = PEP440Version(Envelope.minimumProviderVersion)!
      if provided < minimum {
        throw HostFailure(
          .contractVersionMismatch,
          "Provider version '\(providerVersion)' is below minimum '\(Envelope.minimumProviderVersion)'",
          fields: [
            "provider_version": .string(providerVersion),
            "min_supported_provider_version": .string(Envelope.minimumProviderVersion),
            "api_version": .string(apiVersion),
          ])
      }
    }
    return [
      "api_version": .string(apiVersion),
      "min_supported_provider_version": .string(Envelope.minimumProviderVersion),
    ]
  }

  // MARK: read verbs

  func view(_ handle: String) throws(HostFailure) -> MissionView {
    let mission = try repository.mission(handle)
    do {
      return try MissionView(mission: mission, store: repository.foldCheckpoints, prompts: repository.promptIndex)
    } catch {
      throw HostFailure.from(error)
    }
  }

  /// All WPs with lane, dependencies and the actor of their last transition.
  public func missionState(mission handle: String) throws(HostFailure) -> NativeAnswer<HostMissionState> {
    let view = try view(handle)
    var ids = Set(view.graph.order)
    ids.formUnion(view.snapshot.workPackages.keys)
    ids.formUnion(view.mission.taskFileIDs())
    var summary = JSONObject()
    for lane in Lane.display { summary[lane.rawValue] = .int(view.snapshot.summary[lane] ?? 0) }
    let packages = ids.sorted().map { id in
      let state = view.snapshot.workPackages[id]
      let name = state?.lane ?? Lane.planned.rawValue
      return HostWorkPackage(
        id: id, lane: Lane(userValue: name), laneName: name, dependencies: view.graph.dependencies[id] ?? [],
        lastActor: state?.actor)
    }
    let wps: [JSONValue] = packages.map { wp in
      .object([
        "wp_id": .string(wp.id), "lane": .string(wp.laneName), "dependencies": .strings(wp.dependencies),
        "last_actor": .optional(wp.lastActor),
      ])
    }
    var data = view.identity
    data["summary"] = .object(summary)
    data["work_packages"] = .array(wps)
    return NativeAnswer(value: HostMissionState(workPackages: packages), data: data)
  }

  /// WPs not started whose dependencies are all approved or done.
  public func listReady(mission handle: String) throws(HostFailure) -> NativeAnswer<[String]> {
    let view = try view(handle)
    var ids: [String] = []
    var ready: [JSONValue] = []
    for id in view.graph.order {
      let lane = view.snapshot.workPackages[id]?.lane ?? Lane.planned.rawValue
      guard Lane(logValue: lane)?.isNotStarted ?? false else { continue }
      guard (view.graph.dependencies[id] ?? []).allSatisfy(view.isSatisfied) else { continue }
      ids.append(id)
      ready.append(.object(["wp_id": .string(id), "lane": .string(lane), "dependencies_satisfied": .bool(true)]))
    }
    var data = view.identity
    data["ready_work_packages"] = .array(ready)
    return NativeAnswer(value: ids, data: data)
  }

  /// Where a WP's work happens and where its prompt is, without creating anything.
  public func resolveWorkspace(mission handle: String, wp: String) throws(HostFailure) -> NativeAnswer<HostWorkspace> {
    let mission = try repository.mission(handle)
    guard let promptPath = Self.promptPath(mission: mission, wp: wp) else {
      throw HostFailure(.wpNotFound, "Work package '\(wp)' not found in \(mission.slug)")
    }
    let lanes: LanesManifest?
    do {
      lanes = try mission.lanesManifest()
    } catch {
      throw HostFailure.from(error)
    }
    var data = mission.identity
    data["wp_id"] = .string(wp)
    let workspace = Workspace.resolve(mission: mission, lanes: lanes, wp: wp, repoRoot: repository.root)
    data["workspace_path"] = .string(workspace.path)
    data["prompt_path"] = .string(promptPath)
    if let laneID = workspace.laneID {
      data["lane_id"] = .string(laneID)
      data["lane_branch"] = .optional(workspace.laneBranch)
      data["lane_base_ref"] = .optional(workspace.laneBaseRef)
    }
    return NativeAnswer(value: workspace.answer(promptPath: promptPath, noOp: false), data: data)
  }

  /// `tasks/<WP>.md`, else the first `tasks/<WP>-*.md`; nil when the id is not a WP id or has no file.
  static func promptPath(mission: Mission, wp: String) -> String? {
    guard WorkPackage.isValidID(wp) else { return nil }
    let exact = "\(mission.tasksDirectory)/\(wp).md"
    if FileManager.default.fileExists(atPath: exact) { return exact }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: mission.tasksDirectory)) ?? []
    return names.sorted().first { $0.hasPrefix("\(wp)-") && $0.hasSuffix(".md") }.map {
      "\(mission.tasksDirectory)/\($0)"
    }
  }
}
