import Foundation
import KittyCore

/// `git kitty orchestrator-api <verb> …`: parses the verb's arguments like spec-kitty's click CLI, runs it
/// on the native host and answers with exactly one envelope line.
public enum OrchestratorAPI {
  public struct Response: Sendable {
    public let envelope: Envelope
    public let exitCode: Int32
    public var line: String { envelope.line }
  }

  public static func run(_ arguments: [String], currentDirectory: String) -> Response {
    let dialect = Dialect.detect(arguments)
    guard let first = arguments.first else {
      return usage("Missing command.")
    }
    if first.hasPrefix("-") {
      if first == "--help" || first == "-h" { return usage(helpText) }
      return usage("No such option: \(first.split(separator: "=").first.map(String.init) ?? first)")
    }
    guard let verb = Verb(rawValue: first) ?? Dialect.legacyVerb(first) else {
      if Verb.designPhase.contains(first) {
        return Response(
          envelope: .failure(
            first,
            HostFailure(
              .usageError,
              "git-kitty's host does not implement the design-phase verb '\(first)'; use spec-kitty orchestrator-api "
                + "\(first), or git kitty mission for authoring")), exitCode: 1)
      }
      let matches = CloseMatches.find(first, in: Verb.allCases.map(\.rawValue) + Verb.designPhase, ordered: true)
      if matches.isEmpty { return usage("No such command '\(first)'.", dialect) }
      return usage(
        "No such command '\(first)'. Did you mean \(matches.map { "'\($0)'" }.joined(separator: ", "))?", dialect)
    }
    let parsed: VerbArguments
    do {
      parsed = try VerbArgumentParser.parse(Array(arguments.dropFirst()), specs: verb.options(for: dialect))
    } catch {
      return respond(.failure(nil, error), dialect: dialect, exitCode: error.exitCode)
    }
    guard dialect == .seed003 else {
      do {
        let data = try execute(verb, parsed, currentDirectory: currentDirectory)
        return Response(envelope: .success(verb.rawValue, data), exitCode: 0)
      } catch {
        return Response(envelope: .failure(verb.rawValue, error), exitCode: error.exitCode)
      }
    }
    // The seed-003 dialect names the command as it was called (`feature-state`, not `mission-state`).
    do {
      let data = try Seed003.execute(verb, parsed, currentDirectory: currentDirectory)
      return respond(.success(first, data), dialect: dialect, exitCode: 0)
    } catch {
      let envelope = Envelope(
        command: "orchestrator-api.\(first)", success: false, errorCode: error.code, data: Seed003.failureData(error))
      return respond(envelope, dialect: dialect, exitCode: error.exitCode)
    }
  }

  static func respond(_ envelope: Envelope, dialect: Dialect, exitCode: Int32) -> Response {
    var envelope = envelope
    envelope.contractVersion = dialect.contractVersion
    return Response(envelope: envelope, exitCode: exitCode)
  }

  static func usage(_ message: String, _ dialect: Dialect = .current) -> Response {
    respond(.failure(nil, HostFailure(.usageError, message, exitCode: 2)), dialect: dialect, exitCode: 2)
  }

  static func execute(_ verb: Verb, _ args: VerbArguments, currentDirectory: String) throws(HostFailure)
    -> JSONObject
  {
    // contract-version needs no repository; every other verb opens it once.
    func host() throws(HostFailure) -> NativeHost {
      NativeHost(repository: try HostRepository.locate(from: currentDirectory))
    }
    switch verb {
    case .contractVersion:
      return try NativeHost.contractVersion(providerVersion: args["--provider-version"])
    case .missionState:
      return try host().missionState(mission: args["--mission"]!).data
    case .listReady:
      return try host().listReady(mission: args["--mission"]!).data
    case .resolveWorkspace:
      return try host().resolveWorkspace(mission: args["--mission"]!, wp: args["--wp"]!).data
    case .startImplementation:
      return try host().startImplementation(
        mission: args["--mission"]!, wp: args["--wp"]!, actor: args["--actor"]!, policy: args["--policy"]
      ).data
    case .startReview:
      return try host().startReview(
        mission: args["--mission"]!, wp: args["--wp"]!, actor: args["--actor"]!, policy: args["--policy"],
        reviewRef: args["--review-ref"]
      ).data
    case .transition:
      var request = NativeHost.TransitionArguments(
        mission: args["--mission"]!, wp: args["--wp"]!, to: args["--to"]!, actor: args["--actor"]!)
      request.note = args["--note"]
      request.policy = args["--policy"]
      request.force = args.flag("--force")
      request.reviewRef = args["--review-ref"]
      request.reviewResultJSON = args["--review-result-json"]
      request.evidenceJSON = args["--evidence-json"]
      request.subtasksComplete = args.optionalFlag("--subtasks-complete")
      return try host().transition(request).data
    case .appendHistory:
      return try host().appendHistory(
        mission: args["--mission"]!, wp: args["--wp"]!, actor: args["--actor"]!, note: args["--note"]!
      ).data
    case .acceptMission:
      return try host().acceptMission(mission: args["--mission"]!, actor: args["--actor"]!).data
    case .mergeMission:
      return try host().mergeMission(
        mission: args["--mission"]!, target: args["--target"], strategy: args["--strategy"], push: args.flag("--push"),
        selection: args.flag("--allow-partial") ? .finished : .all
      ).data
    }
  }

  static let helpText =
    "Usage: git kitty orchestrator-api <verb> [options]. Verbs: "
    + Verb.allCases.map(\.rawValue).joined(separator: ", ")
}
