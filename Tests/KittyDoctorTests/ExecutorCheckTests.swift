import KittyOrchestrator
import KittyTestSupport
import Testing

@testable import KittyDoctor

@Suite struct ExecutorCheckTests {
  @Test func localNeedsNothing() throws {
    let repo = try TestSupport.makeRepository()
    let checks = Doctor(directory: repo).executor()
    #expect(checks.map(\.status) == [.ok])
    #expect(checks.first?.detail.hasPrefix("local") == true)
  }

  @Test func slurmWithoutItsCommandsFailsAndSaysWhatToInstall() throws {
    let repo = try TestSupport.makeRepository()
    let checks = Doctor(directory: repo, environment: ["PATH": "/nonexistent"], executor: .slurm).executor()
    #expect(checks.count == 1)
    #expect(checks[0].status == .fail)
    #expect(checks[0].detail.contains("sbatch") && checks[0].detail.contains("slurm-client"))
  }

  @Test func slurmFromTheConfigurationFile() throws {
    let repo = try TestSupport.makeRepository()
    try TestSupport.write("[executor]\nkind = \"slurm\"\n", to: "\(repo)/.kittify/orchestrator.toml")
    let checks = Doctor(directory: repo, environment: ["PATH": "/nonexistent"]).executor()
    #expect(checks.first?.name == "slurm")
  }
}
