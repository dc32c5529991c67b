import Foundation
import KittyCluster
import KittyCore
import KittyExecutors
import TOMLKit

/// `.kittify/orchestrator.toml` (the reference orchestrator's keys), with command-line flags overriding
/// the file only when they are given.
public struct OrchestratorConfig: Sendable, Equatable {
  public var maxConcurrentWPs = 4
  public var implementationAgents = ["claude-code"]
  public var reviewAgents = ["claude-code"]
  /// Retries per agent before falling back to the next one.
  public var maxRetries = 2
  public var timeoutSeconds: Double = 3600
  public var singleAgentMode = false
  /// Review cycles before a WP is blocked with the last feedback.
  public var maxReviewCycles = 3
  /// Per-agent settings from `[agents.<id>]` tables.
  public var agentSettings: [String: AgentCatalog.Settings] = [:]
  /// `[agents] retry_backoff_seconds`: the first wait before a retry (it doubles each time; rate limits wait 5x).
  public var retryBackoffSeconds: Double = 2
  /// `max_cost_usd`: no new agent run starts once the run has spent this much.
  public var maxCostUSD: Double?
  /// `on_budget`: finish or stop the agents still running when the budget is spent.
  public var onBudget: BudgetAction = .finish
  /// `[worktree] setup`: a shell command run once in each lane worktree before its first agent (dependencies,
  /// generated files), with `setup_timeout_seconds`.
  public var worktreeSetup: String?
  public var worktreeSetupTimeout: Double = 1800
  /// `[sandbox]`: how agents are confined (mode, network, deny_read, writable).
  public var sandbox = SandboxSettings()
  /// `[executor] kind`: where agents run (this machine, or a Slurm cluster with `[executor.slurm]`).
  public var executor: ExecutorKind = .local
  public var slurm = SlurmSettings()

  public static let fileName = ".kittify/orchestrator.toml"

  public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
  }

  public init() {}

  /// Reads the file at `<root>/.kittify/orchestrator.toml` (defaults when it does not exist). A file that exists
  /// but cannot be read, is a directory or is not UTF-8 is refused, never taken for the defaults.
  public static func load(root: String) throws(Invalid) -> OrchestratorConfig {
    let path = "\(root)/\(fileName)"
    let data: Data?
    do {
      data = try FileBytes.read(path)
    } catch {
      throw Invalid(message: "\(error.description); fix or remove \(fileName)")
    }
    guard let data else { return OrchestratorConfig() }
    guard let text = String(data: data, encoding: .utf8) else {
      throw Invalid(message: "\(path) is not UTF-8 text; save it as UTF-8 (or remove it to use the defaults)")
    }
    return try parse(text)
  }

  public static func parse(_ text: String) throws(Invalid) -> OrchestratorConfig {
    let value: JSONValue
    do {
      let table = try TOMLTable(string: text)
      value = try JSONParser.parse(table.convert(to: .json))
    } catch let error as TOMLParseError {
      throw Invalid(message: "\(fileName): line \(error.source.begin.line): \(error.description)")
    } catch {
      throw Invalid(message: "\(fileName) does not parse: \(error)")
    }
    var config = OrchestratorConfig()
    func int(_ v: JSONValue?, _ key: String) throws(Invalid) -> Int? {
      guard let v else { return nil }
      guard let i = v.intValue, i > 0 else { throw Invalid(message: "\(fileName): \(key) must be a positive integer") }
      return i
    }
    func strings(_ v: JSONValue?, _ key: String) throws(Invalid) -> [String]? {
      guard let v else { return nil }
      if let single = v.stringValue { return [single] }
      guard let items = v.arrayValue?.compactMap(\.stringValue), items.count == v.arrayValue?.count, !items.isEmpty
      else {
        throw Invalid(message: "\(fileName): \(key) must be a list of agent ids")
      }
      return items
    }
    if let n = try int(value["max_concurrent_wps"], "max_concurrent_wps") { config.maxConcurrentWPs = n }
    if let v = value["max_cost_usd"] {
      guard let cost = v.doubleValue, cost > 0 else {
        throw Invalid(message: "\(fileName): max_cost_usd must be a positive number of US dollars")
      }
      config.maxCostUSD = cost
    }
    if let action: BudgetAction = try choice(value["on_budget"], "on_budget") { config.onBudget = action }
    if case .object(let agents)? = value["agents"] {
      if let list = try strings(agents["implementation"], "agents.implementation") {
        config.implementationAgents = list
      }
      if let list = try strings(agents["review"], "agents.review") { config.reviewAgents = list }
      if let v = agents["max_retries"] {
        guard let n = v.intValue, n >= 0 else { throw Invalid(message: "\(fileName): agents.max_retries must be >= 0") }
        config.maxRetries = n
      }
      if let v = agents["timeout_seconds"] {
        guard let n = v.intValue.map(Double.init) ?? (v.isNull ? nil : Double(EventLogReader.pythonString(v))), n > 0
        else {
          throw Invalid(message: "\(fileName): agents.timeout_seconds must be a positive number")
        }
        config.timeoutSeconds = n
      }
      if let v = agents["retry_backoff_seconds"] {
        guard let n = v.doubleValue, n >= 0 else {
          throw Invalid(message: "\(fileName): agents.retry_backoff_seconds must be a number of seconds >= 0")
        }
        config.retryBackoffSeconds = n
      }
      if let v = agents["single_agent_mode"] {
        guard let b = v.boolValue else {
          throw Invalid(message: "\(fileName): agents.single_agent_mode must be true or false")
        }
        config.singleAgentMode = b
      }
      if let n = try int(agents["max_review_cycles"], "agents.max_review_cycles") { config.maxReviewCycles = n }
      for (key, item) in agents {
        guard case .object(let table) = item else { continue }
        var settings = AgentCatalog.Settings()
        settings.command = table["command"]?.stringValue
        settings.args = try strings(table["args"], "agents.\(key).args")
        settings.reviewArgs = try strings(table["review_args"], "agents.\(key).review_args")
        settings.model = table["model"]?.stringValue
        settings.promptVia = table["prompt_via"]?.stringValue
        settings.output = table["output"]?.stringValue
        if let t = table["timeout_seconds"]?.intValue { settings.timeoutSeconds = Double(t) }
        if let v = table["resume"] {
          guard let resume = v.boolValue else {
            throw Invalid(message: "\(fileName): agents.\(key).resume must be true or false")
          }
          settings.resume = resume
        }
        if let v = table["network"] {
          guard let network = v.stringValue.flatMap(SandboxNetwork.init(rawValue:)) else {
            throw Invalid(message: "\(fileName): agents.\(key).network must be \"shared\" or \"none\"")
          }
          settings.network = network
        }
        for (name, v) in table["env"]?.objectValue ?? [:] { settings.env[name] = EventLogReader.pythonString(v) }
        config.agentSettings[key] = settings
      }
    }
    if let worktree = value["worktree"] {
      guard case .object(let table) = worktree else {
        throw Invalid(message: "\(fileName): [worktree] must be a table")
      }
      if let v = table["setup"] {
        guard let command = v.stringValue, !command.trimmingWhitespace.isEmpty else {
          throw Invalid(message: "\(fileName): worktree.setup must be a shell command (a non-empty string)")
        }
        config.worktreeSetup = command
      }
      if let n = try int(table["setup_timeout_seconds"], "worktree.setup_timeout_seconds") {
        config.worktreeSetupTimeout = Double(n)
      }
    }
    if let sandbox = value["sandbox"] {
      config.sandbox = try parseSandbox(sandbox)
    }
    if let executor = value["executor"] {
      try parseExecutor(executor, into: &config)
    }
    return config
  }

  /// One of an enum's values by name; nil when the key is absent, else an error that lists the names.
  static func choice<T: RawRepresentable & CaseIterable>(_ value: JSONValue?, _ key: String) throws(Invalid) -> T?
  where T.RawValue == String {
    guard let value else { return nil }
    guard let chosen = value.stringValue.flatMap(T.init(rawValue:)) else {
      let names = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
      throw Invalid(message: "\(fileName): \(key) must be \(names)")
    }
    return chosen
  }

  static func parseSandbox(_ value: JSONValue) throws(Invalid) -> SandboxSettings {
    guard case .object(let table) = value else { throw Invalid(message: "\(fileName): [sandbox] must be a table") }
    var settings = SandboxSettings()
    if let mode: SandboxMode = try choice(table["mode"], "sandbox.mode") { settings.mode = mode }
    if let network: SandboxNetwork = try choice(table["network"], "sandbox.network") { settings.network = network }
    func paths(_ key: String) throws(Invalid) -> [String] {
      guard let v = table[key] else { return [] }
      guard let items = v.arrayValue?.compactMap(\.stringValue), items.count == v.arrayValue?.count,
        !items.contains(where: \.isEmpty)
      else {
        throw Invalid(message: "\(fileName): sandbox.\(key) must be a list of paths")
      }
      return items
    }
    settings.denyRead = try paths("deny_read")
    settings.writable = try paths("writable")
    return settings
  }

  static func parseExecutor(_ value: JSONValue, into config: inout OrchestratorConfig) throws(Invalid) {
    guard case .object(let table) = value else { throw Invalid(message: "\(fileName): [executor] must be a table") }
    if let kind: ExecutorKind = try choice(table["kind"], "executor.kind") { config.executor = kind }
    guard let slurm = table["slurm"] else { return }
    guard case .object(let settings) = slurm else {
      throw Invalid(message: "\(fileName): [executor.slurm] must be a table")
    }
    let known = [
      "partition", "time_limit", "sbatch_args", "repository", "git_kitty", "work_directory", "cpus_per_job",
      "poll_seconds",
    ]
    if let unknown = settings.keys.sorted().first(where: { !known.contains($0) }) {
      throw Invalid(
        message: "\(fileName): executor.slurm.\(unknown) is not a setting (known: \(known.joined(separator: ", ")))")
    }
    func text(_ key: String) throws(Invalid) -> String? {
      guard let v = settings[key] else { return nil }
      guard let s = v.stringValue, !s.trimmingWhitespace.isEmpty else {
        throw Invalid(message: "\(fileName): executor.slurm.\(key) must be a non-empty string")
      }
      return s
    }
    config.slurm.partition = try text("partition")
    config.slurm.timeLimit = try text("time_limit")
    config.slurm.repository = try text("repository")
    config.slurm.gitKitty = try text("git_kitty")
    if let directory = try text("work_directory") {
      guard directory.hasPrefix("/") else {
        throw Invalid(message: "\(fileName): executor.slurm.work_directory must be an absolute path on the nodes")
      }
      config.slurm.workDirectory = directory
    }
    if let v = settings["sbatch_args"] {
      guard let items = v.arrayValue?.compactMap(\.stringValue), items.count == v.arrayValue?.count else {
        throw Invalid(message: "\(fileName): executor.slurm.sbatch_args must be a list of strings")
      }
      config.slurm.sbatchArgs = items
    }
    if let v = settings["cpus_per_job"] {
      guard let n = v.intValue, n > 0 else {
        throw Invalid(message: "\(fileName): executor.slurm.cpus_per_job must be a positive integer")
      }
      config.slurm.cpusPerJob = n
    }
    if let v = settings["poll_seconds"] {
      guard let n = v.doubleValue, n >= 0.1, n <= 60 else {
        throw Invalid(message: "\(fileName): executor.slurm.poll_seconds must be a number from 0.1 to 60")
      }
      config.slurm.pollSeconds = n
    }
  }
}

/// Where a run's agents run: `--executor`, else `[executor] kind`.
public enum ExecutorKind: String, Sendable, Equatable, CaseIterable {
  case local, slurm
}
