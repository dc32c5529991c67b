import Foundation

/// A mission's `meta.json`: identity and topology. The raw object is kept so writers preserve unknown keys.
public struct MissionMeta: Sendable, Equatable {
  public var raw: JSONObject

  public init(raw: JSONObject) { self.raw = raw }

  public var missionID: String? { raw["mission_id"]?.stringValue }
  public var friendlyName: String? { raw["friendly_name"]?.stringValue }
  public var missionSlug: String? { raw["mission_slug"]?.stringValue ?? raw["slug"]?.stringValue }
  public var missionType: String { raw["mission_type"]?.stringValue ?? "software-dev" }
  public var targetBranch: String? { raw["target_branch"]?.stringValue }
  public var mergeTargetBranch: String? { raw["merge_target_branch"]?.stringValue }
  public var topology: Topology { raw["topology"]?.stringValue.flatMap(Topology.init(rawValue:)) ?? .lanes }
  public var coordinationBranch: String? { raw["coordination_branch"]?.stringValue }

  /// `mission_number` as spec-kitty reports it: an int, a numeric string, or null.
  /// (A numeric string such as "034" reads as 34; anything else unusable reads as null.)
  public var missionNumber: JSONValue {
    switch raw["mission_number"] {
    case .int(let n)?: return .int(n)
    case .string(let s)?:
      let trimmed = s.trimmingWhitespace
      return Int(trimmed).map { .int($0) } ?? .null
    default: return .null
    }
  }

  /// The first eight characters of the mission ULID.
  public var mid8: String? {
    if let explicit = raw["mid8"]?.stringValue, !explicit.isEmpty { return explicit }
    return missionID.map { String($0.prefix(8)) }
  }
}

/// Where a mission's status commits land and how lanes are parented (host-contract §5.8).
public enum Topology: String, Sendable {
  case singleBranch = "single_branch"
  case lanes
  case coord
  case lanesWithCoord = "lanes_with_coord"

  public var hasCoordinationBranch: Bool { self == .coord || self == .lanesWithCoord }
}
