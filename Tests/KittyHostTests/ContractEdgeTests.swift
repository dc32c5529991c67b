import Foundation
import KittyCore
import KittyHost
import KittyTestSupport
import Testing

/// Small agreements with spec-kitty 3.2.7 at the command edge: provider versions are PEP 440 versions,
/// `--no-subtasks-complete` does not exist, an empty `--mission` gets spec-kitty's safe-path text.
@Suite struct ContractEdgeTests {
  @Test(arguments: [
    "1!0.1.0", "0.1.0.post1", "0.1.0-1", "0.1.0+build.7", "v0.2", "0.1", "1.5.0", "0.1.1.dev0", "2.0rc1",
  ])
  func providerVersionAccepted(_ version: String) throws {
    let response = OrchestratorAPI.run(["contract-version", "--provider-version", version], currentDirectory: "/")
    #expect(response.exitCode == 0, "\(response.line)")
    #expect(response.envelope.data["api_version"] == "1.5.0")
  }

  @Test(arguments: ["0.0.9", "0.1.0rc1", "0.1.0.dev3", "0.1.0a1.post2", "0!0.0.1"])
  func providerVersionTooOld(_ version: String) throws {
    let response = OrchestratorAPI.run(["contract-version", "--provider-version", version], currentDirectory: "/")
    #expect(response.exitCode == 1)
    #expect(response.envelope.errorCode == .contractVersionMismatch)
    #expect(response.envelope.data["min_supported_provider_version"] == "0.1.0", "\(response.line)")
  }

  @Test(arguments: ["banana", "1..0", "1.0.0-beta-gamma", "", "1!", "0.1.0+"])
  func providerVersionNotAVersion(_ version: String) throws {
    let response = OrchestratorAPI.run(["contract-version", "--provider-version", version], currentDirectory: "/")
    #expect(response.envelope.errorCode == .contractVersionMismatch)
    #expect(response.envelope.data["message"] == .string("Provider version '\(version)' is not a valid version string"))
    #expect(response.envelope.data["min_supported_provider_version"] == nil)
  }

  /// `packaging.version` ordering: dev < pre < final < post, epochs first, trailing zeros ignored.
  @Test func pep440Ordering() throws {
    let ordered = [
      "0.1.0.dev1", "0.1.0a1", "0.1.0a1.post1", "0.1.0b2", "0.1.0rc1", "0.1.0", "0.1.0+local.1", "0.1.0.post1",
      "0.1.1.dev0", "0.2", "1.0", "1!0.0.1",
    ].map { PEP440Version($0)! }
    for (a, b) in zip(ordered, ordered.dropFirst()) {
      #expect(a < b, "\(a) < \(b)")
      #expect(!(b < a))
    }
    #expect(PEP440Version("1.0")! == PEP440Version("1.0.0.0")!)
    #expect(PEP440Version("1.0.0-beta") != nil)
    #expect(PEP440Version("1.0.0-beta")! == PEP440Version("1.0.0b0")!)
  }

  @Test(arguments: ["--no-subtasks-complete", "--no-implementation-evidence-present"])
  func negativeEvidenceFlagsAreUsageErrors(_ flag: String) throws {
    let repo = try TestSupport.cloneFixture("lanes-fresh")
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    let before = TestSupport.snapshotTree(repo)
    let response = OrchestratorAPI.run(
      [
        "transition", "--mission", "demo-feature-01M806VT", "--wp", "WP01", "--to", "blocked", "--actor", "a", flag,
      ], currentDirectory: repo)
    let positive = "--" + flag.dropFirst("--no-".count)
    #expect(response.exitCode == 2)
    #expect(response.envelope.errorCode == .usageError)
    #expect(response.envelope.command == "orchestrator-api.unknown")
    #expect(response.envelope.data["message"] == .string("No such option: \(flag) (Possible options: \(positive))"))
    #expect(TestSupport.snapshotTree(repo) == before)
  }

  @Test(arguments: ["", " "])
  func emptyMissionHandle(_ handle: String) throws {
    let repo = try TestSupport.cloneFixture("lanes-fresh")
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    let response = OrchestratorAPI.run(["list-ready", "--mission", handle], currentDirectory: repo)
    #expect(response.envelope.errorCode == .usageError)
    #expect(
      response.envelope.data["message"]
        == .string("Not a safe path segment: '\(handle)' \u{2014} value must not be empty or whitespace-only."))
  }
}
