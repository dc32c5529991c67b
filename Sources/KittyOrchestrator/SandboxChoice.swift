import Foundation
import KittyCluster
import KittyExecutors

/// Which sandbox a run's agents get: `--sandbox`, else `[sandbox] mode`, else bwrap when bubblewrap works here and
/// none (with a warning) when it does not.
public struct SandboxChoice: Sendable, Equatable {
  public var mode: SandboxMode
  /// The bwrap that made a test sandbox (mode bwrap).
  public var bwrap: String?
  /// Said at the start of the run: no sandbox although none was asked for.
  public var warning: String?
  /// Why the run cannot start: bwrap was asked for and does not work.
  public var problem: String?

  public static func resolve(requested: SandboxMode?) async -> SandboxChoice {
    if requested == SandboxMode.none { return SandboxChoice(mode: .none) }
    switch await Bubblewrap.probe() {
    case .available(let path):
      return SandboxChoice(mode: .bwrap, bwrap: path)
    case .unavailable(let reason):
      if requested == .bwrap {
        return SandboxChoice(
          mode: .bwrap, problem: "sandbox bwrap was asked for, but \(reason); or run with --sandbox none")
      }
      return SandboxChoice(
        mode: .none,
        warning: "warning: agents run without a sandbox (with your full rights): \(reason). "
          + "Set [sandbox] mode = \"none\" in \(OrchestratorConfig.fileName) to silence this")
    }
  }

  /// The executor for this choice: on this machine, or (`kind` slurm) as cluster jobs that ask the nodes for the
  /// sandbox that was asked for here.
  public func executor(
    config: OrchestratorConfig, root: String, kind: ExecutorKind = .local, requested: SandboxMode? = nil
  ) -> any Executor {
    if kind == .slurm {
      return SlurmExecutor(settings: config.slurm, root: root, sandbox: requested, sandboxSettings: config.sandbox)
    }
    guard mode == .bwrap, let bwrap else { return LocalExecutor() }
    return SandboxedExecutor(bwrap: bwrap, settings: config.sandbox, root: root)
  }

  public var note: String {
    mode == .bwrap ? "sandbox: bwrap (\(bwrap ?? "?")); agents write only their lane" : "sandbox: none"
  }
}
