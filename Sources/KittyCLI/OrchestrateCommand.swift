import ArgumentParser
import Foundation
import KittyCore
import KittyExecutors
import KittyHost
import KittyOrchestrator

/// Flags shared by orchestrate and resume.
struct RunOptions: ParsableArguments {
  @Option(name: .customLong("impl-agent"), help: "Implementation agent; repeat for the fallback order.")
  var implAgents: [String] = []
  @Option(name: .customLong("review-agent"), help: "Review agent; repeat for the fallback order.")
  var reviewAgents: [String] = []
  @Option(name: .long, help: "How many WPs run at once.") var maxConcurrent: Int?
  @Option(name: .long, help: "The identity recorded on host events.") var actor: String?
  @Option(name: .long, help: "native (in-process, default) or spec-kitty (the Python host).") var host: String?
  @Flag(name: .long, help: "Accept and merge the mission when every WP is approved.") var merge = false
  @Option(name: .long, help: "Branch merge-mission merges into (default: the mission's target).") var target: String?
  @Option(name: .long, help: "merge, squash or rebase.") var strategy: String?
  @Flag(
    name: .long,
    help: ArgumentHelp(
      "With --merge: land the approved lanes without the host's acceptance (spec-kitty 4.0 refuses to accept "
        + "a mission whose claims were made through orchestrator-api)."))
  var skipAcceptance = false
  @Option(name: .long, help: "Start no new agent run once the run has spent this many US dollars.")
  var maxCostUsd: Double?
  @Option(name: .long, help: "When the budget is spent: finish (running agents end their run) or stop them.")
  var onBudget: String?
  @Option(
    name: .long,
    help: "bwrap (each agent confined to its lane) or none (default: [sandbox] mode, else bwrap when it works here).")
  var sandbox: String?
  @Option(
    name: .long,
    help:
      "local (agents run here, default) or slurm (each agent run is a Slurm job; [executor.slurm], docs/cluster.md).")
  var executor: String?
  @Flag(name: .long, help: "One JSON object per event on stdout (NDJSON).") var json = false

  func validate() throws {
    if let maxConcurrent, maxConcurrent < 1 { throw ValidationError("--max-concurrent must be at least 1") }
    if let actor, actor.trimmingCharacters(in: .whitespaces).isEmpty {
      throw ValidationError("--actor is empty: give the identity recorded on host events, e.g. --actor git-kitty")
    }
    if let host, HostKind(rawValue: host) == nil { throw ValidationError("--host is native or spec-kitty") }
    if let maxCostUsd, !(maxCostUsd > 0) { throw ValidationError("--max-cost-usd must be a positive amount") }
    if let sandbox, SandboxMode(rawValue: sandbox) == nil { throw ValidationError("--sandbox is bwrap or none") }
    if let executor, ExecutorKind(rawValue: executor) == nil { throw ValidationError("--executor is local or slurm") }
    if let onBudget, BudgetAction(rawValue: onBudget) == nil { throw ValidationError("--on-budget is finish or stop") }
    if let strategy, !["merge", "squash", "rebase"].contains(strategy) {
      throw ValidationError("--strategy is merge, squash or rebase")
    }
  }
}

enum RunSupport {
  static func sink(json: Bool) -> ProgressSink {
    if json { return JSONProgress() }
    if isatty(2) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb" {
      return TableProgress(color: ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
    }
    return LineProgress()
  }

  static func options(_ run: RunOptions, root: String, mission: String, config: OrchestratorConfig, saved: RunState?)
    -> OrchestrateOptions
  {
    var options = OrchestrateOptions(root: root, mission: mission, config: config)
    let savedOptions = saved?.options ?? SavedRunOptions()
    if !run.implAgents.isEmpty {
      options.implementationAgents = run.implAgents
    } else if !savedOptions.implementationAgents.isEmpty {
      options.implementationAgents = savedOptions.implementationAgents
    }
    if !run.reviewAgents.isEmpty {
      options.reviewAgents = run.reviewAgents
    } else if !savedOptions.reviewAgents.isEmpty {
      options.reviewAgents = savedOptions.reviewAgents
    } else if !run.implAgents.isEmpty && config.singleAgentMode {
      options.reviewAgents = run.implAgents
    }
    options.maxConcurrent = run.maxConcurrent ?? savedOptions.maxConcurrent ?? config.maxConcurrentWPs
    options.actor = run.actor ?? saved?.actor ?? "git-kitty"
    options.hostKind = (run.host ?? saved?.host).flatMap(HostKind.init(rawValue:)) ?? .native
    options.merge = run.merge || savedOptions.merge
    options.target = run.target ?? savedOptions.target
    options.strategy = run.strategy ?? savedOptions.strategy
    options.skipAcceptance = run.skipAcceptance || savedOptions.skipAcceptance
    options.maxCostUSD = run.maxCostUsd ?? savedOptions.maxCostUSD ?? config.maxCostUSD
    options.sandbox = run.sandbox.flatMap(SandboxMode.init(rawValue:)) ?? savedOptions.sandbox
    options.executor = run.executor.flatMap(ExecutorKind.init(rawValue:)) ?? savedOptions.executor
    options.onBudget = run.onBudget.flatMap(BudgetAction.init(rawValue:)) ?? savedOptions.onBudget ?? config.onBudget
    return options
  }

  /// Runs to the end (RunLauncher) and exits with the run's status; the summary goes to stderr (NDJSON keeps stdout).
  static func execute(_ options: OrchestrateOptions, slug: String, json: Bool, resuming: RunState?) async throws {
    let result: RunResult
    do {
      result = try await RunLauncher.run(options, slug: slug, sink: sink(json: json), resuming: resuming) {
        FileHandle.standardError.write(Data(($0 + "\n").utf8))
      }
    } catch let refusal as RunLauncher.CannotStart {
      throw ValidationError(refusal.description)
    }
    FileHandle.standardError.write(Data("\n\(result.summary)\n".utf8))
    if result.exitCode != 0 { throw ExitCode(result.exitCode) }
  }
}

/// `git kitty orchestrate --mission M`: implement and review every WP with agent CLIs.
struct OrchestrateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "orchestrate",
    abstract: "Drive every WP of a mission through implementation and review with AI agent CLIs.")
  @Option(name: .long, help: "Mission handle (slug, mid8, ULID or human slug).") var mission: String
  @Flag(name: .long, help: "Check everything and change nothing.") var dryRun = false
  @OptionGroup var runOptions: RunOptions

  func run() async throws {
    try await Console.run {
      let repository = try HostRepository.locate(from: Console.currentDirectory)
      let config = try OrchestratorConfig.load(root: repository.root)
      let slug = try? repository.mission(mission).slug
      let options = RunSupport.options(runOptions, root: repository.root, mission: mission, config: config, saved: nil)
      if dryRun {
        let report = await Preflight.check(
          options: options, host: options.hostKind.make(root: repository.root), slug: slug)
        for note in report.notes { print("ok       \(note)") }
        for problem in report.problems { print("PROBLEM  \(problem)") }
        print(
          report.ok ? "dry run: ready to orchestrate \(slug ?? mission); nothing was changed" : "dry run: not ready")
        if !report.ok { throw ExitCode(1) }
        return
      }
      guard let slug else { throw ValidationError("mission \(mission) not found in kitty-specs/") }
      try await RunSupport.execute(options, slug: slug, json: runOptions.json, resuming: nil)
    }
  }
}

/// `git kitty resume`: continue the last run, adopting WPs left in flight.
struct ResumeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "resume",
    abstract: "Continue the last run: kill orphaned agents, adopt in-flight WPs, go on.")
  @OptionGroup var runOptions: RunOptions

  func run() async throws {
    try await Console.run {
      let repository = try HostRepository.locate(from: Console.currentDirectory)
      try RunState.check(root: repository.root)
      guard let saved = RunState.load(root: repository.root) else {
        throw ValidationError("no previous run in this repository (\(RunState.fileName) is missing)")
      }
      let config = try OrchestratorConfig.load(root: repository.root)
      let options = RunSupport.options(
        runOptions, root: repository.root, mission: saved.mission, config: config, saved: saved)
      try await RunSupport.execute(options, slug: saved.mission, json: runOptions.json, resuming: saved)
    }
  }
}
