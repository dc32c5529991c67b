/// The orchestrator-api verbs of contract 1.5.0 and their options (spec-kitty 3.2.7's declarations).
public enum Verb: String, CaseIterable, Sendable {
  case contractVersion = "contract-version"
  case missionState = "mission-state"
  case listReady = "list-ready"
  case resolveWorkspace = "resolve-workspace"
  case startImplementation = "start-implementation"
  case startReview = "start-review"
  case transition
  case appendHistory = "append-history"
  case acceptMission = "accept-mission"
  case mergeMission = "merge-mission"

  /// spec-kitty's design-phase verbs (contract 1.4.0+), which git-kitty's host does not serve.
  public static let designPhase = [
    "specify", "plan", "tasks", "check-prerequisites", "record-analysis", "open-decision", "resolve-decision",
    "defer-decision", "cancel-decision", "answer-decision", "design-status",
  ]

  public var options: [OptionSpec] {
    switch self {
    case .contractVersion: return [.value("--provider-version")]
    case .missionState, .listReady: return [.value("--mission", required: true)]
    case .resolveWorkspace: return [.value("--mission", required: true), .value("--wp", required: true)]
    case .startImplementation:
      return [
        .value("--mission", required: true), .value("--wp", required: true), .value("--actor", required: true),
        .value("--policy"),
      ]
    case .startReview:
      return [
        .value("--mission", required: true), .value("--wp", required: true), .value("--actor", required: true),
        .value("--policy"), .value("--review-ref"),
      ]
    case .transition:
      return [
        .value("--mission", required: true), .value("--wp", required: true), .value("--to", required: true),
        .value("--actor", required: true), .value("--note"), .value("--policy"), .flag("--force"),
        .value("--review-ref"), .value("--review-result-json"), .value("--evidence-json"),
        // Plain flags, as 3.2.7 declares them: `--no-subtasks-complete` is a usage error there.
        .flag("--subtasks-complete"), .flag("--implementation-evidence-present"),
      ]
    case .appendHistory:
      return [
        .value("--mission", required: true), .value("--wp", required: true), .value("--actor", required: true),
        .value("--note", required: true),
      ]
    case .acceptMission: return [.value("--mission", required: true), .value("--actor", required: true)]
    case .mergeMission:
      // --allow-partial is git-kitty's: merge the finished lanes while others have no approved or done WP.
      return [
        .value("--mission", required: true), .value("--target"), .value("--strategy"), .flag("--push"),
        .flag("--allow-partial"),
      ]
    }
  }
}
