import Foundation
import KittyTestSupport
import Testing

/// An orchestrator.toml that cannot be read is refused with its path and the reason, never taken for the defaults;
/// a dry run reports what the real run would refuse at its end.
@Suite struct ConfigurationRefusalTests {
  enum BadFile: String, CaseIterable, CustomTestStringConvertible {
    case directory, notUTF8
    var testDescription: String { rawValue }
  }

  /// `max_concurrent_wps = -3` would be refused if the file were read: a dry run that says "ready" ignored it.
  @Test(arguments: BadFile.allCases) func anUnreadableConfigurationIsRefused(_ bad: BadFile) throws {
    let sandbox = try OrchestratorSandbox(SandboxWP.chain(1), name: "config")
    let path = "\(sandbox.repo)/.kittify/orchestrator.toml"
    try? FileManager.default.removeItem(atPath: path)
    switch bad {
    case .directory:
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    case .notUTF8:
      try Data(Array("max_concurrent_wps = -3\n# ".utf8) + [0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: path))
    }
    let before = TestSupport.snapshotTree(sandbox.repo)
    for extra in [["--dry-run"], []] {
      let result = try sandbox.kitty(sandbox.orchestrateArguments(extra: extra))
      #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
      #expect(result.stderr.contains(path), "\(result.stderr)")
      #expect(
        result.stderr.contains(bad == .directory ? "it is a directory" : "is not UTF-8 text"), "\(result.stderr)")
      #expect(!result.stdout.contains("ready"))
    }
    #expect(TestSupport.snapshotTree(sandbox.repo) == before)
  }

  /// A target that does not exist used to pass the dry run and fail only after every WP was done. Every strategy
  /// the CLI accepts (merge, squash, rebase) is one the native host merges with.
  @Test func aDryRunReportsTheMergeTheRunWouldRefuse() throws {
    let sandbox = try OrchestratorSandbox(SandboxWP.chain(1), name: "config")
    let before = TestSupport.snapshotTree(sandbox.repo)
    let result = try sandbox.kitty(
      sandbox.orchestrateArguments(merge: true, extra: ["--dry-run", "--strategy", "rebase"]))
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(!result.stdout.contains("PROBLEM"), "\(result.stdout)")
    let missingTarget = try sandbox.kitty(
      sandbox.orchestrateArguments(merge: true, extra: ["--dry-run", "--target", "no-such-branch"]))
    #expect(missingTarget.status == 1)
    #expect(missingTarget.stdout.contains("target branch no-such-branch does not exist"), "\(missingTarget.stdout)")
    #expect(TestSupport.snapshotTree(sandbox.repo) == before)
  }
}
