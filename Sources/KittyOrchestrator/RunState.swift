import Foundation
import KittyCore
import KittyExecutors

extension AgentUsage {
  var json: JSONValue {
    [
      "input_tokens": .int(inputTokens), "output_tokens": .int(outputTokens),
      "cached_input_tokens": .int(cachedInputTokens), "cost_usd": costUSD.map { .double($0) } ?? .null,
    ]
  }

  init?(json: JSONValue) {
    guard json.objectValue != nil else { return nil }
    self.init(
      inputTokens: json["input_tokens"]?.intValue ?? 0, outputTokens: json["output_tokens"]?.intValue ?? 0,
      cachedInputTokens: json["cached_input_tokens"]?.intValue ?? 0, costUSD: json["cost_usd"]?.doubleValue)
  }
}

/// What the orchestrator knows about one WP in the current run (the host owns lanes).
public struct WPRunState: Sendable, Equatable {
  public var phase: String = "waiting"
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
  /// The scheduler job running its agent (cluster executors) and the node it runs on.
  public var job: String?
  public var node: String?

  var json: JSONValue {
    [
      "phase": .string(phase), "agent": .optional(agent), "role": .optional(role), "attempt": .int(attempt),
      "cycle": .int(cycle), "retries": .int(retries), "started_at": .optional(startedAt),
      "updated_at": .optional(updatedAt), "pid": pid.map { .int(Int($0)) } ?? .null,
      "pid_start": pidStart.map { .int(Int($0)) } ?? .null, "log": .optional(log),
      "last_error": .optional(lastError), "feedback": .optional(feedback), "agents_tried": .strings(agentsTried),
      "claim_head": .optional(claimHead), "session": .optional(session), "session_agent": .optional(sessionAgent),
      "usage": usage.map(\.json) ?? .null, "reviewer_changes": .optional(reviewerChanges),
      "job": .optional(job), "node": .optional(node),
    ]
  }

  init() {}

  init(json: JSONValue) {
    phase = json["phase"]?.stringValue ?? "waiting"
    agent = json["agent"]?.stringValue
    role = json["role"]?.stringValue
    attempt = json["attempt"]?.intValue ?? 0
    cycle = json["cycle"]?.intValue ?? 0
    retries = json["retries"]?.intValue ?? 0
    startedAt = json["started_at"]?.stringValue
    updatedAt = json["updated_at"]?.stringValue
    pid = json["pid"]?.intValue.map(Int32.init)
    log = json["log"]?.stringValue
    lastError = json["last_error"]?.stringValue
    feedback = json["feedback"]?.stringValue
    agentsTried = json["agents_tried"]?.arrayValue?.compactMap(\.stringValue) ?? []
    claimHead = json["claim_head"]?.stringValue
    pidStart = json["pid_start"]?.intValue.map { UInt64($0) }
    session = json["session"]?.stringValue
    sessionAgent = json["session_agent"]?.stringValue
    usage = json["usage"].flatMap(AgentUsage.init(json:))
    job = json["job"]?.stringValue
    node = json["node"]?.stringValue
    reviewerChanges = json["reviewer_changes"]?.stringValue
  }
}

/// `.kittify/orchestrator-run-state.json`: the last run, written atomically (temp file, fsync, rename,
/// fsync dir) after every change.
public struct RunState: Sendable, Equatable {
  public static let fileName = ".kittify/orchestrator-run-state.json"
  public static let schema = 1

  public var runID: String
  public var mission: String
  /// running, completed, attention (finished with WPs that need a person), failed, aborted, interrupted.
  public var state: String
  public var pid: Int32
  public var startedAt: String
  public var updatedAt: String
  public var host: String
  public var actor: String
  public var options: JSONObject
  public var wps: [String: WPRunState]
  public var summary: String?

  /// Tokens and cost of every agent run of this run (all WPs).
  public var usage: AgentUsage { wps.values.compactMap(\.usage).reduce(AgentUsage(), +) }

  public init(mission: String, host: String, actor: String, options: JSONObject) {
    runID = ULID.make().lowercased()
    self.mission = mission
    state = "running"
    pid = getpid()
    startedAt = Timestamp.isoNow()
    updatedAt = startedAt
    self.host = host
    self.actor = actor
    self.options = options
    wps = [:]
  }

  public var json: JSONValue {
    var wpObject = JSONObject()
    for key in wps.keys.sorted() { wpObject[key] = wps[key]!.json }
    return [
      "schema": .int(Self.schema), "run_id": .string(runID), "mission": .string(mission), "state": .string(state),
      "pid": .int(Int(pid)), "started_at": .string(startedAt), "updated_at": .string(updatedAt),
      "host": .string(host), "actor": .string(actor), "options": .object(options), "wps": .object(wpObject),
      "summary": .optional(summary), "usage": usage.json,
    ]
  }

  public static func path(root: String) -> String { "\(root)/\(fileName)" }

  public static func load(root: String) -> RunState? {
    guard let data = FileManager.default.contents(atPath: path(root: root)),
      let value = try? JSONParser.parse([UInt8](data)), let mission = value["mission"]?.stringValue
    else { return nil }
    var state = RunState(
      mission: mission, host: value["host"]?.stringValue ?? "native", actor: value["actor"]?.stringValue ?? "git-kitty",
      options: value["options"]?.objectValue ?? [:])
    state.runID = value["run_id"]?.stringValue ?? state.runID
    state.state = value["state"]?.stringValue ?? "interrupted"
    state.pid = Int32(value["pid"]?.intValue ?? 0)
    state.startedAt = value["started_at"]?.stringValue ?? state.startedAt
    state.updatedAt = value["updated_at"]?.stringValue ?? state.updatedAt
    state.summary = value["summary"]?.stringValue
    for (key, item) in value["wps"]?.objectValue ?? [:] { state.wps[key] = WPRunState(json: item) }
    return state
  }

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
