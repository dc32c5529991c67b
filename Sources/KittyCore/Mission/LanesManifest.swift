/// One execution lane of `lanes.json`.
public struct ExecutionLane: Sendable, Equatable {
  public var laneID: String
  public var wpIDs: [String]
  public var writeScope: [String]
  public var predictedSurfaces: [String]
  public var dependsOnLanes: [String]
  public var parallelGroup: Int
}

/// A mission's `lanes.json` (host-contract §5.6). The raw object is kept so a rewrite preserves unknown keys.
public struct LanesManifest: Sendable, Equatable {
  public static let planningLaneID = "lane-planning"

  public var raw: JSONObject
  public var missionSlug: String
  public var missionBranch: String
  public var targetBranch: String
  public var lanes: [ExecutionLane]
  public var planningArtifactWPs: [String]
  public var planningCommitSHA: String?

  public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
      switch self {
      case .invalid(let detail): return "lanes.json is invalid: \(detail)"
      }
    }
  }

  public static func parse(_ value: JSONValue) throws(ParseError) -> LanesManifest {
    guard case .object(let object) = value else { throw .invalid("not a JSON object") }
    guard let lanesValue = object["lanes"]?.arrayValue else { throw .invalid("'lanes' must be a list") }
    var lanes: [ExecutionLane] = []
    for (index, item) in lanesValue.enumerated() {
      guard case .object(let lane) = item, let id = lane["lane_id"]?.stringValue, !id.isEmpty else {
        throw .invalid("lane #\(index + 1) has no lane_id")
      }
      lanes.append(
        ExecutionLane(
          laneID: id,
          wpIDs: strings(lane["wp_ids"]),
          writeScope: strings(lane["write_scope"]),
          predictedSurfaces: strings(lane["predicted_surfaces"]),
          dependsOnLanes: strings(lane["depends_on_lanes"]),
          parallelGroup: lane["parallel_group"]?.intValue ?? 0
        ))
    }
    let slug = object["mission_slug"]?.stringValue ?? ""
    return LanesManifest(
      raw: object,
      missionSlug: slug,
      missionBranch: object["mission_branch"]?.stringValue ?? MissionPaths.missionBranch(slug: slug),
      targetBranch: object["target_branch"]?.stringValue ?? "",
      lanes: lanes,
      planningArtifactWPs: strings(object["planning_artifact_wps"]),
      planningCommitSHA: object["planning_commit_sha"]?.stringValue
    )
  }

  static func strings(_ value: JSONValue?) -> [String] {
    value?.arrayValue?.compactMap(\.stringValue) ?? []
  }

  /// The lane a WP belongs to; planning-artifact WPs belong to `lane-planning`.
  public func laneID(for wpID: String) -> String? {
    if let lane = lanes.first(where: { $0.wpIDs.contains(wpID) }) { return lane.laneID }
    if planningArtifactWPs.contains(wpID) { return LanesManifest.planningLaneID }
    return nil
  }

  public func lane(_ laneID: String) -> ExecutionLane? { lanes.first { $0.laneID == laneID } }
}
