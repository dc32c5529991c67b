import Foundation
import KittyCore

/// One agent run to make.
public struct AgentInvocation: Sendable {
  public var spec: AgentSpec
  public var role: AgentRole
  public var wpID: String
  public var missionSlug: String
  public var attempt: Int
  public var cycle: Int
  public var workspace: String
  public var prompt: String
  public var promptFile: String
  public var logFile: String
  public var verdictFile: String?
  public var timeout: Double
  /// For the script agent: the shell block to run.
  public var script: String?
  public var feedback: String?
}

/// How an agent run ended.
public struct AgentOutcome: Sendable {
  public enum Failure: String, Sendable {
    case spawn, timeout, auth
    case rateLimit = "rate-limit"
    case crashed
  }
  public var exitCode: Int32
  public var failure: Failure?
  public var message: String?
  public var seconds: Double
}

/// Runs agents: each in its own process group, with a scrubbed environment, the prompt in a file, a timeout
/// followed by SIGTERM → grace → SIGKILL to the group, and output streamed straight into its log file.
public enum AgentRunner {
  /// Starts the run and blocks until it ends; `started` gets the pid (the group id) as soon as it exists.
  public static func run(_ invocation: AgentInvocation, grace: Double = 5, started: (pid_t) -> Void) -> AgentOutcome {
    let begin = Date()
    let fm = FileManager.default
    try? fm.createDirectory(
      atPath: (invocation.logFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try? fm.createDirectory(
      atPath: (invocation.promptFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try? invocation.prompt.write(toFile: invocation.promptFile, atomically: true, encoding: .utf8)
    if let verdict = invocation.verdictFile {
      try? fm.createDirectory(
        atPath: (verdict as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try? fm.removeItem(atPath: verdict)
    }
    let argv: [String]
    if invocation.spec.isScript {
      argv = ["sh", "-c", invocation.script ?? "exit 0"]
    } else {
      argv = invocation.spec.argv(
        role: invocation.role, promptFile: invocation.promptFile, promptText: invocation.prompt,
        workspace: invocation.workspace, verdictFile: invocation.verdictFile)
    }
    // Append (never overwrite): a header, then the agent's own output as it comes.
    let log = open(invocation.logFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    defer { if log >= 0 { close(log) } }
    let shown = argv.map { $0.count > 120 ? String($0.prefix(117)) + "..." : $0 }.joined(separator: " ")
    let header =
      "=== git-kitty \(invocation.role.rawValue) of \(invocation.wpID) by \(invocation.spec.id), attempt "
      + "\(invocation.attempt), \(Timestamp.isoNow()) ===\n=== \(shown) ===\n"
    _ = header.withCString { write(log, $0, strlen($0)) }

    var env = ChildProcess.scrubbedEnvironment()
    for (key, value) in invocation.spec.env { env[key] = value }
    env["KITTY_ROLE"] = invocation.role.rawValue
    env["KITTY_WP"] = invocation.wpID
    env["KITTY_MISSION"] = invocation.missionSlug
    env["KITTY_ATTEMPT"] = String(invocation.attempt)
    env["KITTY_CYCLE"] = String(invocation.cycle)
    env["KITTY_WORKSPACE"] = invocation.workspace
    env["KITTY_PROMPT_FILE"] = invocation.promptFile
    if let verdict = invocation.verdictFile { env["KITTY_VERDICT_FILE"] = verdict }
    env["KITTY_REVIEW_FEEDBACK"] = invocation.feedback ?? ""

    let stdin = invocation.spec.promptVia == .stdin ? open(invocation.promptFile, O_RDONLY | O_CLOEXEC) : -1
    defer { if stdin >= 0 { close(stdin) } }
    let pid: pid_t
    switch ChildProcess.spawn(
      argv, directory: invocation.workspace, environment: env, stdin: stdin, stdout: log, stderr: log)
    {
    case .failure(let error):
      appendLog(log, "=== could not start: \(error.message) ===\n")
      return AgentOutcome(exitCode: 127, failure: .spawn, message: error.message, seconds: 0)
    case .success(let child):
      pid = child
    }
    started(pid)
    let (status, timedOut) = ChildProcess.wait(pid: pid, timeout: invocation.timeout, grace: grace)
    let seconds = Date().timeIntervalSince(begin)
    appendLog(log, "=== exit \(status)\(timedOut ? " (timed out after \(Int(invocation.timeout))s)" : "") ===\n")
    if timedOut {
      return AgentOutcome(
        exitCode: status, failure: .timeout, message: "timed out after \(Int(invocation.timeout))s", seconds: seconds)
    }
    if status == 0 { return AgentOutcome(exitCode: 0, failure: nil, message: nil, seconds: seconds) }
    let failure = Self.classify(LogTail.read(invocation.logFile, bytes: 4096))
    return AgentOutcome(exitCode: status, failure: failure, message: "exited \(status)", seconds: seconds)
  }

  /// Why an agent that exited non-zero failed, from the end of its own output (git-kitty's `=== …` lines left
  /// out; status codes only as whole words, so a path or a duration containing "401" is not an auth failure).
  static func classify(_ tail: String) -> AgentOutcome.Failure {
    let text = tail.split(separator: "\n").filter { !$0.hasPrefix("=== ") }.joined(separator: "\n").lowercased()
    func word(_ code: String) -> Bool {
      text.range(of: "(^|[^0-9a-z])\(code)([^0-9a-z]|$)", options: .regularExpression) != nil
    }
    if ["rate limit", "rate-limit", "ratelimit", "too many requests", "quota exceeded"].contains(where: text.contains)
      || word("429")
    {
      return .rateLimit
    }
    if [
      "unauthorized", "not authenticated", "authentication failed", "invalid api key", "please log in",
      "not logged in", "login required",
    ].contains(where: text.contains) || word("401") {
      return .auth
    }
    return .crashed
  }

  static func appendLog(_ fd: Int32, _ text: String) {
    guard fd >= 0 else { return }
    _ = text.withCString { write(fd, $0, strlen($0)) }
  }
}

/// The end of a log file, read without loading the whole file.
public enum LogTail {
  public static func read(_ path: String, bytes: Int) -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()) ?? 0
    let start = size > UInt64(bytes) ? size - UInt64(bytes) : 0
    try? handle.seek(toOffset: start)
    let data = (try? handle.readToEnd()) ?? Data()
    return String(decoding: data, as: UTF8.self)
  }

  /// The last non-empty line that is not a git-kitty marker.
  public static func lastLine(_ path: String) -> String? {
    read(path, bytes: 2048).split(separator: "\n").reversed().first {
      !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("=== ")
    }.map(String.init)
  }
}

/// A reviewer's verdict: from the verdict file the prompt names, else a `KITTY_VERDICT:` line in its output.
public struct Verdict: Sendable, Equatable {
  public var approved: Bool
  public var feedback: String

  public static func read(verdictFile: String?, logFile: String) -> Verdict? {
    if let verdictFile, let data = FileManager.default.contents(atPath: verdictFile),
      let value = try? JSONParser.parse([UInt8](data)), let verdict = value["verdict"]?.stringValue
    {
      let feedback = value["feedback"]?.stringValue ?? ""
      if verdict == "approved" { return Verdict(approved: true, feedback: feedback) }
      if verdict == "changes_requested" { return Verdict(approved: false, feedback: feedback) }
    }
    let tail = LogTail.read(logFile, bytes: 64 << 10)
    let lines = tail.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let index = lines.lastIndex(where: { $0.hasPrefix("KITTY_VERDICT:") }) else { return nil }
    let word = lines[index].dropFirst("KITTY_VERDICT:".count).trimmingCharacters(in: .whitespaces).lowercased()
    let feedback = lines[(index + 1)...].filter { !$0.hasPrefix("=== ") }.joined(separator: "\n").trimmingWhitespace
    if word == "approved" { return Verdict(approved: true, feedback: feedback) }
    if word == "changes_requested" { return Verdict(approved: false, feedback: feedback) }
    return nil
  }
}
