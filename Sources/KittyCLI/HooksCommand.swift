import ArgumentParser
import Foundation
import KittyBasics
import KittyCore
import KittyExecutors
import KittyHooks
import KittyHost
import KittyOrchestrator

/// `git kitty hooks install | uninstall | status`.
struct HooksCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "hooks",
    abstract: "Install git-kitty's git hooks (commits drive transitions; protected branches stay untouched).",
    subcommands: [Install.self, Uninstall.self, Status.self])

  struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "install",
      abstract: "Install or refresh the hooks; a hook already there is chained.")
    @Flag(name: .long, help: "Install even when husky, lefthook or pre-commit manage the hooks.") var force = false
    func run() throws {
      try Console.run {
        let repository = try HostRepository.locate(from: Console.currentDirectory)
        print(try HookInstaller(root: repository.root).install(force: force).joined(separator: "\n"))
      }
    }
  }

  struct Uninstall: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "uninstall", abstract: "Remove the hooks and restore the ones they chained.")
    func run() throws {
      try Console.run {
        let repository = try HostRepository.locate(from: Console.currentDirectory)
        print(try HookInstaller(root: repository.root).uninstall().joined(separator: "\n"))
      }
    }
  }

  struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "status", abstract: "Each hook: ours, chained, foreign, missing or outdated.")
    @OptionGroup var output: OutputOptions
    func run() throws {
      try Console.run {
        let repository = try HostRepository.locate(from: Console.currentDirectory)
        let entries = try HookInstaller(root: repository.root).status()
        if output.json {
          Console.printJSON(.array(entries.map(\.json)))
        } else {
          for entry in entries {
            print(
              "\(entry.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(entry.state.rawValue)  \(entry.path)")
          }
        }
      }
    }
  }
}

/// `git kitty hook <name>`: what the installed hooks call.
struct HookCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "hook", abstract: "Entry points for the installed hooks (post-commit; run <hook> for hook managers).",
    subcommands: [PostCommit.self, Run.self])

  struct PostCommit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "post-commit", abstract: "Move the lane's WP to for_review.")
    @Flag(help: "The hook found kitty.autoReview set, also when only `git -c` set it for that commit.")
    var autoReview = false
    func run() async throws {
      await PostCommitHandler.run(directory: Console.currentDirectory, autoReview: autoReview)
    }
  }

  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "run",
      abstract:
        "Run one of git-kitty's hook scripts (for husky, lefthook or pre-commit), stdin and arguments passed on.")
    @Argument(help: "pre-commit, post-commit, pre-push or reference-transaction") var name: String
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
    func run() throws {
      let repository = try HostRepository.locate(from: Console.currentDirectory)
      let script = try HookInstaller(root: repository.root).rendered(name)
      let path = NSTemporaryDirectory() + "git-kitty-\(name)-\(getpid())"
      try script.write(toFile: path, atomically: true, encoding: .utf8)
      defer { unlink(path) }
      // The hook manager's stdin (reference-transaction's ref lines) and terminal go straight to the script.
      switch ChildProcess.spawn(
        ["/bin/sh", path] + arguments, directory: Console.currentDirectory,
        environment: ProcessInfo.processInfo.environment,
        stdin: 0, stdout: 1, stderr: 2)
      {
      case .failure(let error): throw ValidationError("cannot run the \(name) hook: \(error.message)")
      case .success(let pid):
        let status = ChildProcess.wait(pid: pid, timeout: nil).status
        if status != 0 { throw ExitCode(status) }
      }
    }
  }
}

/// `git kitty next | start | submit | review`: the developer's flow.
struct NextCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "next", abstract: "List the WPs that are ready to start.")
  @Option(name: .long, help: "Mission handle; inferred from the current lane worktree, else the only mission.")
  var mission: String?
  func run() async throws {
    try await Console.run {
      let flow = try DeveloperFlow(directory: Console.currentDirectory)
      let ready = try await flow.next(mission: mission)
      if ready.isEmpty { print("nothing is ready (git kitty mission show for the whole picture)") }
      for (wp, title) in ready { print("\(wp)  \(title)   → git kitty start \(wp)") }
    }
  }
}

struct StartCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "start", abstract: "Claim a WP as yourself; prints its worktree path (cd there).")
  @Argument(help: "The WP id, e.g. WP01.") var wp: String
  @Option(name: .long, help: "Mission handle; inferred from the current lane worktree, else the only mission.")
  var mission: String?
  func run() async throws {
    try await Console.run {
      let flow = try DeveloperFlow(directory: Console.currentDirectory)
      let started = try await flow.start(wp: wp, mission: mission)
      // .worktreeinclude, then the orchestrator's [worktree] setup once per worktree (the WP stays claimed if the
      // setup fails).
      let preparation = try OrchestratorConfig.load(root: flow.root).preparation(
        root: flow.root, missionSlug: started.mission, wpID: wp)
      let failure = await preparation.prepare(
        worktree: started.workspace,
        runSetup: { setup, worktree in
          await setup.run(in: worktree, missionSlug: started.mission, wpID: wp) {
            await LocalExecutor().run($0) { _ in }
          }
        },
        progress: { step in
          switch step {
          case .included(let outcome):
            Console.reportIncluded(outcome)
            print(started.workspace)
          case .setupStarted(let command, let log): Console.error("worktree setup: \(command) (log \(log))")
          case .setupFinished: Console.error("worktree setup done")
          }
        })
      if let failure { throw ValidationError(failure) }
    }
  }
}

struct SubmitCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "submit", abstract: "Move the WP of the current lane worktree to for_review.")
  @Argument(help: "The WP id; default: the WP of the current lane worktree.") var wp: String?
  @Option(name: .long, help: "Mission handle; inferred from the current lane worktree, else the only mission.")
  var mission: String?
  func run() async throws {
    try await Console.run {
      let done = try await DeveloperFlow(directory: Console.currentDirectory).submit(wp: wp, mission: mission)
      print("\(done.joined(separator: ", ")) submitted for review")
    }
  }
}

struct ReviewCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "review", abstract: "Review a WP: --approve, or --request-changes \"feedback\".")
  @Argument(help: "The WP id, e.g. WP01.") var wp: String
  @Option(name: .long, help: "Mission handle; inferred from the current lane worktree, else the only mission.")
  var mission: String?
  @Flag(name: .long, help: "Approve the WP.") var approve = false
  @Option(name: .long, help: "The feedback for the implementer.") var requestChanges: String?

  func validate() throws {
    if approve == (requestChanges != nil) {
      throw ValidationError("pass exactly one of --approve or --request-changes")
    }
  }

  func run() async throws {
    try await Console.run {
      let reference = try await DeveloperFlow(directory: Console.currentDirectory).review(
        wp: wp, mission: mission, approve: approve, feedback: requestChanges)
      print(approve ? "\(wp) approved (\(reference))" : "\(wp) sent back with your feedback (\(reference))")
    }
  }
}
