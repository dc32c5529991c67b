import Foundation
import KittyBasics
import KittyGit

/// Runs each agent inside bubblewrap, confined to its lane (design and limits: docs/sandbox.md).
///
/// The agent sees the whole filesystem read-only and a private `/tmp`. An implementer (rework, setup) may write
/// its lane worktree, its worktree's own git directory (index, logs; not HEAD), its CLI's state directory and
/// `[sandbox] writable`; its commits go to a private git directory laid over the repository's `refs`, `logs`,
/// `packed-refs` and `objects` (the real objects stay readable through an alternate). When it ends, git-kitty
/// fetches the lane branch back from that private directory, only as a fast-forward of the commit the lane had
/// when the run started. A reviewer writes nothing but its verdict file. `[sandbox] deny_read` paths are hidden.
public struct SandboxedExecutor: Executor {
  public var name: String { "bwrap" }
  public let bwrap: String
  public let settings: SandboxSettings
  /// The repository root: relative `deny_read` / `writable` paths start here.
  public let root: String
  public let local: LocalExecutor
  let home: String

  public init(
    bwrap: String, settings: SandboxSettings, root: String, local: LocalExecutor = LocalExecutor(),
    home: String = NSHomeDirectory()
  ) {
    self.bwrap = bwrap
    self.settings = settings
    self.root = root
    self.local = local
    self.home = home
  }

  public func run(_ invocation: AgentInvocation, started: @escaping @Sendable (AgentHandle) -> Void) async
    -> AgentOutcome
  {
    let scratch = NSTemporaryDirectory() + "git-kitty-sandbox-\(UUID().uuidString.prefix(12))"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let plan: Plan
    do {
      plan = try await Plan.make(invocation, executor: self, scratch: scratch)
    } catch {
      try? FileManager.default.createDirectory(
        atPath: FilePaths.directory(of: invocation.logFile), withIntermediateDirectories: true)
      let message = "the sandbox could not be prepared: \(error)"
      if let handle = FileHandle(forWritingAtPath: invocation.logFile) ?? Self.create(invocation.logFile) {
        handle.seekToEndOfFile()
        handle.write(Data("=== \(message) ===\n".utf8))
        try? handle.close()
      }
      return AgentOutcome(status: nil, failure: .spawn, errorLine: message, seconds: 0)
    }
    let bwrap = self.bwrap
    let profile = plan.profile
    // bwrap starts as a session leader (no terminal to inject into) and is not asked for a session of its own:
    // with `--new-session` the agent led a group apart from bwrap's, and when a stop's SIGTERM reached bwrap before
    // `--die-with-parent` had taken hold, the agent and bwrap's namespace init lived on (CI's
    // stoppingDuringAScriptReviewIsNotARejection). One group: the teardown's SIGTERM and SIGKILL reach them all.
    let confinement = LocalExecutor.Confinement(
      wrap: { argv in profile.arguments(bwrap: bwrap, command: argv, newSession: false) },
      banner: plan.banner,
      afterExit: { await plan.collect() },
      newSession: true)
    var confined = invocation
    if let args = invocation.spec.sandboxedArgs {
      confined.spec.implementationArgs = args.implementation
      confined.spec.reviewArgs = args.review
    }
    return await local.run(confined, confinement: confinement) { started(.process($0)) }
  }

  private static func create(_ path: String) -> FileHandle? {
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    return FileHandle(forWritingAtPath: path)
  }

  /// The CLI state a known agent writes as it runs (sessions, settings, caches): `CLAUDE_CONFIG_DIR` /
  /// `CODEX_HOME` when set, else their defaults under the home directory.
  static func stateDirectories(agent: String, environment: [String: String], home: String) -> [String] {
    switch agent {
    case "claude-code": return environment["CLAUDE_CONFIG_DIR"].map { [$0] } ?? ["\(home)/.claude"]
    case "codex": return [environment["CODEX_HOME"] ?? "\(home)/.codex"]
    case "gemini": return ["\(home)/.gemini"]
    case "qwen": return ["\(home)/.qwen"]
    case "opencode": return ["\(home)/.local/share/opencode", "\(home)/.config/opencode"]
    case "cursor": return ["\(home)/.cursor"]
    case "copilot": return ["\(home)/.copilot"]
    default: return []
    }
  }
}

extension SandboxedExecutor {
  /// Where the private git directory's objects are borrowed from, inside the sandbox's own /tmp.
  static let sharedObjects = "/tmp/.git-kitty/objects"

  /// One run's sandbox: the profile, and for an implementer its private git directory.
  struct Plan: Sendable {
    var profile: BubblewrapProfile
    var banner: String
    var lane: LaneGit?
    /// A reviewer's verdict, written in its private directory, copied to where the orchestrator reads it.
    var verdict: (written: String, expected: String)?

    func collect() async -> String? {
      if let verdict, FileManager.default.fileExists(atPath: verdict.written) {
        try? FileManager.default.removeItem(atPath: verdict.expected)
        try? FileManager.default.copyItem(atPath: verdict.written, toPath: verdict.expected)
      }
      return await lane?.fetchBack()
    }

    struct Failure: Error, CustomStringConvertible {
      let description: String
    }

    static func make(
      _ invocation: AgentInvocation, executor: SandboxedExecutor, scratch: String
    ) async throws -> Plan {
      let fm = FileManager.default
      try fm.createDirectory(atPath: scratch, withIntermediateDirectories: true)
      let workspace = invocation.workspace
      let writes = invocation.role != .review
      var profile = BubblewrapProfile(directory: workspace)
      profile.network = invocation.role == .setup ? .shared : invocation.spec.network ?? executor.settings.network
      profile.environment["TMPDIR"] = "/tmp"
      profile.mounts.append(.tmpfs("/tmp"))

      // What the run reads, shown again over the private /tmp when it lives there.
      var environment = ProcessEnvironment.scrubbed()
      for (key, value) in invocation.spec.env { environment[key] = value }
      var readable = [executor.root, workspace, FilePaths.directory(of: invocation.paths.promptFile)]
      if !invocation.spec.isScript,
        let program = ProcessEnvironment.resolve(invocation.spec.command, environment: environment)
      {
        readable.append(FilePaths.directory(of: program))
      }
      let repository = try? Repository.open(at: workspace)
      let gitDir = repository.map { Path.stripTrailingSlash($0.gitDirectory) }
      let commonDir = repository.map { Path.stripTrailingSlash($0.commonDirectory) }
      if let commonDir {
        readable.append(commonDir)
        readable += LaneGit.alternates(of: "\(commonDir)/objects")
      }
      for path in readable where fm.fileExists(atPath: path) { profile.mounts.append(.readOnly(path, at: path)) }

      var lane: LaneGit?
      if writes {
        profile.mounts.append(.writable(workspace, at: workspace))
        if let repository, let gitDir, let commonDir, repository.isWorktree,
          let branch = try? repository.headReferenceName(), branch.hasPrefix("refs/heads/"),
          let head = try? repository.headCommitID()
        {
          let made = try await LaneGit.prepare(
            scratch: scratch, workspace: workspace, gitDir: gitDir, commonDir: commonDir, branch: branch,
            base: head.description)
          profile.mounts += made.mounts
          lane = made
        }
      }
      for directory in SandboxedExecutor.stateDirectories(
        agent: invocation.spec.id, environment: environment, home: executor.home)
      {
        try? fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        profile.mounts.append(.writable(directory, at: directory))
      }
      if writes {
        for path in executor.settings.writable {
          let absolute = SandboxSettings.expand(path, root: executor.root, home: executor.home)
          if fm.fileExists(atPath: absolute) { profile.mounts.append(.writable(absolute, at: absolute)) }
        }
      }
      var verdictCopy: (String, String)?
      if let verdict = invocation.paths.verdictFile {
        // Only this run's verdict file: the directory it sits in is a private one inside the sandbox.
        let inside = FilePaths.directory(of: verdict)
        let own = "\(scratch)/verdict"
        try fm.createDirectory(atPath: own, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: inside, withIntermediateDirectories: true)
        profile.mounts.append(.writable(own, at: inside))
        verdictCopy = ("\(own)/\((verdict as NSString).lastPathComponent)", verdict)
      }
      return Plan(
        profile: hide(profile, executor: executor), banner: banner(profile, writes: writes), lane: lane,
        verdict: verdictCopy)
    }

    private static func hide(_ profile: BubblewrapProfile, executor: SandboxedExecutor) -> BubblewrapProfile {
      var profile = profile
      for path in executor.settings.denyRead {
        let absolute = SandboxSettings.expand(path, root: executor.root, home: executor.home)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else { continue }
        profile.mounts.append(isDirectory.boolValue ? .tmpfs(absolute) : .emptyFile(absolute))
      }
      return profile
    }

    private static func banner(_ profile: BubblewrapProfile, writes: Bool) -> String {
      let writable = profile.mounts.compactMap { mount -> String? in
        if case .writable(_, let destination) = mount { return destination }
        return nil
      }
      return "sandbox: bwrap, network \(profile.network.rawValue), "
        + (writes ? "writes " : "read-only but ") + (writable.isEmpty ? "nothing" : writable.joined(separator: ", "))
        + " and a private /tmp"
    }
  }
}
