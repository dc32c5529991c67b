import Foundation
import KittyCore

/// Why the saved run state cannot be used. `RunState.load` answers nil for a missing file and for a corrupt one
/// alike; the commands that read it check first, so a corrupt record is reported as corrupt, not as absent.
public struct RunStateUnreadable: Error, Sendable, CustomStringConvertible, LocalizedError {
  public let path: String
  public let reason: String
  public var description: String {
    "\(path) cannot be used: \(reason). It is only the orchestrator's record of its last run (the mission's "
      + "status is in its event log): move it away and start a new run with git kitty orchestrate --mission <slug>"
  }
  public var errorDescription: String? { description }
}

extension RunState {
  /// Throws when the run-state file exists but cannot be read or is not a run state; nothing when it is missing.
  public static func check(root: String) throws(RunStateUnreadable) { _ = try read(root: root) }
}
