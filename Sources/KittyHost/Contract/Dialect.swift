/// Which orchestrator-api dialect one call speaks: spec-kitty 3.2.7's (contract 1.5.0), or the older one of the
/// seed-003 guide (`build-a-custom-orchestrator`: `feature-state`, `--feature`, `--json`, spoken last by
/// spec-kitty 1.0.3). 3.2.7 refuses every marker of the old dialect, so telling them apart never changes what a
/// 3.2.7 caller gets.
public enum Dialect: Sendable, Equatable {
  case current
  case seed003

  /// The old verb names and the verbs they are.
  /// The verb an old name stands for. (A switch: a static dictionary's first use cost ~0.4 ms of type metadata.)
  static func legacyVerb(_ name: String) -> Verb? {
    switch name {
    case "feature-state": return .missionState
    case "accept-feature": return .acceptMission
    case "merge-feature": return .mergeMission
    default: return nil
    }
  }
  static let legacyFlags: Set<String> = ["--json", "--no-json", "--feature"]

  /// The old dialect when the verb has an old name or an option is `--json`, `--no-json` or `--feature`.
  public static func detect(_ arguments: [String]) -> Dialect {
    guard let verb = arguments.first else { return .current }
    if legacyVerb(verb) != nil { return .seed003 }
    let options = arguments.dropFirst().prefix { $0 != "--" }
    if options.contains(where: { legacyFlags.contains(String($0.split(separator: "=", maxSplits: 1).first ?? "")) }) {
      return .seed003
    }
    return .current
  }

  /// The `contract_version` (and `api_version`) this dialect reports.
  public var contractVersion: String { self == .seed003 ? Seed003.apiVersion : Envelope.contractVersion }
}

extension Verb {
  /// The verb's options in `dialect`. The seed-003 dialect names the mission `--feature` (`--mission` is still
  /// understood), takes `--json`/`--no-json` (no-ops: the output is always JSON, as in 1.0.3) and offers only
  /// 1.0.3's options of `transition`.
  public func options(for dialect: Dialect) -> [OptionSpec] {
    guard dialect == .seed003 else { return options }
    let dropped: Set<String> = [
      "--review-result-json", "--evidence-json", "--subtasks-complete", "--implementation-evidence-present",
    ]
    var specs: [OptionSpec] = options.filter { !dropped.contains($0.name) }.map { spec in
      guard spec.name == "--mission" else { return spec }
      var feature = OptionSpec.value(Seed003.featureOption, required: spec.required)
      feature.aliases = ["--mission"]
      return feature
    }
    specs += [.flag("--json"), .flag("--no-json")]
    return specs
  }
}
