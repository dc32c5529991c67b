import Foundation
import KittyCore

/// What an agent is asked to do.
public enum AgentRole: String, Sendable, Codable {
  case implementation, review, rework
  /// `[worktree] setup` of orchestrator.toml, run by the script runner before a worktree's first agent.
  case setup

  /// The role a command line is built for (rework runs the implementation command).
  var commandRole: AgentRole { self == .review ? .review : .implementation }
}

/// How an agent CLI is run: its argv for each role and how it receives the prompt.
public struct AgentSpec: Sendable, Equatable {
  public enum PromptVia: String, Sendable { case stdin, argv, file }

  public var id: String
  /// The executable (PATH lookup) and fixed arguments.
  public var command: String
  public var implementationArgs: [String]
  public var reviewArgs: [String]
  public var promptVia: PromptVia
  public var env: [String: String] = [:]
  public var model: String?
  public var modelFlag: String? = "--model"
  public var timeoutSeconds: Double?
  /// The built-in script agent needs no executable.
  public var isScript: Bool { id == "script" }

  /// The argv for `role`; `{prompt_file}`, `{workspace}`, `{role}` and `{verdict_file}` are substituted, and the
  /// prompt text is appended for argv agents.
  public func argv(role: AgentRole, promptFile: String, promptText: String, workspace: String, verdictFile: String?)
    -> [String]
  {
    var args = role.commandRole == .review ? reviewArgs : implementationArgs
    if let model, let flag = modelFlag { args += [flag, model] }
    args = args.map {
      $0.replacingOccurrences(of: "{prompt_file}", with: promptFile)
        .replacingOccurrences(of: "{workspace}", with: workspace)
        .replacingOccurrences(of: "{role}", with: role.rawValue)
        .replacingOccurrences(of: "{verdict_file}", with: verdictFile ?? "")
    }
    if promptVia == .argv { args.append(promptText) }
    return [command] + args
  }
}

/// The agents git-kitty knows. Defaults follow each CLI's documented non-interactive mode and avoid the flags
/// spec-kitty's policy bans (`--yolo`, `--full-auto`, `--dangerously-*`); every field can be overridden in
/// `[agents.<id>]` of `.kittify/orchestrator.toml`.
public enum AgentCatalog {
  public static let builtIn: [String: AgentSpec] = [
    "claude-code": AgentSpec(
      id: "claude-code", command: "claude",
      implementationArgs: ["-p", "--permission-mode", "acceptEdits", "--output-format", "text"],
      reviewArgs: [
        "-p", "--permission-mode", "acceptEdits", "--allowedTools", "Read,Glob,Grep,Bash,Write",
        "--output-format", "text",
      ],
      promptVia: .stdin),
    "codex": AgentSpec(
      id: "codex", command: "codex", implementationArgs: ["exec", "--sandbox", "workspace-write", "-"],
      reviewArgs: ["exec", "--sandbox", "workspace-write", "-"], promptVia: .stdin),
    "opencode": AgentSpec(
      id: "opencode", command: "opencode", implementationArgs: ["run", "--agent", "build"],
      reviewArgs: ["run", "--agent", "build"], promptVia: .argv),
    "gemini": AgentSpec(
      id: "gemini", command: "gemini", implementationArgs: ["--approval-mode", "auto_edit", "-p"],
      reviewArgs: ["--approval-mode", "auto_edit", "-p"], promptVia: .argv),
    "qwen": AgentSpec(
      id: "qwen", command: "qwen", implementationArgs: ["--approval-mode", "auto-edit", "-p"],
      reviewArgs: ["--approval-mode", "auto-edit", "-p"], promptVia: .argv),
    "cursor": AgentSpec(
      id: "cursor", command: "cursor-agent", implementationArgs: ["-p", "--output-format", "text"],
      reviewArgs: ["-p", "--output-format", "text"], promptVia: .argv),
    "copilot": AgentSpec(
      id: "copilot", command: "copilot", implementationArgs: ["--allow-all-tools", "-p"],
      reviewArgs: ["--allow-all-tools", "-p"], promptVia: .argv),
    "kilocode": AgentSpec(
      id: "kilocode", command: "kilocode", implementationArgs: ["--auto"], reviewArgs: ["--auto"], promptVia: .argv),
    "augment": AgentSpec(
      id: "augment", command: "auggie", implementationArgs: ["--print"], reviewArgs: ["--print"], promptVia: .argv),
    "pi": AgentSpec(
      id: "pi", command: "pi", implementationArgs: ["-p", "--no-session"], reviewArgs: ["-p", "--no-session"],
      promptVia: .stdin),
    "letta": AgentSpec(
      id: "letta", command: "letta", implementationArgs: ["-p"],
      reviewArgs: ["-p", "--permission-mode", "plan"], promptVia: .stdin),
    "script": AgentSpec(
      id: "script", command: "sh", implementationArgs: [], reviewArgs: [], promptVia: .file, modelFlag: nil),
  ]

  public static var knownIDs: [String] { builtIn.keys.sorted() + ["command:<name>"] }

  public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
    case unknown(String)
    case noCommand(String)
    public var description: String {
      switch self {
      case .unknown(let id):
        return "unknown agent '\(id)'. Known agents: \(AgentCatalog.builtIn.keys.sorted().joined(separator: ", ")); "
          + "or define [agents.\(id)] with command = \"…\" in .kittify/orchestrator.toml"
      case .noCommand(let id): return "agent '\(id)' has no command: set [agents.\(id)] command = \"…\""
      }
    }
  }

  /// The spec for `id`, with the config's overrides applied. An unknown id with a `command` in the config is a
  /// `command` agent whose argv template may use `{prompt_file}`, `{workspace}`, `{role}`.
  public static func spec(_ id: String, config: OrchestratorConfig) throws(Failure) -> AgentSpec {
    let settings = config.agentSettings[id]
    var spec: AgentSpec
    if let builtIn = builtIn[id] {
      spec = builtIn
    } else if let settings, settings.command != nil {
      spec = AgentSpec(id: id, command: "", implementationArgs: [], reviewArgs: [], promptVia: .file, modelFlag: nil)
    } else {
      throw .unknown(id)
    }
    if let settings {
      if let command = settings.command {
        // `command` may carry arguments: "my-agent --flag {prompt_file}".
        let words = command.split(separator: " ").map(String.init)
        spec.command = words.first ?? command
        let extra = Array(words.dropFirst())
        if builtIn[id] == nil {
          spec.implementationArgs = extra + (settings.args ?? [])
          spec.reviewArgs = extra + (settings.reviewArgs ?? settings.args ?? [])
        } else if !extra.isEmpty {
          spec.implementationArgs = extra
          spec.reviewArgs = extra
        }
      }
      if builtIn[id] != nil {
        if let args = settings.args { spec.implementationArgs = args }
        if let args = settings.reviewArgs ?? settings.args { spec.reviewArgs = args }
      }
      if let via = settings.promptVia.flatMap(AgentSpec.PromptVia.init(rawValue:)) { spec.promptVia = via }
      spec.env = settings.env
      spec.model = settings.model
      spec.timeoutSeconds = settings.timeoutSeconds
    }
    if spec.command.isEmpty { throw .noCommand(id) }
    return spec
  }
}
