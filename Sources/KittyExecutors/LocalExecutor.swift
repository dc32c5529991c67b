import Foundation
import KittyBasics
import KittyCore
import Synchronization

/// One agent run to make: who, in which role, where, with what prompt and limits.
public struct AgentInvocation: Sendable {
  public var spec: AgentSpec
  public var role: AgentRole
  public var wpID: String
  public var missionSlug: String
  public var attempt: Int
  public var cycle: Int
  public var paths: AgentPaths
  public var prompt: String
  public var logFile: String
  public var timeout: Double
  /// For the script agent: the shell block to run.
  public var script: String?
  public var feedback: String?
  /// Continue this CLI session (rework), when the CLI can.
  public var resumeSession: String?
  /// The orchestrator run it belongs to (cluster executors name their jobs and refs after it).
  public var runID: String?

  public init(
    spec: AgentSpec, role: AgentRole, wpID: String, missionSlug: String, attempt: Int, cycle: Int, paths: AgentPaths,
    prompt: String, logFile: String, timeout: Double, script: String? = nil, feedback: String? = nil,
    resumeSession: String? = nil
  ) {
    self.spec = spec
    self.role = role
    self.wpID = wpID
    self.missionSlug = missionSlug
    self.attempt = attempt
    self.cycle = cycle
    self.paths = paths
    self.prompt = prompt
    self.logFile = logFile
    self.timeout = timeout
    self.script = script
    self.feedback = feedback
    self.resumeSession = resumeSession
  }

  public var workspace: String { paths.workspace }
  /// The raw JSON events of a structured CLI, next to the readable log.
  public var rawFile: String { logFile.hasSuffix(".log") ? String(logFile.dropLast(4)) + ".jsonl" : logFile + ".jsonl" }
}

/// Why an agent run failed.
public enum AgentFailure: String, Sendable, Codable {
  case spawn, timeout, auth
  case rateLimit = "rate-limit"
  case server
  case crashed
  /// Stopped by an abort or a shutdown: not the agent's fault.
  case stopped
}

/// How an agent run ended, as the orchestrator needs it (Codable: a cluster job sends it back in its result).
public struct AgentOutcome: Sendable, Codable {
  public var status: ExitStatus?
  public var failure: AgentFailure?
  /// What went wrong, in the CLI's own words where it said.
  public var errorLine: String?
  public var seconds: Double
  /// From the agent's start to its exit (its output drained): the CLI's own time, without git-kitty's work around
  /// it (prompt, transcript, verdict, a sandbox's fetch-back); nil when it did not start.
  public var processSeconds: Double?
  public var verdict: Verdict?
  public var report: AgentReport
  /// What the executor wants said about the run besides its outcome (a refused push, work committed for it).
  public var notes: [String] = []

  public init(
    status: ExitStatus?, failure: AgentFailure?, errorLine: String?, seconds: Double, verdict: Verdict? = nil,
    report: AgentReport = AgentReport()
  ) {
    self.status = status
    self.failure = failure
    self.errorLine = errorLine
    self.seconds = seconds
    self.verdict = verdict
    self.report = report
  }

  /// "exit 1: API Error: 401 …" for messages.
  public var message: String {
    let head =
      failure == .timeout ? "timed out" : failure == .spawn ? "could not start" : status.map { "\($0)" } ?? "failed"
    return errorLine.map { "\(head): \($0)" } ?? head
  }
}

/// Where an agent run lives while it runs: a process group on this machine, or a scheduler's job.
public enum AgentHandle: Sendable, Equatable {
  case process(Int32)
  /// A cluster job, by the scheduler's id, and the node it runs on once the scheduler has placed it.
  case job(id: String, node: String?)
}

/// Runs agent invocations. The local executor runs them in place; sandboxed and cluster executors implement the
/// same protocol.
public protocol Executor: Sendable {
  var name: String { get }
  /// Runs the invocation to its end (cancellation of the calling task tears the agent down). `started` hears where
  /// the agent runs as soon as that is known (and again when it changes, e.g. a job placed on a node).
  func run(_ invocation: AgentInvocation, started: @escaping @Sendable (AgentHandle) -> Void) async -> AgentOutcome
}

/// Runs agents on this machine: each in its own process group, with a scrubbed environment, the prompt in a file,
/// a time-out followed by SIGTERM → grace → SIGKILL to the group, and a readable transcript streamed into its log.
public struct LocalExecutor: Executor {
  public var name: String { "local" }
  public var grace: Duration

  public init(grace: Duration = .seconds(5)) {
    self.grace = grace
  }

  public func run(_ invocation: AgentInvocation, started: @escaping @Sendable (AgentHandle) -> Void) async
    -> AgentOutcome
  {
    await run(invocation, confinement: nil) { started(.process($0)) }
  }

  /// How a confining executor changes a run: the command line it starts instead (given the agent's argv with the
  /// program resolved on the host), what it says in the transcript, and what it does once the agent has exited,
  /// before the verdict is read (a note for the transcript, or nil).
  struct Confinement: Sendable {
    var wrap: @Sendable ([String]) -> [String]
    var banner: String
    var afterExit: @Sendable () async -> String?
    /// Start the wrapped command as a session leader (see `ProcessRequest.newSession`).
    var newSession = false
  }

  func run(
    _ invocation: AgentInvocation, confinement: Confinement?, started: @escaping @Sendable (Int32) -> Void
  ) async -> AgentOutcome {
    let begin = Date()
    let fm = FileManager.default
    for path in [invocation.logFile, invocation.paths.promptFile] + (invocation.paths.verdictFile.map { [$0] } ?? []) {
      try? fm.createDirectory(atPath: FilePaths.directory(of: path), withIntermediateDirectories: true)
    }
    // A copy of the prompt for the log (the agent gets it on stdin or its command line): written in place, not
    // synced, so a killed run leaves no temporary file next to it.
    FileAppend.replace(invocation.paths.promptFile, with: invocation.prompt)
    if let verdict = invocation.paths.verdictFile { try? fm.removeItem(atPath: verdict) }
    let argv: [String]
    if invocation.spec.isScript {
      argv = ["sh", "-c", invocation.script ?? "exit 0"]
    } else {
      argv = invocation.spec.argv(
        role: invocation.role, paths: invocation.paths, promptText: invocation.prompt,
        resumeSession: invocation.resumeSession)
    }
    let shown = argv.map { $0.count > 120 ? String($0.prefix(117)) + "..." : $0 }.joined(separator: " ")
    let transcript = Transcript(path: invocation.logFile, format: invocation.spec.output, raw: invocation.rawFile)
    transcript.append(
      "=== git-kitty \(invocation.role.rawValue) of \(invocation.wpID) by \(invocation.spec.id), attempt "
        + "\(invocation.attempt), \(Timestamp.isoNow()) ===\n=== \(shown) ===\n"
        + (confinement.map { "=== \($0.banner) ===\n" } ?? ""))

    var env = ProcessEnvironment.scrubbed()
    for (key, value) in invocation.spec.env { env[key] = value }
    env["KITTY_ROLE"] = invocation.role.rawValue
    env["KITTY_WP"] = invocation.wpID
    env["KITTY_MISSION"] = invocation.missionSlug
    env["KITTY_ATTEMPT"] = String(invocation.attempt)
    env["KITTY_CYCLE"] = String(invocation.cycle)
    env["KITTY_WORKSPACE"] = invocation.workspace
    env["KITTY_PROMPT_FILE"] = invocation.paths.promptFile
    if let verdict = invocation.paths.verdictFile { env["KITTY_VERDICT_FILE"] = verdict }
    env["KITTY_REVIEW_FEEDBACK"] = invocation.feedback ?? ""

    var launched = argv
    if let confinement, let program = ProcessEnvironment.resolve(argv[0], environment: env) {
      launched = confinement.wrap([program] + argv.dropFirst())
    }
    var request = ProcessRequest(
      argv: launched, directory: invocation.workspace, environment: env,
      stdinFile: invocation.spec.promptVia == .stdin ? invocation.paths.promptFile : nil,
      outputFile: invocation.logFile, timeout: .milliseconds(Int64(invocation.timeout * 1000)))
    request.grace = grace
    request.newSession = confinement?.newSession ?? false
    if invocation.spec.output != .text {
      request.stdoutLines = { line in transcript.consume(line) }
    }
    let spawned = Date()
    let result = await ProcessRunner.run(request, started: started)
    let processSeconds = Date().timeIntervalSince(spawned)
    if let confinement, let note = await confinement.afterExit() { transcript.append("=== \(note) ===\n") }
    let seconds = Date().timeIntervalSince(begin)
    let report = transcript.report
    func timed(_ outcome: AgentOutcome) -> AgentOutcome {
      var outcome = outcome
      outcome.processSeconds = processSeconds
      return outcome
    }
    switch result {
    case .failure(let failure):
      transcript.append("=== could not start: \(failure.message) ===\n")
      return AgentOutcome(status: nil, failure: .spawn, errorLine: failure.message, seconds: seconds, report: report)
    case .success(let ended):
      let timedOutNote = ended.timedOut ? " (timed out after \(Int(invocation.timeout))s)" : ""
      transcript.append("=== \(ended.status)\(timedOutNote) ===\n")
      let verdict =
        invocation.role == .review
        ? (Verdict.read(verdictFile: invocation.paths.verdictFile)
          ?? report.finalText.flatMap(Verdict.parse(message:))
          ?? (invocation.spec.output == .text
            ? Verdict.parse(message: LogTail.read(invocation.logFile, bytes: 64 << 10)) : nil))
        : nil
      if ended.cancelled {
        return timed(
          AgentOutcome(
            status: ended.status, failure: .stopped, errorLine: "stopped", seconds: seconds, report: report))
      }
      if ended.timedOut {
        return timed(
          AgentOutcome(
            status: ended.status, failure: .timeout, errorLine: "timed out after \(Int(invocation.timeout))s",
            seconds: seconds, verdict: verdict, report: report))
      }
      if ended.status.isSuccess && report.error == nil {
        return timed(
          AgentOutcome(
            status: ended.status, failure: nil, errorLine: nil, seconds: seconds, verdict: verdict, report: report))
      }
      // Structured CLIs say what went wrong; for text CLIs the end of their own output is all there is.
      let errorText = report.error ?? Self.lastOutputLine(invocation.logFile)
      let failure =
        Self.classify(status: report.apiStatus, category: report.errorCategory)
        ?? Self.classify(report.error ?? LogTail.read(invocation.logFile, bytes: 4096))
      return timed(
        AgentOutcome(
          status: ended.status, failure: failure, errorLine: errorText.map { String($0.prefix(500)) }, seconds: seconds,
          verdict: verdict, report: report))
    }
  }

  static func lastOutputLine(_ log: String) -> String? {
    LogTail.read(log, bytes: 4096).split(separator: "\n").reversed().first {
      !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("=== ")
    }.map(String.init)
  }

  /// Why an agent failed, from what a structured CLI said about the model API's answer.
  static func classify(status: Int?, category: String?) -> AgentFailure? {
    if let status {
      if status == 401 || status == 403 { return .auth }
      if status == 429 { return .rateLimit }
      if status >= 500 { return .server }
    }
    switch category {
    case "authentication_failed", "billing_error": return .auth
    case "rate_limit": return .rateLimit
    case "server_error", "overloaded": return .server
    default: return nil
    }
  }

  /// Why an agent failed, from the CLI's error text (git-kitty's `=== …` lines left out; status codes only as whole
  /// words, so a path or a duration containing "401" is not an auth failure).
  static func classify(_ errorText: String) -> AgentFailure {
    let text = errorText.split(separator: "\n").filter { !$0.hasPrefix("=== ") }.joined(separator: "\n").lowercased()
    func word(_ code: String) -> Bool {
      text.range(of: "(^|[^0-9a-z])\(code)([^0-9a-z]|$)", options: .regularExpression) != nil
    }
    if ["rate limit", "rate-limit", "ratelimit", "too many requests", "quota exceeded", "rate_limit"].contains(
      where: text.contains) || word("429")
    {
      return .rateLimit
    }
    if [
      "unauthorized", "not authenticated", "authentication failed", "invalid api key", "please log in",
      "not logged in", "login required", "authentication_error", "invalid x-api-key",
    ].contains(where: text.contains) || word("401") || word("403") {
      return .auth
    }
    if [
      "internal server error", "overloaded", "api_error", "server error", "bad gateway", "service unavailable",
      "high demand", "temporary errors",
    ]
    .contains(where: text.contains) || word("500") || word("502") || word("503") || word("529") {
      return .server
    }
    return .crashed
  }
}

/// The log of one run: git-kitty's markers, and for structured CLIs the transcript their parser renders from each
/// stdout line (the raw events go to a `.jsonl` file beside it). Lines arrive from the process task while the
/// executor reads the report afterwards: the state sits in a Mutex.
final class Transcript: Sendable {
  private struct State {
    var parser: any AgentOutputParser
    var log: Int32
    var raw: Int32
  }
  private let state: Mutex<State>

  init(path: String, format: AgentOutputFormat, raw: String) {
    let log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    let rawFD = format == .text ? -1 : open(raw, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    state = Mutex(State(parser: format.makeParser(), log: log, raw: rawFD))
  }

  deinit {
    state.withLock {
      if $0.log >= 0 { close($0.log) }
      if $0.raw >= 0 { close($0.raw) }
    }
  }

  func append(_ text: String) {
    state.withLock { Self.write($0.log, text) }
  }

  func consume(_ line: String) {
    state.withLock { state in
      Self.write(state.raw, line + "\n")
      let rendered = state.parser.consume(line)
      if !rendered.isEmpty { Self.write(state.log, rendered.joined(separator: "\n") + "\n") }
    }
  }

  var report: AgentReport { state.withLock { $0.parser.report } }

  private static func write(_ fd: Int32, _ text: String) { FileAppend.write(fd, text) }
}
