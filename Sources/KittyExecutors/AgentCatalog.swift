import Foundation

/// What an agent is asked to do.
public enum AgentRole: String, Sendable, Codable {
  case implementation, review, rework
  /// `[worktree] setup` of orchestrator.toml, run by the script runner before a worktree's first agent.
  case setup

  /// The role a command line is built for (rework runs the implementation command).
  public var commandRole: AgentRole { self == .review ? .review : .implementation }
}

/// How an agent CLI reports what it did on stdout.
public enum AgentOutputFormat: String, Sendable, Equatable, Codable {
  /// Plain text, copied to the log as it comes.
  case text
  /// Claude Code's `--output-format stream-json --verbose`.
  case claudeStreamJSON = "claude-stream-json"
  /// Codex's `exec --json`.
  case codexJSON = "codex-json"
}

/// The paths an argv template may name. `{git_dir}` and `{git_common_dir}` are what a sandboxed CLI must be able
/// to write for its own commits in a linked worktree (Codex `--add-dir`).
public struct AgentPaths: Sendable, Equatable {
  public var workspace: String
  public var promptFile: String
  public var verdictFile: String?
  public var gitDir: String?
  public var gitCommonDir: String?
  /// The lane branch (`kitty/mission-…-lane-a`): `{branch_ref_dir}` and `{branch_log_dir}` are the directories
  /// its loose ref and its reflog live in, which a commit must be able to write (git puts `<ref>.lock` beside it).
  public var branch: String?

  public init(
    workspace: String, promptFile: String, verdictFile: String? = nil, gitDir: String? = nil,
    gitCommonDir: String? = nil, branch: String? = nil
  ) {
    self.workspace = workspace
    self.promptFile = promptFile
    self.verdictFile = verdictFile
    self.gitDir = gitDir
    self.gitCommonDir = gitCommonDir
    self.branch = branch
  }

  public var branchRefDirectory: String? {
    guard let common = gitCommonDir, let branch, branch != "HEAD" else { return nil }
    let parent = branch.split(separator: "/").dropLast().joined(separator: "/")
    return "\(common)/refs/heads" + (parent.isEmpty ? "" : "/\(parent)")
  }

  public var branchLogDirectory: String? {
    guard let common = gitCommonDir, let branch, branch != "HEAD" else { return nil }
    let parent = branch.split(separator: "/").dropLast().joined(separator: "/")
    return "\(common)/logs/refs/heads" + (parent.isEmpty ? "" : "/\(parent)")
  }
}

/// How an agent CLI is run: its argv for each role, how it receives the prompt, how it reports.
public struct AgentSpec: Sendable, Equatable, Codable {
  public enum PromptVia: String, Sendable, Codable { case stdin, argv, file }

  public var id: String
  /// The executable (PATH lookup) and fixed arguments.
  public var command: String
  public var implementationArgs: [String]
  public var reviewArgs: [String]
  public var promptVia: PromptVia
  public var output: AgentOutputFormat = .text
  /// Arguments that continue an earlier session (`{session}` is replaced): inserted before a trailing `-` (Codex's
  /// `exec [options] resume <id> -`), else appended; nil when the CLI cannot continue one.
  public var resumeArgs: [String]?
  public var env: [String: String] = [:]
  public var model: String?
  public var modelFlag: String? = "--model"
  public var timeoutSeconds: Double?
  /// In a sandbox: the network it needs (nil: `[sandbox] network`).
  public var network: SandboxNetwork?
  /// The argv for each role inside git-kitty's bwrap sandbox, when the CLI's own sandbox cannot work there (it
  /// needs namespaces the outer sandbox does not grant); nil: the same as outside. Dropped when `args` are set.
  public var sandboxedArgs: RoleArgs?

  public struct RoleArgs: Sendable, Equatable, Codable {
    public var implementation: [String]
    public var review: [String]
  }
  /// Where the CLI's flags and version come from, for the README table and `doctor`.
  public var documentation: String = ""
  /// Tested in CI with the real CLI.
  public var testedInCI = false
  /// The built-in script agent needs no executable.
  public var isScript: Bool { id == "script" }

  public init(
    id: String, command: String, implementationArgs: [String], reviewArgs: [String], promptVia: PromptVia,
    modelFlag: String? = "--model"
  ) {
    self.id = id
    self.command = command
    self.implementationArgs = implementationArgs
    self.reviewArgs = reviewArgs
    self.promptVia = promptVia
    self.modelFlag = modelFlag
  }

  /// The argv for `role`; `{prompt_file}`, `{workspace}`, `{role}`, `{verdict_file}`, `{git_dir}`,
  /// `{git_common_dir}`, `{branch_ref_dir}`, `{branch_log_dir}` and `{session}` are substituted, and the prompt
  /// text is appended for argv agents.
  /// An argument whose placeholder has no value here (e.g. `{git_dir}` outside a repository) is dropped together
  /// with a flag right before it.
  public func argv(role: AgentRole, paths: AgentPaths, promptText: String, resumeSession: String? = nil) -> [String] {
    var args = role.commandRole == .review ? reviewArgs : implementationArgs
    if let session = resumeSession, role.commandRole == .implementation, let resume = resumeArgs {
      let inserted = resume.map { $0.replacingOccurrences(of: "{session}", with: session) }
      if args.last == "-" { args.insert(contentsOf: inserted, at: args.count - 1) } else { args += inserted }
    }
    if let model, let flag = modelFlag { args += [flag, model] }
    let values: [(String, String?)] = [
      ("{prompt_file}", paths.promptFile), ("{workspace}", paths.workspace), ("{role}", role.rawValue),
      ("{verdict_file}", paths.verdictFile), ("{git_dir}", paths.gitDir), ("{git_common_dir}", paths.gitCommonDir),
      ("{branch_ref_dir}", paths.branchRefDirectory), ("{branch_log_dir}", paths.branchLogDirectory),
    ]
    var result: [String] = []
    for arg in args {
      var text = arg
      var missing = false
      for (key, value) in values where text.contains(key) {
        if let value { text = text.replacingOccurrences(of: key, with: value) } else { missing = true }
      }
      if missing {
        if let last = result.last, last.hasPrefix("-"), !arg.hasPrefix("-") { result.removeLast() }
        continue
      }
      result.append(text)
    }
    if promptVia == .argv { result.append(promptText) }
    return [command] + result
  }
}

/// The agents git-kitty knows. Claude Code and Codex are tested in CI with their real CLIs against a scripted model
/// server; their defaults give each role what its job needs and nothing more (see README, "Agents"). Every field
/// can be overridden in `[agents.<id>]` of `.kittify/orchestrator.toml`.
public enum AgentCatalog {
  /// What the implementer may run with Claude Code, beyond what `acceptEdits` allows (file edits and plain file
  /// commands inside its worktree, nothing outside): git for its own commits, and the usual project commands
  /// (build, tests). `Bash(x:*)` allows commands that start with `x`. No bare `Edit`/`Write` rule: that would be a
  /// grant for every path, the main checkout included. No `git diff/log/show`: their `--output=<path>` writes
  /// anywhere. Add a project's own commands with `[agents.claude-code] args`.
  public static let claudeImplementerTools = [
    "Bash(git add:*)", "Bash(git commit:*)", "Bash(git status:*)", "Bash(ls:*)", "Bash(make:*)",
    "Bash(sh ./test.sh:*)", "Bash(./test.sh:*)", "Bash(npm test:*)", "Bash(npm run:*)", "Bash(pytest:*)",
    "Bash(python3 -m pytest:*)", "Bash(cargo build:*)", "Bash(cargo test:*)", "Bash(go build:*)", "Bash(go test:*)",
    "Bash(swift build:*)", "Bash(swift test:*)",
  ]
  /// The reviewer reads (the diff is in its prompt) and writes nothing: its verdict is its final message.
  public static let claudeReviewerTools = ["Read", "Glob", "Grep", "Bash(git status:*)"]

  public static let builtIn: [String: AgentSpec] = {
    var claude = AgentSpec(
      id: "claude-code", command: "claude",
      implementationArgs: [
        "-p", "--output-format", "stream-json", "--verbose", "--permission-mode", "acceptEdits",
        "--allowedTools",
      ] + claudeImplementerTools,
      reviewArgs: [
        "-p", "--output-format", "stream-json", "--verbose", "--permission-mode", "default",
        "--allowedTools",
      ] + claudeReviewerTools + ["--disallowedTools", "Edit", "Write", "NotebookEdit"],
      promptVia: .stdin)
    claude.output = .claudeStreamJSON
    claude.resumeArgs = ["--resume", "{session}"]
    claude.documentation = "Claude Code CLI reference (docs.claude.com/en/docs/claude-code/cli-reference)"
    claude.testedInCI = true
    var codex = AgentSpec(
      id: "codex", command: "codex",
      // Its own commits need the worktree's git directory, the object store and its branch's ref and reflog
      // directories; not all of refs/ (that would let it move main or tag).
      implementationArgs: [
        "exec", "--json", "--sandbox", "workspace-write", "--add-dir", "{git_dir}", "--add-dir",
        "{git_common_dir}/objects", "--add-dir", "{branch_ref_dir}", "--add-dir", "{branch_log_dir}", "-",
      ],
      reviewArgs: ["exec", "--json", "--sandbox", "read-only", "-"], promptVia: .stdin)
    // Codex's own sandbox cannot start inside bubblewrap (no namespaces, no capabilities): there git-kitty's
    // sandbox is the confinement, and Codex runs without its own.
    codex.sandboxedArgs = AgentSpec.RoleArgs(
      implementation: ["exec", "--json", "--sandbox", "danger-full-access", "-"],
      review: ["exec", "--json", "--sandbox", "danger-full-access", "-"])
    codex.output = .codexJSON
    // `exec resume` takes no sandbox flags of its own: they stay before it, so the resumed run keeps its roots.
    codex.resumeArgs = ["resume", "{session}"]
    codex.documentation = "Codex CLI `codex exec --help` (github.com/openai/codex, docs/exec.md)"
    codex.testedInCI = true
    var catalog: [String: AgentSpec] = ["claude-code": claude, "codex": codex]
    func add(_ spec: AgentSpec, _ doc: String) {
      var spec = spec
      spec.documentation = doc
      catalog[spec.id] = spec
    }
    add(
      AgentSpec(
        id: "opencode", command: "opencode", implementationArgs: ["run", "--agent", "build"],
        reviewArgs: ["run", "--agent", "plan"], promptVia: .argv), "opencode.ai/docs/cli")
    add(
      AgentSpec(
        id: "gemini", command: "gemini", implementationArgs: ["--approval-mode", "auto_edit", "-p"],
        reviewArgs: ["--approval-mode", "default", "-p"], promptVia: .argv), "Gemini CLI docs/cli/commands.md")
    add(
      AgentSpec(
        id: "qwen", command: "qwen", implementationArgs: ["--approval-mode", "auto-edit", "-p"],
        reviewArgs: ["--approval-mode", "default", "-p"], promptVia: .argv), "Qwen Code docs (fork of Gemini CLI)")
    add(
      AgentSpec(
        id: "cursor", command: "cursor-agent", implementationArgs: ["-p", "--output-format", "text"],
        reviewArgs: ["-p", "--output-format", "text"], promptVia: .argv), "docs.cursor.com/en/cli")
    add(
      AgentSpec(
        id: "copilot", command: "copilot", implementationArgs: ["--allow-all-tools", "-p"],
        reviewArgs: ["--deny-tool", "write", "-p"], promptVia: .argv), "GitHub Copilot CLI `copilot --help`")
    add(
      AgentSpec(
        id: "kilocode", command: "kilocode", implementationArgs: ["--auto"], reviewArgs: ["--auto"],
        promptVia: .argv), "kilocode.ai/docs/cli")
    add(
      AgentSpec(
        id: "augment", command: "auggie", implementationArgs: ["--print"], reviewArgs: ["--print"],
        promptVia: .argv), "docs.augmentcode.com/cli")
    add(
      AgentSpec(
        id: "pi", command: "pi", implementationArgs: ["-p", "--no-session"], reviewArgs: ["-p", "--no-session"],
        promptVia: .stdin), "pi-coding-agent README")
    add(
      AgentSpec(
        id: "letta", command: "letta", implementationArgs: ["-p"], reviewArgs: ["-p", "--permission-mode", "plan"],
        promptVia: .stdin), "Letta Code docs")
    var script = AgentSpec(
      id: "script", command: "sh", implementationArgs: [], reviewArgs: [], promptVia: .file, modelFlag: nil)
    script.network = SandboxNetwork.none  // it calls no model (the [worktree] setup command keeps the network)
    add(script, "built in: runs the WP's ```sh kitty-implement / kitty-review blocks")
    return catalog
  }()

  public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
    case unknown(String)
    case noCommand(String)
    case badOutput(String, String)
    public var description: String {
      switch self {
      case .unknown(let id):
        return "unknown agent '\(id)'. Known agents: \(AgentCatalog.builtIn.keys.sorted().joined(separator: ", ")); "
          + "or define [agents.\(id)] with command = \"…\" in .kittify/orchestrator.toml"
      case .noCommand(let id): return "agent '\(id)' has no command: set [agents.\(id)] command = \"…\""
      case .badOutput(let id, let value):
        return "agents.\(id).output is '\(value)': use text, claude-stream-json or codex-json"
      }
    }
  }

  /// Per-agent settings from `[agents.<id>]` of orchestrator.toml.
  public struct Settings: Sendable, Equatable {
    public var command: String?
    public var args: [String]?
    public var reviewArgs: [String]?
    public var env: [String: String] = [:]
    public var model: String?
    public var timeoutSeconds: Double?
    public var promptVia: String?
    public var output: String?
    public var network: SandboxNetwork?
    /// `resume = false`: rework starts a fresh session even where the CLI could continue the implementer's.
    public var resume: Bool?
    public init() {}
  }

  /// The spec for `id`, with the settings applied. An unknown id with a `command` in the settings is a `command`
  /// agent whose argv template may use the placeholders of `AgentSpec.argv`.
  public static func spec(_ id: String, settings: Settings?) throws(Failure) -> AgentSpec {
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
      if settings.args != nil || settings.reviewArgs != nil { spec.sandboxedArgs = nil }
      if builtIn[id] != nil {
        if let args = settings.args { spec.implementationArgs = args }
        if let args = settings.reviewArgs ?? settings.args { spec.reviewArgs = args }
      }
      if let via = settings.promptVia.flatMap(AgentSpec.PromptVia.init(rawValue:)) { spec.promptVia = via }
      if let output = settings.output {
        guard let format = AgentOutputFormat(rawValue: output) else { throw .badOutput(id, output) }
        spec.output = format
      }
      spec.env = settings.env
      spec.model = settings.model
      spec.timeoutSeconds = settings.timeoutSeconds
      if let network = settings.network { spec.network = network }
      if settings.resume == false { spec.resumeArgs = nil }
    }
    if spec.command.isEmpty { throw .noCommand(id) }
    return spec
  }
}
