import Foundation
import KittyBasics
import KittyCore
import Synchronization

/// Which host a run talks to.
public enum HostKind: String, Sendable, Codable, CaseIterable {
  case native
  case specKitty = "spec-kitty"
}

/// A host call that failed: the contract's error code when the host answered with one, else why there was no
/// answer (a crash, a time-out, a process that could not start).
public struct HostError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
  public enum Kind: Sendable, Equatable {
    /// The host answered with a failure envelope.
    case refused(ErrorCode?)
    /// No usable envelope: the host crashed, hung, or printed something else.
    case transport
  }
  public let kind: Kind
  public let message: String
  /// Structured fields of the failure envelope (e.g. merge-mission's `errors`).
  public let details: JSONObject

  public init(_ kind: Kind, _ message: String, details: JSONObject = [:]) {
    self.kind = kind
    self.message = message
    self.details = details
  }

  public var code: ErrorCode? {
    if case .refused(let code) = kind { return code }
    return nil
  }
  public var isTransport: Bool { kind == .transport }
  public var description: String { code.map { "\(message) (\($0.rawValue))" } ?? message }
  public var errorDescription: String? { description }
}

/// A WP as mission-state reports it.
public struct HostWorkPackage: Sendable, Equatable {
  public var id: String
  /// nil when the host reports a lane this build does not know.
  public var lane: Lane?
  public var laneName: String
  public var dependencies: [String]
  public var lastActor: String?
}

/// mission-state's answer.
public struct HostMissionState: Sendable, Equatable {
  public var workPackages: [HostWorkPackage]

  public func lane(of wp: String) -> Lane? { workPackages.first { $0.id == wp }?.lane }
  public var lanes: [String: Lane] {
    Dictionary(workPackages.compactMap { wp in wp.lane.map { (wp.id, $0) } }, uniquingKeysWith: { a, _ in a })
  }
}

/// Where a WP's work happens (resolve-workspace, start-implementation).
public struct HostWorkspace: Sendable, Equatable {
  public var workspacePath: String
  public var promptPath: String?
  public var laneBranch: String?
  public var laneBaseRef: String?
  /// start-* only: the WP was already in the requested lane.
  public var noOp: Bool
}

/// A lane move the host recorded (transition).
public struct HostLaneMove: Sendable, Equatable {
  public var wp: String
  public var from: Lane
  public var to: Lane
}

/// A note appended to a WP's history (append-history).
public struct HostHistoryEntry: Sendable, Equatable {
  public var wp: String
  public var id: String
}

/// A mission's acceptance (accept-mission): when, and its WPs in prompt-file order.
public struct HostAcceptance: Sendable, Equatable {
  public var acceptedAt: String
  public var approved: [String]
  public var done: [String]
}

/// A reviewer's recorded verdict (`--review-result-json`).
public struct HostReviewResult: Sendable, Equatable {
  public enum Verdict: String, Sendable {
    case approved
    case changesRequested = "changes_requested"
  }
  public var reviewer: String
  public var verdict: Verdict
  public var reference: String
  public var feedbackPath: String?
  /// Extra fields git-kitty records (what the reviewer changed and where it was put aside).
  public var extra: JSONObject = [:]

  public init(reviewer: String, verdict: Verdict, reference: String, feedbackPath: String? = nil) {
    self.reviewer = reviewer
    self.verdict = verdict
    self.reference = reference
    self.feedbackPath = feedbackPath
  }

  var json: String {
    var object: JSONObject = [
      "reviewer": .string(reviewer), "verdict": .string(verdict.rawValue), "reference": .string(reference),
    ]
    if let feedbackPath { object["feedback_path"] = .string(feedbackPath) }
    for (key, value) in extra { object[key] = value }
    return JSONWriter.pythonDefault.string(.object(object))
  }
}

/// One lane move.
public struct HostTransition: Sendable {
  public var mission: String
  public var wp: String
  public var to: Lane
  public var actor: String
  public var note: String?
  public var policy: String?
  public var force = false
  public var review: HostReviewResult?
  public var subtasksComplete: Bool?

  public init(mission: String, wp: String, to: Lane, actor: String) {
    self.mission = mission
    self.wp = wp
    self.to = to
    self.actor = actor
  }
}

/// merge-mission's answer.
public struct HostMergeResult: Sendable, Equatable {
  public var targetBranch: String?
  /// Things the merge kept for the user (branches, worktrees), as the host described them.
  public var kept: [String]
  /// The WPs the merge moved to done (`done_wps`; empty when the host does not say).
  public var doneWPs: [String] = []
  /// An ordered merge: the lanes it merged, and the lane it stopped at (nil when it merged them all).
  public var mergedLanes: [String] = []
  public var stop: MergeStop? = nil
}

/// What a host offers, read from its `contract-version` answer: the orchestrator probes it instead of hard-coding
/// verb names (spec-kitty 3.2.7 speaks contract 1.5.0; 4.0 speaks 1.16.0, lists its verbs and lands a mission with
/// `consolidate-mission` instead of `merge-mission`).
public struct HostCapabilities: Sendable, Equatable {
  public var contractVersion: String
  /// The verbs the host lists (`data.delivery_profile.supported`, contract 1.12 and later); nil when it lists none,
  /// as contract 1.5.0 does: then it has 1.5.0's verbs.
  public var supportedVerbs: [String]?

  public init(contractVersion: String, supportedVerbs: [String]? = nil) {
    self.contractVersion = contractVersion
    self.supportedVerbs = supportedVerbs
  }

  /// Contract 1.5.0's workflow verbs, what a host that lists nothing has.
  static let contract15Verbs = [
    "contract-version", "mission-state", "list-ready", "resolve-workspace", "start-implementation", "start-review",
    "transition", "append-history", "accept-mission", "merge-mission",
  ]

  public func supports(_ verb: String) -> Bool { (supportedVerbs ?? Self.contract15Verbs).contains(verb) }

  /// The verb that merges the approved lanes into the target: `merge-mission`, or `consolidate-mission` on a host
  /// that has only that one.
  public var landingVerb: String {
    !supports("merge-mission") && supports("consolidate-mission") ? "consolidate-mission" : "merge-mission"
  }

  /// Reads `contract-version`'s data.
  static func decode(_ data: JSONObject) throws(HostError) -> HostCapabilities {
    guard let version = data["api_version"]?.stringValue else {
      throw HostError(.transport, "the host's contract-version has no api_version")
    }
    let listed = data["delivery_profile"]?["supported"]?.arrayValue?.compactMap(\.stringValue)
    return HostCapabilities(contractVersion: version, supportedVerbs: listed)
  }
}

/// The orchestrator's only way to touch mission state (ARCHITECTURE decision 2): typed requests and results.
/// Argv and JSON exist only inside the implementations that need them (the spec-kitty client).
public protocol MissionHost: Sendable {
  var kind: HostKind { get }
  /// The host's contract version (api_version).
  func contractVersion() async throws(HostError) -> String
  /// The host's contract version and the verbs it offers (probed once per client).
  func capabilities() async throws(HostError) -> HostCapabilities
  /// Records a WP's finished subtasks where the host's in_progress → for_review guard reads them. The native host
  /// honours transition's `subtasksComplete`; spec-kitty ignores that flag and reads the subtask marks of
  /// `spec-kitty agent tasks mark-status` (host-contract.md §9.4).
  func markSubtasksDone(mission: String, wp: String, subtasks: [String]) async throws(HostError)
  func missionState(mission: String) async throws(HostError) -> HostMissionState
  /// Ready WP ids, in the host's order.
  func listReady(mission: String) async throws(HostError) -> [String]
  func resolveWorkspace(mission: String, wp: String) async throws(HostError) -> HostWorkspace
  func startImplementation(mission: String, wp: String, actor: String, policy: String) async throws(HostError)
    -> HostWorkspace
  /// Moves the WP to in_review and pins what the reviewer judges (nil when there is nothing to pin).
  func startReview(mission: String, wp: String, actor: String, policy: String, reviewRef: String?)
    async throws(HostError) -> HostReviewPin?
  func transition(_ request: HostTransition) async throws(HostError)
  func acceptMission(mission: String, actor: String) async throws(HostError)
  func mergeMission(mission: String, target: String?, strategy: String?) async throws(HostError) -> HostMergeResult
  /// The approved lanes in dependency order, as far as they merge cleanly: the lane that would conflict and those
  /// after it are left untouched and named in `stop`. A host that can only merge the whole mission does that.
  func mergeInOrder(mission: String, target: String?, strategy: String?) async throws(HostError) -> HostMergeResult
}

extension MissionHost {
  public func capabilities() async throws(HostError) -> HostCapabilities {
    HostCapabilities(contractVersion: try await contractVersion())
  }

  /// The whole mission at once, as merge-mission does (spec-kitty's hosts).
  public func mergeInOrder(mission: String, target: String?, strategy: String?) async throws(HostError)
    -> HostMergeResult
  {
    try await mergeMission(mission: mission, target: target, strategy: strategy)
  }

  /// A host whose transition honours `subtasksComplete` (the native one) needs nothing more.
  public func markSubtasksDone(mission: String, wp: String, subtasks: [String]) async throws(HostError) {}
}

/// Decoders from the contract's `data` objects: the one place the client side reads envelope fields.
enum HostDecode {
  static func missionState(_ data: JSONObject) -> HostMissionState {
    HostMissionState(
      workPackages: (data["work_packages"]?.arrayValue ?? []).compactMap { item in
        guard let id = item["wp_id"]?.stringValue else { return nil }
        let name = item["lane"]?.stringValue ?? "planned"
        return HostWorkPackage(
          id: id, lane: Lane(userValue: name), laneName: name,
          dependencies: item["dependencies"]?.arrayValue?.compactMap(\.stringValue) ?? [],
          lastActor: item["last_actor"]?.stringValue)
      })
  }

  static func ready(_ data: JSONObject) -> [String] {
    (data["ready_work_packages"]?.arrayValue ?? []).compactMap { $0["wp_id"]?.stringValue }
  }

  static func workspace(_ data: JSONObject) -> HostWorkspace {
    HostWorkspace(
      workspacePath: data["workspace_path"]?.stringValue ?? "", promptPath: data["prompt_path"]?.stringValue,
      laneBranch: data["lane_branch"]?.stringValue, laneBaseRef: data["lane_base_ref"]?.stringValue,
      noOp: data["no_op"]?.boolValue == true)
  }

  static func merge(_ data: JSONObject) -> HostMergeResult {
    HostMergeResult(
      targetBranch: data["target_branch"]?.stringValue,
      kept: (data["kept"]?.arrayValue ?? []).map { $0.stringValue ?? JSONWriter.pythonDefault.string($0) },
      doneWPs: data["done_wps"]?.arrayValue?.compactMap(\.stringValue) ?? [])
  }
}

extension HostFailure {
  var hostError: HostError {
    HostError(.refused(code), message, details: fields)
  }
}

/// The in-process host: each call is one NativeHost verb (one repository open), no subprocess.
public struct LocalHost: MissionHost {
  public let root: String
  public var kind: HostKind { .native }

  public init(root: String) {
    self.root = root
  }

  private func host() throws(HostError) -> NativeHost {
    do {
      return NativeHost(repository: try HostRepository.locate(from: root))
    } catch {
      throw error.hostError
    }
  }

  private func call<T>(_ body: (NativeHost) throws(HostFailure) -> T) throws(HostError) -> T {
    let native = try host()
    do {
      return try body(native)
    } catch {
      throw error.hostError
    }
  }

  public func contractVersion() async throws(HostError) -> String {
    Envelope.contractVersion
  }

  public func missionState(mission: String) async throws(HostError) -> HostMissionState {
    try call { host throws(HostFailure) in try host.missionState(mission: mission).value }
  }

  public func listReady(mission: String) async throws(HostError) -> [String] {
    try call { host throws(HostFailure) in try host.listReady(mission: mission).value }
  }

  public func resolveWorkspace(mission: String, wp: String) async throws(HostError) -> HostWorkspace {
    try call { host throws(HostFailure) in try host.resolveWorkspace(mission: mission, wp: wp).value }
  }

  public func startImplementation(mission: String, wp: String, actor: String, policy: String) async throws(HostError)
    -> HostWorkspace
  {
    try call { host throws(HostFailure) in
      try host.startImplementation(mission: mission, wp: wp, actor: actor, policy: policy).value
    }
  }

  public func startReview(mission: String, wp: String, actor: String, policy: String, reviewRef: String?)
    async throws(HostError) -> HostReviewPin?
  {
    try call { host throws(HostFailure) in
      try host.startReview(mission: mission, wp: wp, actor: actor, policy: policy, reviewRef: reviewRef, pin: true)
        .value
    }
  }

  public func transition(_ request: HostTransition) async throws(HostError) {
    var arguments = NativeHost.TransitionArguments(
      mission: request.mission, wp: request.wp, to: request.to.rawValue, actor: request.actor)
    arguments.note = request.note
    arguments.policy = request.policy
    arguments.force = request.force
    arguments.reviewResultJSON = request.review?.json
    arguments.subtasksComplete = request.subtasksComplete
    _ = try call { host throws(HostFailure) in try host.transition(arguments) }
  }

  public func acceptMission(mission: String, actor: String) async throws(HostError) {
    _ = try call { host throws(HostFailure) in try host.acceptMission(mission: mission, actor: actor) }
  }

  public func mergeMission(mission: String, target: String?, strategy: String?) async throws(HostError)
    -> HostMergeResult
  {
    try call { host throws(HostFailure) in
      try host.mergeMission(mission: mission, target: target, strategy: strategy, push: false).value
    }
  }

  public func mergeInOrder(mission: String, target: String?, strategy: String?) async throws(HostError)
    -> HostMergeResult
  {
    let ordered = try call { host throws(HostFailure) in
      try host.mergeInOrder(mission: mission, target: target, strategy: strategy)
    }
    var result = ordered.merged?.value ?? HostMergeResult(targetBranch: ordered.stop?.target, kept: [])
    result.mergedLanes = ordered.mergedLanes
    result.stop = ordered.stop
    return result
  }
}

/// The real Python host through its subprocess contract: tolerant of text before the envelope, tracebacks with
/// empty stdout and hangs (every call has a time-out and tears down the process group). A call that got no
/// envelope, or that spec-kitty 4.0 refused with STATUS_LOCK_HELD (a lock held past its bound), is tried once more
/// before it fails. The host's capabilities are probed once, on first need, and choose the verbs.
public struct SpecKittyClient: MissionHost {
  public let root: String
  public let executable: String
  public let timeout: Duration
  public var kind: HostKind { .specKitty }
  private let probed = CapabilityCache()

  public init(root: String, executable: String = "spec-kitty", timeout: Duration = .seconds(300)) {
    self.root = root
    self.executable = executable
    self.timeout = timeout
  }

  /// Runs one orchestrator-api verb and returns its `data`, or the failure.
  func call(_ arguments: [String]) async throws(HostError) -> JSONObject {
    try await run(["orchestrator-api"] + arguments, parse: Self.parse)
  }

  /// Runs `spec-kitty <arguments>` and parses what it printed, trying once more after a transport failure or a
  /// held lock.
  private func run(
    _ arguments: [String], parse: (String, String, ExitStatus) throws(HostError) -> JSONObject
  ) async throws(HostError) -> JSONObject {
    var lastError = HostError(.transport, "spec-kitty was not called")
    for attempt in 0..<2 {
      if attempt > 0 { try? await Task.sleep(for: .milliseconds(500)) }
      var environment = ProcessEnvironment.scrubbed()
      environment["SPEC_KITTY_NO_UPGRADE_CHECK"] = "1"
      var request = ProcessRequest(
        argv: [executable] + arguments, directory: root, environment: environment, timeout: timeout)
      request.grace = .seconds(2)
      switch await ProcessRunner.capture(request) {
      case .failure(let failure):
        throw HostError(.transport, "spec-kitty could not start: \(failure.message)")
      case .success(let captured):
        if captured.result.timedOut {
          lastError = HostError(.transport, "spec-kitty timed out after \(timeout)")
          continue
        }
        do {
          return try parse(captured.stdout, captured.stderr, captured.result.status)
        } catch {
          if error.isTransport || error.code == .statusLockHeld {
            lastError = error
            continue
          }
          throw error
        }
      }
    }
    throw lastError
  }

  /// The last stdout line that starts with `{` is the envelope (spec-kitty may print text before it).
  public static func parse(stdout: String, stderr: String, status: ExitStatus) throws(HostError) -> JSONObject {
    let line = stdout.split(separator: "\n").last { $0.hasPrefix("{") }
    guard let line, case .object(let envelope)? = try? JSONParser.parse(String(line)) else {
      let tail = stderr.split(separator: "\n").suffix(3).joined(separator: " | ")
      throw HostError(.transport, "spec-kitty printed no envelope (\(status))\(tail.isEmpty ? "" : ": \(tail)")")
    }
    let data = envelope["data"]?.objectValue ?? [:]
    if envelope["success"]?.boolValue == true { return data }
    let code = envelope["error_code"]?.stringValue
    throw HostError(
      .refused(code.flatMap(ErrorCode.init(rawValue:))),
      data["message"]?.stringValue ?? code ?? "spec-kitty refused the call", details: data)
  }

  public func contractVersion() async throws(HostError) -> String {
    try await capabilities().contractVersion
  }

  public func capabilities() async throws(HostError) -> HostCapabilities {
    if let known = probed.value { return known }
    let found = try HostCapabilities.decode(try await call(["contract-version", "--provider-version", "0.1.0"]))
    probed.value = found
    return found
  }

  /// `spec-kitty agent tasks mark-status <ids> --status done --mission <slug>` (with `--wp` on hosts that list their
  /// capabilities: 4.0 takes it, 3.2.7 refuses it). Its JSON is not an envelope: `summary.not_found` counts the ids
  /// it did not find.
  public func markSubtasksDone(mission: String, wp: String, subtasks: [String]) async throws(HostError) {
    guard !subtasks.isEmpty else { return }
    var arguments = ["agent", "tasks", "mark-status"] + subtasks + ["--status", "done", "--mission", mission]
    if try await capabilities().supportedVerbs != nil { arguments += ["--wp", wp] }
    let answer = try await run(arguments + ["--json"], parse: Self.parseMarkStatus)
    let missing = answer["summary"]?["not_found"]?.intValue ?? 0
    if missing > 0 {
      throw HostError(
        .refused(nil), "spec-kitty did not find \(missing) of \(wp)'s subtasks (\(subtasks.joined(separator: " ")))",
        details: answer)
    }
  }

  /// mark-status prints one JSON object (no envelope); a failure exits non-zero.
  static func parseMarkStatus(stdout: String, stderr: String, status: ExitStatus) throws(HostError) -> JSONObject {
    let line = stdout.split(separator: "\n").last { $0.hasPrefix("{") }
    guard let line, case .object(let object)? = try? JSONParser.parse(String(line)) else {
      let tail = stderr.split(separator: "\n").suffix(3).joined(separator: " | ")
      throw HostError(
        .transport, "spec-kitty mark-status printed no JSON (\(status))\(tail.isEmpty ? "" : ": \(tail)")")
    }
    if status != .exited(0) {
      let message = object["error"]?.stringValue ?? object["message"]?.stringValue ?? "mark-status failed (\(status))"
      throw HostError(.refused(nil), message, details: object)
    }
    return object
  }

  public func missionState(mission: String) async throws(HostError) -> HostMissionState {
    HostDecode.missionState(try await call(["mission-state", "--mission", mission]))
  }

  public func listReady(mission: String) async throws(HostError) -> [String] {
    HostDecode.ready(try await call(["list-ready", "--mission", mission]))
  }

  public func resolveWorkspace(mission: String, wp: String) async throws(HostError) -> HostWorkspace {
    HostDecode.workspace(try await call(["resolve-workspace", "--mission", mission, "--wp", wp]))
  }

  public func startImplementation(mission: String, wp: String, actor: String, policy: String) async throws(HostError)
    -> HostWorkspace
  {
    HostDecode.workspace(
      try await call([
        "start-implementation", "--mission", mission, "--wp", wp, "--actor", actor, "--policy", policy,
      ]))
  }

  public func startReview(mission: String, wp: String, actor: String, policy: String, reviewRef: String?)
    async throws(HostError) -> HostReviewPin?
  {
    var arguments = ["start-review", "--mission", mission, "--wp", wp, "--actor", actor, "--policy", policy]
    if let reviewRef { arguments += ["--review-ref", reviewRef] }
    _ = try await call(arguments)
    // spec-kitty pins nothing: the client pins right after its answer, from the same files.
    return HostReviewPin.pin(missionHandle: mission, wp: wp, root: root)
  }

  public func transition(_ request: HostTransition) async throws(HostError) {
    var arguments = [
      "transition", "--mission", request.mission, "--wp", request.wp, "--to", request.to.rawValue, "--actor",
      request.actor,
    ]
    if let note = request.note { arguments += ["--note", note] }
    if let policy = request.policy { arguments += ["--policy", policy] }
    if request.force { arguments.append("--force") }
    if let review = request.review { arguments += ["--review-result-json", review.json] }
    // spec-kitty 3.2.7 knows only the positive flag (host-contract.md §4: it ignores it, but accepts it).
    if request.subtasksComplete == true { arguments.append("--subtasks-complete") }
    _ = try await call(arguments)
  }

  public func acceptMission(mission: String, actor: String) async throws(HostError) {
    _ = try await call(["accept-mission", "--mission", mission, "--actor", actor])
  }

  public func mergeMission(mission: String, target: String?, strategy: String?) async throws(HostError)
    -> HostMergeResult
  {
    var arguments = [try await capabilities().landingVerb, "--mission", mission]
    if let target { arguments += ["--target", target] }
    if let strategy { arguments += ["--strategy", strategy] }
    return HostDecode.merge(try await call(arguments))
  }
}

/// The capabilities a client probed, shared by its copies (a client is a value; the probe happens once).
private final class CapabilityCache: Sendable {
  private let stored = Mutex<HostCapabilities?>(nil)
  var value: HostCapabilities? {
    get { stored.withLock { $0 } }
    set { stored.withLock { $0 = newValue } }
  }
}

extension HostKind {
  /// The host of this kind for the repository at `root`.
  public func make(root: String) -> any MissionHost {
    switch self {
    case .native: return LocalHost(root: root)
    case .specKitty: return SpecKittyClient(root: root)
    }
  }
}
