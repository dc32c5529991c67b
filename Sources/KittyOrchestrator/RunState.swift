import Foundation
import KittyCore
import KittyExecutors

/// What the orchestrator knows about one WP in the current run (the host owns lanes). Stored under its WP id in
/// the run state's `wps`, with snake_case keys; a key an older git-kitty did not write takes its default.
public struct WPRunState: Sendable, Equatable, Codable {
  /// Where the orchestrator is with the WP. Settled phases (`isSettled`) have no agent running.
  public enum Phase: String, Sendable, Codable, CaseIterable {
    case waiting, implementing, reviewing, reworking, done, blocked, failed

    /// No agent works on the WP in this phase (the clock of its elapsed time stops).
    public var isSettled: Bool { self == .waiting || self == .done || self == .blocked || self == .failed }
    /// The WP needs a person.
    public var isStuck: Bool { self == .blocked || self == .failed }
  }

  public var phase = Phase.waiting
  public var agent: String?
  public var role: String?
  public var attempt = 0
  public var cycle = 0
  public var retries = 0
  public var startedAt: String?
  public var updatedAt: String?
  public var pid: Int32?
  /// When that process started (clock ticks since boot, /proc/<pid>/stat), to tell it from a reused pid.
  public var pidStart: UInt64?
  public var log: String?
  public var lastError: String?
  public var feedback: String?
  public var agentsTried: [String] = []
  /// The lane worktree's HEAD when the WP was claimed: what a resumed implementer's work is measured against.
  public var claimHead: String?
  /// The implementer's CLI session (continued on rework where the CLI can) and which agent it belongs to.
  public var session: String?
  public var sessionAgent: String?
  /// Tokens and cost of every agent run of this WP so far.
  public var usage: AgentUsage?
  /// What the last reviewer changed and where git-kitty put it aside.
  public var reviewerChanges: String?
  /// The scheduler's id of the job running this WP's agent (cluster executor), and the node it runs on. Written
  /// only when set, so run states without a cluster read as before.
  public var job: String?
  public var node: String?

  public init() {}

  enum CodingKeys: String, CodingKey {
    case phase, agent, role, attempt, cycle, retries
    case startedAt = "started_at"
    case updatedAt = "updated_at"
    case pid
    case pidStart = "pid_start"
    case log
    case lastError = "last_error"
    case feedback
    case agentsTried = "agents_tried"
    case claimHead = "claim_head"
    case session
    case sessionAgent = "session_agent"
    case usage
    case reviewerChanges = "reviewer_changes"
    case job, node
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    phase = try c.decodeIfPresent(Phase.self, forKey: .phase) ?? .waiting
    agent = try c.decodeIfPresent(String.self, forKey: .agent)
    role = try c.decodeIfPresent(String.self, forKey: .role)
    attempt = try c.decodeIfPresent(Int.self, forKey: .attempt) ?? 0
    cycle = try c.decodeIfPresent(Int.self, forKey: .cycle) ?? 0
    retries = try c.decodeIfPresent(Int.self, forKey: .retries) ?? 0
    startedAt = try c.decodeIfPresent(String.self, forKey: .startedAt)
    updatedAt = try c.decodeIfPresent(String.self, forKey: .updatedAt)
    pid = try c.decodeIfPresent(Int32.self, forKey: .pid)
    pidStart = try c.decodeIfPresent(UInt64.self, forKey: .pidStart)
    log = try c.decodeIfPresent(String.self, forKey: .log)
    lastError = try c.decodeIfPresent(String.self, forKey: .lastError)
    feedback = try c.decodeIfPresent(String.self, forKey: .feedback)
    agentsTried = try c.decodeIfPresent([String].self, forKey: .agentsTried) ?? []
    claimHead = try c.decodeIfPresent(String.self, forKey: .claimHead)
    session = try c.decodeIfPresent(String.self, forKey: .session)
    sessionAgent = try c.decodeIfPresent(String.self, forKey: .sessionAgent)
    usage = try c.decodeIfPresent(StoredUsage.self, forKey: .usage)?.usage
    reviewerChanges = try c.decodeIfPresent(String.self, forKey: .reviewerChanges)
    job = try c.decodeIfPresent(String.self, forKey: .job)
    node = try c.decodeIfPresent(String.self, forKey: .node)
  }

  /// Every key, null when unset (as earlier versions wrote them), except `job` and `node`.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(phase, forKey: .phase)
    try c.encode(agent, forKey: .agent)
    try c.encode(role, forKey: .role)
    try c.encode(attempt, forKey: .attempt)
    try c.encode(cycle, forKey: .cycle)
    try c.encode(retries, forKey: .retries)
    try c.encode(startedAt, forKey: .startedAt)
    try c.encode(updatedAt, forKey: .updatedAt)
    try c.encode(pid, forKey: .pid)
    try c.encode(pidStart, forKey: .pidStart)
    try c.encode(log, forKey: .log)
    try c.encode(lastError, forKey: .lastError)
    try c.encode(feedback, forKey: .feedback)
    try c.encode(agentsTried, forKey: .agentsTried)
    try c.encode(claimHead, forKey: .claimHead)
    try c.encode(session, forKey: .session)
    try c.encode(sessionAgent, forKey: .sessionAgent)
    try c.encode(usage.map(StoredUsage.init), forKey: .usage)
    try c.encode(reviewerChanges, forKey: .reviewerChanges)
    try c.encodeIfPresent(job, forKey: .job)
    try c.encodeIfPresent(node, forKey: .node)
  }

  /// As `git kitty status --json` shows it.
  var json: JSONValue { (try? JSONValueEncoder().encode(self)) ?? .null }
}

/// `AgentUsage` as the run state stores it (snake_case; missing counts are 0).
struct StoredUsage: Codable {
  var usage: AgentUsage

  init(_ usage: AgentUsage) { self.usage = usage }

  enum CodingKeys: String, CodingKey {
    case inputTokens = "input_tokens"
    case outputTokens = "output_tokens"
    case cachedInputTokens = "cached_input_tokens"
    case costUSD = "cost_usd"
  }

  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    usage = AgentUsage(
      inputTokens: try c.decodeIfPresent(Int.self, forKey: .inputTokens) ?? 0,
      outputTokens: try c.decodeIfPresent(Int.self, forKey: .outputTokens) ?? 0,
      cachedInputTokens: try c.decodeIfPresent(Int.self, forKey: .cachedInputTokens) ?? 0,
      costUSD: try c.decodeIfPresent(Double.self, forKey: .costUSD))
  }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(usage.inputTokens, forKey: .inputTokens)
    try c.encode(usage.outputTokens, forKey: .outputTokens)
    try c.encode(usage.cachedInputTokens, forKey: .cachedInputTokens)
    try c.encode(usage.costUSD, forKey: .costUSD)
  }
}

extension AgentUsage {
  var json: JSONValue { (try? JSONValueEncoder().encode(StoredUsage(self))) ?? .null }
}

/// The options of a run as its state keeps them (`options` in the file), for `resume`: what the command line chose.
/// Nil and empty mean "not given" (the configuration decides again). The keys of the first format are always written
/// (null when not given); the later ones (`executor`, `skip_acceptance`) only when set, so a file of any version is
/// written back as it was read.
public struct SavedRunOptions: Sendable, Equatable, Codable {
  public var implementationAgents: [String] = []
  public var reviewAgents: [String] = []
  public var maxConcurrent: Int?
  public var merge = false
  public var target: String?
  public var strategy: String?
  public var maxCostUSD: Double?
  public var onBudget: BudgetAction?
  public var sandbox: SandboxMode?
  public var executor: ExecutorKind?
  public var skipAcceptance = false

  public init(
    implementationAgents: [String] = [], reviewAgents: [String] = [], maxConcurrent: Int? = nil, merge: Bool = false,
    target: String? = nil, strategy: String? = nil, maxCostUSD: Double? = nil, onBudget: BudgetAction? = nil,
    sandbox: SandboxMode? = nil, executor: ExecutorKind? = nil, skipAcceptance: Bool = false
  ) {
    self.implementationAgents = implementationAgents
    self.reviewAgents = reviewAgents
    self.maxConcurrent = maxConcurrent
    self.merge = merge
    self.target = target
    self.strategy = strategy
    self.maxCostUSD = maxCostUSD
    self.onBudget = onBudget
    self.sandbox = sandbox
    self.executor = executor
    self.skipAcceptance = skipAcceptance
  }

  enum CodingKeys: String, CodingKey {
    case implementationAgents = "implementation_agents"
    case reviewAgents = "review_agents"
    case maxConcurrent = "max_concurrent"
    case merge, target, strategy
    case maxCostUSD = "max_cost_usd"
    case onBudget = "on_budget"
    case sandbox, executor
    case skipAcceptance = "skip_acceptance"
  }

  /// Unknown values (a sandbox mode or executor a newer git-kitty wrote) read as "not given".
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    implementationAgents = (try? c.decodeIfPresent([String].self, forKey: .implementationAgents)) ?? []
    reviewAgents = (try? c.decodeIfPresent([String].self, forKey: .reviewAgents)) ?? []
    maxConcurrent = try? c.decodeIfPresent(Int.self, forKey: .maxConcurrent)
    merge = (try? c.decodeIfPresent(Bool.self, forKey: .merge)) == true
    target = try? c.decodeIfPresent(String.self, forKey: .target)
    strategy = try? c.decodeIfPresent(String.self, forKey: .strategy)
    maxCostUSD = try? c.decodeIfPresent(Double.self, forKey: .maxCostUSD)
    onBudget = (try? c.decodeIfPresent(String.self, forKey: .onBudget)).flatMap { $0.flatMap(BudgetAction.init) }
    sandbox = (try? c.decodeIfPresent(String.self, forKey: .sandbox)).flatMap { $0.flatMap(SandboxMode.init) }
    executor = (try? c.decodeIfPresent(String.self, forKey: .executor)).flatMap { $0.flatMap(ExecutorKind.init) }
    skipAcceptance = (try? c.decodeIfPresent(Bool.self, forKey: .skipAcceptance)) == true
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(implementationAgents, forKey: .implementationAgents)
    try c.encode(reviewAgents, forKey: .reviewAgents)
    try c.encode(maxConcurrent, forKey: .maxConcurrent)
    try c.encode(merge, forKey: .merge)
    try c.encode(target, forKey: .target)
    try c.encode(strategy, forKey: .strategy)
    try c.encode(maxCostUSD, forKey: .maxCostUSD)
    try c.encode(onBudget?.rawValue, forKey: .onBudget)
    try c.encode(sandbox?.rawValue, forKey: .sandbox)
    if let executor { try c.encode(executor.rawValue, forKey: .executor) }
    if skipAcceptance { try c.encode(true, forKey: .skipAcceptance) }
  }
}

/// `.kittify/orchestrator-run-state.json`: the last run, written atomically (temp file, rename) after every change.
/// Its keys are snake_case; a run state written by an older git-kitty loads (missing keys take their defaults).
public struct RunState: Sendable, Equatable, Codable {
  public static let fileName = ".kittify/orchestrator-run-state.json"
  public static let schema = 1

  /// How the run stands. A file that says `running` while no process holds the run lock was interrupted.
  public enum Status: String, Sendable, Codable, CaseIterable {
    case running, completed
    /// Finished with WPs that need a person.
    case attention
    case failed, aborted, interrupted
  }

  public var runID: String
  public var mission: String
  public var state: Status
  public var pid: Int32
  public var startedAt: String
  public var updatedAt: String
  public var host: String
  public var actor: String
  public var options: SavedRunOptions
  public var wps: [String: WPRunState]
  public var summary: String?
  /// The merge conflicts the last check predicted between approved lanes (or a lane and the target), one line
  /// each; written only when there are any.
  public var predictedConflicts: [String] = []

  /// Tokens and cost of every agent run of this run (all WPs).
  public var usage: AgentUsage { wps.values.compactMap(\.usage).reduce(AgentUsage(), +) }

  public init(mission: String, host: String, actor: String, options: SavedRunOptions) {
    runID = ULID.make().lowercased()
    self.mission = mission
    state = .running
    pid = getpid()
    startedAt = Timestamp.isoNow()
    updatedAt = startedAt
    self.host = host
    self.actor = actor
    self.options = options
    wps = [:]
  }

  enum CodingKeys: String, CodingKey {
    case schema
    case runID = "run_id"
    case mission, state, pid
    case startedAt = "started_at"
    case updatedAt = "updated_at"
    case host, actor, options, wps, summary, usage
    case predictedConflicts = "predicted_conflicts"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      mission: try c.decode(String.self, forKey: .mission),
      host: try c.decodeIfPresent(String.self, forKey: .host) ?? "native",
      actor: try c.decodeIfPresent(String.self, forKey: .actor) ?? "git-kitty",
      options: try c.decodeIfPresent(SavedRunOptions.self, forKey: .options) ?? SavedRunOptions())
    runID = try c.decodeIfPresent(String.self, forKey: .runID) ?? runID
    state = try c.decodeIfPresent(Status.self, forKey: .state) ?? .interrupted
    pid = try c.decodeIfPresent(Int32.self, forKey: .pid) ?? 0
    startedAt = try c.decodeIfPresent(String.self, forKey: .startedAt) ?? startedAt
    updatedAt = try c.decodeIfPresent(String.self, forKey: .updatedAt) ?? updatedAt
    summary = try c.decodeIfPresent(String.self, forKey: .summary)
    predictedConflicts = try c.decodeIfPresent([String].self, forKey: .predictedConflicts) ?? []
    wps = try c.decodeIfPresent([String: WPRunState].self, forKey: .wps) ?? [:]
  }

  /// The keys in a fixed order, the WPs sorted; `usage` (the WPs' total) is written for readers, never read back.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(Self.schema, forKey: .schema)
    try c.encode(runID, forKey: .runID)
    try c.encode(mission, forKey: .mission)
    try c.encode(state, forKey: .state)
    try c.encode(pid, forKey: .pid)
    try c.encode(startedAt, forKey: .startedAt)
    try c.encode(updatedAt, forKey: .updatedAt)
    try c.encode(host, forKey: .host)
    try c.encode(actor, forKey: .actor)
    try c.encode(options, forKey: .options)
    var wpContainer = c.nestedContainer(keyedBy: AnyWPKey.self, forKey: .wps)
    for key in wps.keys.sorted() { try wpContainer.encode(wps[key]!, forKey: AnyWPKey(stringValue: key)) }
    try c.encode(summary, forKey: .summary)
    if !predictedConflicts.isEmpty { try c.encode(predictedConflicts, forKey: .predictedConflicts) }
    try c.encode(StoredUsage(usage), forKey: .usage)
  }

  private struct AnyWPKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  public var json: JSONValue { (try? JSONValueEncoder().encode(self)) ?? .null }

  public static func path(root: String) -> String { "\(root)/\(fileName)" }

  /// The saved run, nil when there is none; throws when the file exists but is not a run state.
  public static func read(root: String) throws(RunStateUnreadable) -> RunState? {
    let path = path(root: root)
    let data: Data?
    do {
      data = try FileBytes.read(path)
    } catch {
      throw RunStateUnreadable(path: path, reason: error.detail)
    }
    guard let data else { return nil }
    let value: JSONValue
    do {
      value = try JSONParser.parse([UInt8](data))
    } catch {
      throw RunStateUnreadable(path: path, reason: "it is not valid JSON (\(error))")
    }
    guard value["mission"]?.stringValue != nil else {
      throw RunStateUnreadable(path: path, reason: "it names no mission")
    }
    do {
      return try JSONValueDecoder().decode(RunState.self, from: value)
    } catch let error as DecodingError {
      throw RunStateUnreadable(path: path, reason: "it is not a run state (\(error.summary))")
    } catch {
      throw RunStateUnreadable(path: path, reason: "it is not a run state (\(error))")
    }
  }

  /// The saved run, nil when there is none or it cannot be used (`check` says why).
  public static func load(root: String) -> RunState? { try? read(root: root) }

  public func save(root: String) {
    let path = Self.path(root: root)
    try? FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    // Atomic but not fsynced: it is rewritten at every step of every WP, and a resume after a power loss reads the
    // host's lanes anyway; an fsync per step cost more than the rest of git-kitty's work per agent run.
    try? AtomicFile.write(
      Data((JSONWriter(indent: 2, sortKeys: false, ensureASCII: false).string(json) + "\n").utf8), to: path,
      durable: false)
  }
}

/// One orchestrator per repository: an exclusive flock on `.kittify/orchestrator.lock`, whose content names the
/// holder. The kernel releases it if the process dies.
public final class RunLock {
  public static let fileName = ".kittify/orchestrator.lock"
  private let lock: FileLock

  public struct Held: Error, CustomStringConvertible {
    public let holder: String
    public var description: String {
      "another git kitty orchestrate is running in this repository (\(holder)); stop it with git kitty abort, or wait"
    }
  }

  public init(root: String, runID: String, mission: String) throws {
    let path = "\(root)/\(Self.fileName)"
    do {
      lock = try FileLock(path: path, timeout: 0)
    } catch {
      let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingWhitespace ?? "unknown holder"
      throw Held(holder: holder.isEmpty ? "pid unknown" : holder)
    }
    let body = "pid \(getpid()) run \(runID) mission \(mission) since \(Timestamp.isoNow())\n"
    if let handle = FileHandle(forWritingAtPath: path) {
      handle.truncateFile(atOffset: 0)
      handle.write(Data(body.utf8))
      try? handle.synchronize()
      try? handle.close()
    }
  }

  /// Whether some process holds the lock right now, and what it wrote.
  public static func holder(root: String) -> String? {
    let path = "\(root)/\(fileName)"
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    if let probe = try? FileLock(path: path, timeout: 0) {
      probe.unlock()
      return nil
    }
    return (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingWhitespace ?? "unknown"
  }

  public func release() { lock.unlock() }
}
