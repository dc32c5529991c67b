import Foundation
import KittyCore
import KittyGit
import KittyHooks
import KittyTestSupport
import Testing

@testable import KittyDoctor

/// A PATH directory holding stand-ins for the programs doctor looks for.
private struct FakeBin {
  let directory = TestSupport.temporaryDirectory("doctor-bin")

  /// An executable shell script named `name` whose body is `script`.
  func add(_ name: String, _ script: String) throws {
    let path = "\(directory)/\(name)"
    try "#!/bin/sh\n\(script)\n".write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o755)
  }

  /// The real git, so repository checks that shell out keep working.
  func addRealGit() throws {
    try FileManager.default.createSymbolicLink(atPath: "\(directory)/git", withDestinationPath: TestSupport.gitPath)
  }

  func addSpecKitty(version: String = "3.2.7", contract: String = "1.5.0") throws {
    try add(
      "spec-kitty",
      """
      if [ "$1" = "--version" ]; then echo "spec-kitty-cli version \(version)"; exit 0; fi
      if [ "$1 $2" = "orchestrator-api contract-version" ]; then
        echo 'Warning: something printed before the envelope'
        echo '{"contract_version": "\(contract)", "command": "orchestrator-api.contract-version", "timestamp": "2026-01-01T00:00:00+00:00", "correlation_id": "corr-00000000000000000000000000000000", "success": true, "error_code": null, "data": {"api_version": "\(contract)", "min_supported_provider_version": "0.1.0"}}'
        exit 0
      fi
      exit 2
      """)
  }

  var environment: [String: String] { ["PATH": directory] }
}

private func check(_ report: Doctor.Report, _ name: String) throws -> Doctor.Check {
  try #require(report.checks.first { $0.name == name }, "no check named \(name) in \(report.lines)")
}

@Suite struct DoctorEnvironmentTests {
  @Test func outsideARepositoryTheRepositoryChecksAreSkippedNotFailed() throws {
    let bin = FakeBin()
    try bin.addRealGit()
    try bin.add("claude", "exit 0")
    try bin.addSpecKitty()
    try bin.add("git-kitty", "exit 0")
    let report = Doctor(directory: TestSupport.temporaryDirectory("doctor-outside"), environment: bin.environment).run()

    #expect(
      report.checks.map(\.name) == [
        "libgit2", "git", "git-kitty", "agents", "agent claude-code", "spec-kitty", "sandbox", "executor", "repository",
        "protected branches", "hooks", "merge driver",
      ])
    for name in Doctor.repositoryCheckNames {
      #expect(try check(report, name).status == .skip)
    }
    #expect(try check(report, "repository").detail.contains("not inside a git repository"))
    #expect(!report.failed)
    #expect(try check(report, "git").status == .ok)
    let agents = try check(report, "agents")
    #expect(agents.status == .ok)
    #expect(agents.detail.contains("claude-code (\(bin.directory)/claude)"))
    #expect(!agents.detail.contains("codex"))
    let specKitty = try check(report, "spec-kitty")
    #expect(specKitty.status == .ok)
    #expect(specKitty.detail.hasPrefix("3.2.7, contract 1.5.0"))
    #expect(try check(report, "libgit2").detail.hasPrefix(Libgit2.version))
    #expect(report.json["ok"] == .bool(true))
    #expect(report.lines.count == report.checks.count)
  }

  @Test func withoutGitOnPathDoctorFails() throws {
    let bin = FakeBin()
    let report = Doctor(directory: TestSupport.temporaryDirectory("doctor-nogit"), environment: bin.environment).run()
    #expect(try check(report, "git").status == .fail)
    #expect(report.failed)
    #expect(report.json["ok"] == .bool(false))
    #expect(try check(report, "git-kitty").status == .warn)
    let agents = try check(report, "agents")
    #expect(agents.status == .warn)
    #expect(agents.detail.contains("claude, codex"))
    let specKitty = try check(report, "spec-kitty")
    #expect(specKitty.status == .ok)
    #expect(specKitty.detail.hasPrefix("not on PATH"))
  }

  @Test func gitOlderThan230Warns() throws {
    let bin = FakeBin()
    try bin.add("git", "echo 'git version 2.25.1'")
    let report = Doctor(directory: TestSupport.temporaryDirectory("doctor-oldgit"), environment: bin.environment).run()
    let git = try check(report, "git")
    #expect(git.status == .warn)
    #expect(git.detail.hasPrefix("2.25.1 at \(bin.directory)/git is older than 2.30"))
    #expect(!report.failed)
  }

  @Test func specKittyWithAnOldContractOrAnotherReleaseWarns() throws {
    let old = FakeBin()
    try old.addSpecKitty(version: "3.1.0", contract: "1.1.0")
    let oldCheck = try check(
      Doctor(directory: TestSupport.temporaryDirectory("doctor-sk"), environment: old.environment).run(), "spec-kitty")
    #expect(oldCheck.status == .warn)
    #expect(oldCheck.detail.contains("needs contract 1.2.0 or newer"))

    let newer = FakeBin()
    try newer.addSpecKitty(version: "3.4.0", contract: "1.6.0")
    let newerCheck = try check(
      Doctor(directory: TestSupport.temporaryDirectory("doctor-sk"), environment: newer.environment).run(), "spec-kitty"
    )
    #expect(newerCheck.status == .warn)
    #expect(newerCheck.detail.contains("follows spec-kitty 3.2.7"))

    let broken = FakeBin()
    try broken.add(
      "spec-kitty", "echo 'spec-kitty-cli version 3.2.7'; [ \"$1\" = --version ] || { echo boom >&2; exit 1; }")
    let brokenCheck = try check(
      Doctor(directory: TestSupport.temporaryDirectory("doctor-sk"), environment: broken.environment).run(),
      "spec-kitty")
    #expect(brokenCheck.status == .warn)
    #expect(brokenCheck.detail.contains("contract-version failed"))
  }

  /// A Codex whose `exec --help` no longer lists a flag git-kitty passes (as --full-auto vanished) fails the check,
  /// naming the flag; one that lists them all passes.
  @Test func anAgentCLIThatNoLongerKnowsAFlagFails() throws {
    let bin = FakeBin()
    defer { try? FileManager.default.removeItem(atPath: bin.directory) }
    try bin.addRealGit()
    let fullHelp = "--json --sandbox --add-dir --skip-git-repo-check"
    try bin.add(
      "codex",
      """
      if [ "$1" = "--version" ]; then echo "codex-cli 0.163.0"; exit 0; fi
      if [ "$1 $2" = "exec --help" ]; then echo "Usage: codex exec [OPTIONS] \(fullHelp)"; exit 0; fi
      exit 2
      """)
    let dir = TestSupport.temporaryDirectory("doctor-agent")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let good = try check(Doctor(directory: dir, environment: bin.environment).run(), "agent codex")
    #expect(good.status == .ok, "\(good.detail)")
    #expect(good.detail.contains("0.163.0, the version tested in CI"))

    try bin.add(
      "codex",
      """
      if [ "$1" = "--version" ]; then echo "codex-cli 0.170.0"; exit 0; fi
      if [ "$1 $2" = "exec --help" ]; then echo "Usage: codex exec [OPTIONS] --json --sandbox"; exit 0; fi
      exit 2
      """)
    let broken = try check(Doctor(directory: dir, environment: bin.environment).run(), "agent codex")
    #expect(broken.status == .fail)
    #expect(broken.detail.contains("does not know --add-dir"), "\(broken.detail)")
  }

  @Test func versionsAreReadFromToolOutput() {
    #expect(Doctor.firstVersion(in: "git version 2.39.5") == "2.39.5")
    #expect(Doctor.firstVersion(in: "git version 2.45.1.windows.1") == "2.45.1")
    #expect(Doctor.firstVersion(in: "spec-kitty-cli version 3.2.7\n") == "3.2.7")
    #expect(Doctor.firstVersion(in: "build 7 of 2.30.") == "2.30")
    #expect(Doctor.firstVersion(in: "no version here 42") == nil)
  }
}

@Suite struct DoctorRepositoryTests {
  @Test func protectedBranchesComeFromTheConfigAndTheCurrentBranchIsFlagged() throws {
    let repo = try TestSupport.makeRepository(branch: "main")
    try TestSupport.write("protection:\n  protected_branches: [main, release]\n", to: "\(repo)/.kittify/config.yaml")
    let bin = FakeBin()
    try bin.addRealGit()
    let report = Doctor(directory: repo, environment: bin.environment).run()
    #expect(try check(report, "repository").detail == "\(repo) (on main)")
    let protection = try check(report, "protected branches")
    #expect(protection.status == .ok)
    #expect(protection.detail.hasPrefix("main, release (from .kittify/config.yaml);"))
    #expect(protection.detail.contains("you are on main: start a feature branch"))
    #expect(try check(report, "hooks").detail.hasPrefix("not installed"))
    #expect(try check(report, "merge driver").status == .warn)
    #expect(!report.failed)
  }

  @Test func aMalformedProtectionConfigFails() throws {
    let repo = try TestSupport.makeRepository()
    try TestSupport.write("protection:\n  protected_branches: main\n", to: "\(repo)/.kittify/config.yaml")
    let bin = FakeBin()
    try bin.addRealGit()
    let report = Doctor(directory: repo, environment: bin.environment).run()
    let protection = try check(report, "protected branches")
    #expect(protection.status == .fail)
    #expect(protection.detail.contains("must be a list"))
    #expect(report.failed)
  }

  @Test func theEscapeHatchWarnsThatProtectionIsOff() throws {
    let repo = try TestSupport.makeRepository()
    let bin = FakeBin()
    try bin.addRealGit()
    var environment = bin.environment
    environment[ProtectedBranches.hatchVariable] = "yes"
    let protection = try check(Doctor(directory: repo, environment: environment).run(), "protected branches")
    #expect(protection.status == .warn)
    #expect(protection.detail.contains("protection is off"))
  }

  @Test func theMergeDriverMustBeConfiguredAndOnPath() throws {
    let repo = try TestSupport.makeRepository()
    try FileManager.default.createDirectory(atPath: "\(repo)/.kittify", withIntermediateDirectories: true)
    let bin = FakeBin()
    try bin.addRealGit()
    #expect(try check(Doctor(directory: repo, environment: bin.environment).run(), "merge driver").status == .warn)

    try TestSupport.write(
      "kitty-specs/*/status.events.jsonl merge=spec-kitty-event-log\n", to: "\(repo)/.gitattributes")
    let unconfigured = try check(Doctor(directory: repo, environment: bin.environment).run(), "merge driver")
    #expect(unconfigured.status == .warn)
    #expect(unconfigured.detail.contains("merge.spec-kitty-event-log.driver is not configured"))

    try TestSupport.git(
      ["config", "merge.spec-kitty-event-log.driver", "spec-kitty merge-driver-event-log %O %A %B"], in: repo)
    let notOnPath = try check(Doctor(directory: repo, environment: bin.environment).run(), "merge driver")
    #expect(notOnPath.status == .warn)
    #expect(notOnPath.detail.contains("runs spec-kitty, which is not on PATH"))

    try bin.addSpecKitty()
    let ok = try check(Doctor(directory: repo, environment: bin.environment).run(), "merge driver")
    #expect(ok.status == .ok)
    #expect(ok.detail == "spec-kitty-event-log: spec-kitty merge-driver-event-log %O %A %B")
  }

  @Test func hookStatesAreReported() throws {
    let repo = try TestSupport.makeRepository()
    let bin = FakeBin()
    try bin.addRealGit()
    _ = try HookInstaller(root: repo).install(force: true)
    let installed = try check(Doctor(directory: repo, environment: bin.environment).run(), "hooks")
    #expect(installed.status == .ok)
    #expect(installed.detail.hasSuffix("installed"))

    let hooksDirectory = try HookInstaller(root: repo).hooksDirectory()
    let preCommit = "\(hooksDirectory)/pre-commit"
    try (TestSupport.read(preCommit) + "\n# edited by hand\n").write(
      toFile: preCommit, atomically: true, encoding: .utf8)
    let outdated = try check(Doctor(directory: repo, environment: bin.environment).run(), "hooks")
    #expect(outdated.status == .warn)
    #expect(outdated.detail.hasPrefix("outdated: pre-commit"))
  }

  @Test func fromAWorktreeSubdirectoryTheMainCheckoutIsChecked() throws {
    let repo = try TestSupport.makeRepository()
    try TestSupport.git(["switch", "-q", "-c", "feature/x"], in: repo)
    let worktree = (repo as NSString).deletingLastPathComponent + "/wt"
    try TestSupport.git(["worktree", "add", "-q", "-b", "side", worktree], in: repo)
    try FileManager.default.createDirectory(atPath: "\(worktree)/sub", withIntermediateDirectories: true)
    let bin = FakeBin()
    try bin.addRealGit()
    let report = Doctor(directory: "\(worktree)/sub", environment: bin.environment).run()
    #expect(try check(report, "repository").detail == "\(repo) (on feature/x)")
  }
}
