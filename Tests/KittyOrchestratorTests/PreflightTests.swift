import Foundation
import KittyExecutors
import KittyHost
@testable import KittyOrchestrator
import KittyTestSupport
import Testing

@Suite struct PreflightTests {
  /// A bypass-permission mode turns off the CLI's own checks: without a sandbox the run refuses to start, naming
  /// the agent, the flag and where to remove it.
  @Test(arguments: [
    "args = [\"-p\", \"--dangerously-skip-permissions\"]", "args = [\"exec\", \"--sandbox\", \"danger-full-access\"]",
    "env = { IS_SANDBOX = \"1\" }",
  ])
  func aBypassModeIsRefusedOutsideASandbox(_ setting: String) async throws {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh")], name: "bypass")
    let config = try OrchestratorConfig.parse("[agents.claude-code]\ncommand = \"sh\"\n\(setting)\n")
    var options = OrchestrateOptions(root: sandbox.repo, mission: sandbox.slug, config: config)
    options.implementationAgents = ["claude-code"]
    options.reviewAgents = ["script"]
    options.sandbox = SandboxMode.none
    let report = await Preflight.check(options: options, host: LocalHost(root: sandbox.repo), slug: sandbox.slug)
    let problem = try #require(report.problems.first { $0.contains("bypass") || $0.contains("permission checks") })
    #expect(problem.contains("agent claude-code"))
    #expect(problem.contains("[agents.claude-code]"))
  }

  @Test func theDefaultsUseNoBypassMode() {
    for spec in AgentCatalog.builtIn.values {
      #expect(Preflight.bypassFlag(spec) == nil, "\(spec.id)")
    }
  }
}
