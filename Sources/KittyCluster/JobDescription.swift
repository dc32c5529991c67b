import Foundation
import KittyExecutors

/// One agent run handed to a cluster: everything a node needs to run it as the local executor would, with no access
/// to the coordinator's files. Written by the coordinator, read by `git-kitty job run` on a node (JSON).
public struct JobDescription: Sendable, Equatable, Codable {
  /// Bumped when a field changes meaning: a node refuses a description newer than it understands.
  public static let currentVersion = 1

  public var version = JobDescription.currentVersion
  public var run: String
  public var mission: String
  public var wp: String
  public var role: AgentRole
  /// The role's run number within the WP (1, 2, …), as the local logs count them.
  public var attempt: Int
  public var cycle: Int
  /// The commit the job starts from: the lane branch's tip when it was submitted. Only a fast-forward of it is
  /// accepted back.
  public var base: String
  public var laneBranch: String
  /// The job exchange repository as the nodes reach it: the base is fetched from there, the result pushed there.
  public var exchange: String
  /// `refs/kitty/jobs/<run>/<WP>/<role>-<attempt>`: the job's own refs are `<prefix>/base`, `/work`, `/result`.
  public var refPrefix: String
  public var agent: AgentSpec
  public var prompt: String
  /// The lane worktree on the coordinator: where the prompt names it, the node's worktree is named instead.
  public var coordinatorWorkspace: String
  public var script: String?
  public var feedback: String?
  public var resumeSession: String?
  public var timeoutSeconds: Double
  /// nil: bwrap when it works on the node, else none.
  public var sandbox: SandboxMode?
  public var sandboxSettings: SandboxSettings
  /// Who the node's commits are by (the coordinator's git identity).
  public var authorName: String
  public var authorEmail: String

  public init(
    run: String, mission: String, wp: String, role: AgentRole, attempt: Int, cycle: Int, base: String,
    laneBranch: String, exchange: String, refPrefix: String, agent: AgentSpec, prompt: String,
    coordinatorWorkspace: String, timeoutSeconds: Double, sandbox: SandboxMode?, sandboxSettings: SandboxSettings,
    authorName: String, authorEmail: String
  ) {
    self.run = run
    self.mission = mission
    self.wp = wp
    self.role = role
    self.attempt = attempt
    self.cycle = cycle
    self.base = base
    self.laneBranch = laneBranch
    self.exchange = exchange
    self.refPrefix = refPrefix
    self.agent = agent
    self.prompt = prompt
    self.coordinatorWorkspace = coordinatorWorkspace
    self.timeoutSeconds = timeoutSeconds
    self.sandbox = sandbox
    self.sandboxSettings = sandboxSettings
    self.authorName = authorName
    self.authorEmail = authorEmail
  }

  /// `kitty-<run, first 8>-<WP>-<role>-<attempt>`: how the scheduler's queue finds the job again (resume, abort).
  public var jobName: String { Self.jobName(run: run, wp: wp, role: role, attempt: attempt) }

  public static func jobName(run: String, wp: String, role: AgentRole, attempt: Int) -> String {
    "kitty-\(run.prefix(8).lowercased())-\(wp)-\(role.rawValue)-\(attempt)"
  }

  public static func refPrefix(run: String, wp: String, role: AgentRole, attempt: Int) -> String {
    "refs/kitty/jobs/\(run)/\(wp)/\(role.rawValue)-\(attempt)"
  }

  /// Only the implementation roles bring work back; a reviewer's commits are never taken.
  public var bringsWork: Bool { role.commandRole == .implementation }

  public func encoded() -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // Every field encodes (strings, numbers, enums): this cannot fail.
    return (try? encoder.encode(self)) ?? Data()
  }

  public struct Invalid: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
  }

  public static func decode(_ data: Data) throws(Invalid) -> JobDescription {
    let decoder = JSONDecoder()
    if let probe = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let version = probe["version"] as? Int,
      version > currentVersion
    {
      throw Invalid(
        message: "the job description is version \(version); this git-kitty reads up to \(currentVersion): "
          + "install the coordinator's git-kitty on the nodes")
    }
    do {
      return try decoder.decode(JobDescription.self, from: data)
    } catch DecodingError.keyNotFound(let key, _) {
      throw Invalid(message: "the job description lacks \"\(key.stringValue)\"")
    } catch {
      throw Invalid(message: "the job description is not valid JSON of a git-kitty job: \(error.localizedDescription)")
    }
  }
}

/// What a job sends back beside its commit: the agent's outcome as the local executor reported it, and where it ran.
public struct JobResult: Sendable, Codable {
  public var version = JobDescription.currentVersion
  public var outcome: AgentOutcome
  /// The node's host name and the directory the agent worked in there.
  public var node: String
  public var directory: String
  /// The scheduler's id for the job, when it ran under one.
  public var schedulerJob: String?
  /// The commit the job pushed as its work (implementation roles), nil when the agent left the base as it was.
  public var work: String?
  /// The agent left changes without committing them and the job committed them (as the orchestrator does locally).
  public var committedLeftovers = false

  public init(outcome: AgentOutcome, node: String, directory: String) {
    self.outcome = outcome
    self.node = node
    self.directory = directory
  }

  public func encoded() -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return (try? encoder.encode(self)) ?? Data()
  }

  public static func decode(_ data: Data) -> JobResult? {
    let decoder = JSONDecoder()
    return try? decoder.decode(JobResult.self, from: data)
  }
}
