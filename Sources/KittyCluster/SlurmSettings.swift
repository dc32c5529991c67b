import Foundation

/// `[executor.slurm]` of orchestrator.toml: how jobs are submitted and how nodes reach the coordinator.
public struct SlurmSettings: Sendable, Equatable {
  public var partition: String?
  /// `--time` of every job (Slurm's syntax, e.g. "30:00" or "1-00:00:00"); nil: the partition's default.
  public var timeLimit: String?
  /// Extra `sbatch` arguments, as given (e.g. ["--account=ml", "--constraint=avx2"]).
  public var sbatchArgs: [String] = []
  /// The job exchange as the nodes reach it (a path on a shared filesystem, or an ssh URL); nil: its path here.
  public var repository: String?
  /// git-kitty on the nodes; nil: this binary's own path (a shared filesystem).
  public var gitKitty: String?
  /// Where a job starts and writes its Slurm output file (`--chdir`, `git-kitty-<job>.out`) on the node.
  public var workDirectory = "/tmp"
  public var cpusPerJob = 1
  /// How often the queue is asked about running jobs.
  public var pollSeconds = 0.5

  public init() {}
}
