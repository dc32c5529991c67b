import Foundation
import KittyCore
import KittyHost

/// Starts a run, or resumes the saved one, as `git kitty orchestrate` and `git kitty resume` do: the preflight, the
/// run lock, a resumed run's orphaned agents killed, the executor the preflight chose, SIGINT/SIGTERM turned into a
/// stop, and the run to its end.
public enum RunLauncher {
  /// The preflight found problems: nothing was started or changed.
  public struct CannotStart: Error, Sendable, CustomStringConvertible {
    public let problems: [String]
    public var description: String { "cannot start:\n  " + problems.joined(separator: "\n  ") }
  }

  /// The run's result. Throws `CannotStart`, or `RunLock.Held` when another run holds this repository. `warn`
  /// receives what a person should know before the run starts (a sandbox that could not be used).
  public static func run(
    _ options: OrchestrateOptions, slug: String, sink: any ProgressSink, resuming: RunState?,
    warn: (String) -> Void
  ) async throws -> RunResult {
    let host = options.hostKind.make(root: options.root)
    let preflight = await Preflight.check(options: options, host: host, slug: slug)
    guard preflight.ok || resuming != nil && preflight.resumable else {
      throw CannotStart(problems: preflight.problems)
    }
    var state =
      resuming ?? RunState(mission: slug, host: host.kind.rawValue, actor: options.actor, options: options.saved)
    state.state = .running
    // The lock first: a resume refused because a run is alive must not touch that run's agents.
    let lock = try RunLock(root: options.root, runID: state.runID, mission: slug)
    defer { lock.release() }
    if let saved = resuming { ProcessGroups.killOrphans(saved, root: options.root) }
    if let warning = preflight.sandbox.warning { warn(warning) }
    let executor = preflight.sandbox.executor(
      config: options.config, root: options.root, kind: options.executorKind, requested: options.requestedSandbox)
    let orchestrator = Orchestrator(
      options: options, host: host, executor: executor, sink: sink, slug: slug, resuming: state)
    let handlers = installSignalHandlers(orchestrator)
    let result = await orchestrator.run()
    handlers.forEach { $0.cancel() }
    // Nothing an agent started outlives the run: a group its teardown missed, or a member that outlived its leader.
    LiveGroups.shared.killAll()
    return result
  }

  /// SIGINT/SIGTERM stop the run: its WP tasks are cancelled, which tears down every agent's process group.
  static func installSignalHandlers(_ orchestrator: Orchestrator) -> [DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { signalNumber in
      signal(signalNumber, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
      source.setEventHandler {
        Task { await orchestrator.stop(reason: signalNumber == SIGINT ? "interrupted" : "terminated") }
      }
      source.resume()
      return source
    }
  }
}
