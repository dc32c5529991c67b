import KittyCluster
import Testing

@testable import KittyOrchestrator

@Suite struct ExecutorConfigTests {
  @Test func readsExecutorSlurm() throws {
    let config = try OrchestratorConfig.parse(
      """
      [executor]
      kind = "slurm"
      [executor.slurm]
      partition = "gpu"
      time_limit = "45:00"
      sbatch_args = ["--account=ml"]
      repository = "ssh://coordinator/srv/repo/.git/kitty/exchange.git"
      git_kitty = "/opt/git-kitty/bin/git-kitty"
      work_directory = "/scratch/kitty"
      cpus_per_job = 2
      poll_seconds = 1.5
      """)
    #expect(config.executor == .slurm)
    #expect(config.slurm.partition == "gpu")
    #expect(config.slurm.timeLimit == "45:00")
    #expect(config.slurm.sbatchArgs == ["--account=ml"])
    #expect(config.slurm.repository == "ssh://coordinator/srv/repo/.git/kitty/exchange.git")
    #expect(config.slurm.gitKitty == "/opt/git-kitty/bin/git-kitty")
    #expect(config.slurm.workDirectory == "/scratch/kitty")
    #expect(config.slurm.cpusPerJob == 2)
    #expect(config.slurm.pollSeconds == 1.5)
    #expect(try OrchestratorConfig.parse("").executor == .local)
  }

  @Test(arguments: [
    ("[executor]\nkind = \"k8s\"", "executor.kind must be"),
    ("[executor.slurm]\npartitoin = \"gpu\"", "executor.slurm.partitoin is not a setting"),
    ("[executor.slurm]\ncpus_per_job = 0", "cpus_per_job must be a positive integer"),
    ("[executor.slurm]\nwork_directory = \"scratch\"", "absolute path"),
    ("[executor.slurm]\nsbatch_args = \"--account=ml\"", "sbatch_args must be a list"),
    ("[executor.slurm]\npoll_seconds = 0", "poll_seconds must be"),
    ("executor = 3", "[executor] must be a table"),
  ])
  func refusesBadSettings(_ text: String, _ message: String) {
    do {
      _ = try OrchestratorConfig.parse(text)
      Issue.record("accepted: \(text)")
    } catch {
      #expect(error.message.contains(message), "\(error.message)")
    }
  }
}
