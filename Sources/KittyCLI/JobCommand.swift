import ArgumentParser
import Foundation
import KittyCluster
import KittyOrchestrator

/// `git kitty job`: the node side of cluster execution, and the rendering of a job for a scheduler.
struct JobCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "job",
    abstract: "Run one cluster job on a node, or print what a scheduler gets for one (docs/cluster.md).",
    subcommands: [JobRunCommand.self, JobRenderCommand.self])

  /// A job description from a file, or from stdin for "-".
  static func readDescription(_ path: String) throws -> JobDescription {
    let data: Data
    if path == "-" {
      data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
      guard let contents = FileManager.default.contents(atPath: path) else {
        throw ValidationError("\(path): no such job description (give a file written by git-kitty, or - for stdin)")
      }
      data = contents
    }
    do {
      return try JobDescription.decode(data)
    } catch {
      throw ValidationError("\(path == "-" ? "stdin" : path): \(error.message)")
    }
  }
}

/// `git kitty job run <description>`: what a Slurm batch script (or a pod) runs.
struct JobRunCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a job: check out its base in a node-local clone, run the agent, push work and result.",
    discussion: """
      Node-local files go under $KITTY_NODE_SCRATCH (else $TMPDIR, else /tmp)/git-kitty: a cache of the repository \
      that later jobs reuse, and the job's own worktree, removed at the end (kept with KITTY_JOB_KEEP=1). Exits 0 \
      when the result was sent, whatever the agent did; 1 when it could not be.
      """)
  @Argument(help: "The job description (JSON written by the coordinator), or - for stdin.") var description: String

  func run() async throws {
    let job = try JobCommand.readDescription(description)
    let runner = JobRunner(job: job)
    do {
      let result = try await runner.run { line in Console.error(line) }
      let outcome = result.outcome
      let work = result.work.map { "work \($0.prefix(10))" } ?? "no new work"
      Console.error(
        "job \(job.jobName): sent result (\(outcome.failure.map { "failed: \($0.rawValue)" } ?? "ok"), \(work))")
    } catch {
      Console.error("job \(job.jobName): \(error.message)")
      throw ExitCode(1)
    }
  }
}

/// `git kitty job render --kind kubernetes <description>`.
struct JobRenderCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "render",
    abstract: "Print what a scheduler gets for a job: a Kubernetes Job manifest, or a Slurm batch script.")
  @Option(name: .long, help: "kubernetes or slurm.") var kind: String
  @Option(name: .long, help: "The image with git, git-kitty and the agent CLIs (kubernetes).")
  var image = "git-kitty-node:latest"
  @Option(name: .long, help: "The namespace of the manifest (kubernetes).") var namespace: String?
  @Option(name: .long, help: "git-kitty on the nodes (slurm).") var gitKitty = "git-kitty"
  @Argument(help: "The job description (JSON), or - for stdin.") var description: String

  func validate() throws {
    guard ["kubernetes", "slurm"].contains(kind) else { throw ValidationError("--kind is kubernetes or slurm") }
  }

  func run() async throws {
    let job = try JobCommand.readDescription(description)
    if kind == "kubernetes" {
      print(KubernetesJob(job: job, image: image, namespace: namespace).render(), terminator: "")
    } else {
      let executor = SlurmExecutor(
        settings: SlurmSettings(), root: Console.currentDirectory, sandbox: job.sandbox,
        sandboxSettings: job.sandboxSettings)
      print("# sbatch --parsable " + executor.sbatchArguments(name: job.jobName).joined(separator: " ") + " <<'EOF'")
      print(SlurmExecutor.batchScript(job, gitKitty: gitKitty), terminator: "")
      print("EOF")
    }
  }
}
