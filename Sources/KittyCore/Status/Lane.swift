import Foundation

/// The lanes a work package moves through (spec-kitty 3.2.7's `Lane`).
public enum Lane: String, CaseIterable, Sendable, Codable {
  case genesis
  case uninitialized
  case planned
  case claimed
  case inProgress = "in_progress"
  case forReview = "for_review"
  case inReview = "in_review"
  case approved
  case done
  case blocked
  case canceled

  /// The nine lanes shown on boards and counted in summaries, in spec-kitty's display order.
  public static let display: [Lane] = [
    .planned, .claimed, .inProgress, .forReview, .inReview, .approved, .done, .blocked, .canceled,
  ]

  /// Parses a lane name as written in the event log (exact, no aliases).
  public init?(logValue: String) {
    self.init(rawValue: logValue)
  }

  /// Parses a lane given by a person or orchestrator: trimmed, lower-cased, `doing` = `in_progress`.
  public init?(userValue: String) {
    // A lane's own name (what the fold holds) needs no trimming: Foundation's costs ~1 µs a call through NSString.
    if let lane = Lane(rawValue: userValue) {
      self = lane
      return
    }
    let normalised = userValue.trimmingCharacters(in: .whitespaces).lowercased()
    if normalised == "doing" {
      self = .inProgress
      return
    }
    self.init(rawValue: normalised)
  }

  /// Lanes that count as "not started" for readiness.
  public var isNotStarted: Bool { self == .planned || self == .genesis || self == .uninitialized }

  public var isDisplay: Bool { Lane.display.contains(self) }
}
