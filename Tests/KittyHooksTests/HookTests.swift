import Foundation
import KittyHooks
import KittyTestSupport
import Testing

/// The hooks as people meet them: installed by the real binary, run by the real `git` on real commits.
@Suite(.serialized)
struct HookTests {
  let slug = WriteFixture.slug
  let binDirectory = (GitKittyBinary.path as NSString).deletingLastPathComponent
  var pathEnvironment: [String: String] {
    ["PATH": "\(binDirectory):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"]
  }

  func kitty(_ arguments: [String], in directory: String, extra: [String: String] = [:]) throws
    -> TestSupport.CommandResult
  {
    try GitKittyBinary.run(arguments, in: directory, environment: pathEnvironment.merging(extra) { $1 })
  }

  func git(_ arguments: [String], in directory: String, extra: [String: String] = [:]) throws
    -> TestSupport.CommandResult
  {
    try TestSupport.run(
      TestSupport.gitPath, arguments, in: directory, environment: pathEnvironment.merging(extra) { $1 })
  }

  /// lanes-fresh with hooks installed and WP01 in progress in its lane worktree; returns (repo, worktree).
  func missionWithWorkInProgress() throws -> (String, String) {
    let repo = try WriteFixture.clone()
    let install = try kitty(["hooks", "install"], in: repo)
    #expect(install.status == 0, "\(install.stderr)")
    let start = try kitty(
      [
        "orchestrator-api", "start-implementation", "--mission", slug, "--wp", "WP01", "--actor", "dev",
        "--policy", WriteFixture.policy,
      ], in: repo)
    #expect(start.status == 0, "\(start.stdout)")
    let envelope = try JSONSerialization.jsonObject(with: Data(start.stdout.utf8)) as! [String: Any]
    let data = try #require(envelope["data"] as? [String: Any])
    let worktree = try #require(data["workspace_path"] as? String)
    return (repo, worktree)
  }

  func lane(of wp: String, in repo: String) throws -> String? {
    let result = try kitty(["orchestrator-api", "mission-state", "--mission", slug], in: repo)
    let envelope = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    let packages = (envelope?["data"] as? [String: Any])?["work_packages"] as? [[String: Any]] ?? []
    return packages.first { $0["wp_id"] as? String == wp }?["lane"] as? String
  }

  func commitFile(_ name: String, message: String, in directory: String, extra: [String: String] = [:]) throws
    -> TestSupport.CommandResult
  {
    try "\(name)\n".write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
    _ = try git(["add", name], in: directory)
    return try git(["commit", "-q", "-m", message], in: directory, extra: extra)
  }

  @Test func embeddedScriptsMatchTheHooksDirectory() throws {
    for name in HookScripts.names {
      let file = try String(contentsOfFile: "\(TestSupport.repoRoot)/hooks/\(name)", encoding: .utf8)
      #expect(HookScripts.template(name) == file, "hooks/\(name) drifted from HookScripts.swift")
    }
  }

  @Test func trailerCommitMovesTheWorkPackageToForReview() throws {
    let (repo, worktree) = try missionWithWorkInProgress()
    #expect(try lane(of: "WP01", in: repo) == "in_progress")
    let commit = try commitFile("a.txt", message: "feat: a\n\nKitty-Transition: for_review", in: worktree)
    #expect(commit.status == 0, "\(commit.stderr)")
    var observed: String?
    let deadline = Date().addingTimeInterval(2)
    repeat {
      observed = try lane(of: "WP01", in: repo)
      if observed == "for_review" { break }
      usleep(50_000)
    } while Date() < deadline
    #expect(observed == "for_review")
    let log = try String(contentsOfFile: "\(repo)/.kittify/logs/hooks.log", encoding: .utf8)
    #expect(log.contains("WP01"))
  }

  @Test func plainCommitLeavesTheWorkPackageAlone() throws {
    let (repo, worktree) = try missionWithWorkInProgress()
    let events = try Data(contentsOf: URL(fileURLWithPath: WriteFixture.eventsPath(repo)))
    let commit = try commitFile("b.txt", message: "feat: b", in: worktree)
    #expect(commit.status == 0, "\(commit.stderr)")
    usleep(500_000)
    #expect(try lane(of: "WP01", in: repo) == "in_progress")
    #expect(try Data(contentsOf: URL(fileURLWithPath: WriteFixture.eventsPath(repo))) == events)
  }

  @Test func protectedBranchWritesAreRefusedUnlessAllowed() throws {
    let repo = try WriteFixture.clone()
    #expect(try kitty(["hooks", "install"], in: repo).status == 0)
    _ = try git(["switch", "-q", "main"], in: repo)
    let before = try TestSupport.git(["rev-parse", "main"], in: repo)

    let commit = try commitFile("c.txt", message: "on main", in: repo)
    #expect(commit.status != 0)
    #expect(commit.stderr.contains("protected branch main"))

    let noVerify = try git(["commit", "-q", "--no-verify", "-m", "on main, no verify"], in: repo)
    #expect(noVerify.status != 0, "reference-transaction must catch --no-verify")

    let develop = try TestSupport.git(["rev-parse", "develop"], in: repo).trimmingCharacters(
      in: .whitespacesAndNewlines)
    let updateRef = try git(["update-ref", "refs/heads/main", develop], in: repo)
    #expect(updateRef.status != 0)
    #expect(try TestSupport.git(["rev-parse", "main"], in: repo) == before)

    let same = before.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(try git(["update-ref", "refs/heads/main", same], in: repo).status == 0, "a no-op update passes")

    let allowed = try git(
      ["commit", "-q", "-m", "allowed on main"], in: repo, extra: ["KITTY_ALLOW_PROTECTED": "1"])
    #expect(allowed.status == 0, "\(allowed.stderr)")
    #expect(try TestSupport.git(["rev-parse", "main"], in: repo) != before)
  }

  @Test func foreignHookIsChainedAndRestored() throws {
    let repo = try WriteFixture.clone()
    let hooks = try TestSupport.git(["rev-parse", "--git-path", "hooks"], in: repo)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let hooksDir = hooks.hasPrefix("/") ? hooks : "\(repo)/\(hooks)"
    try FileManager.default.createDirectory(atPath: hooksDir, withIntermediateDirectories: true)
    let foreign = "#!/bin/sh\necho ran >> \"$(git rev-parse --git-common-dir)/foreign-ran\"\n"
    try foreign.write(toFile: "\(hooksDir)/post-commit", atomically: true, encoding: .utf8)
    chmod("\(hooksDir)/post-commit", 0o755)

    #expect(try kitty(["hooks", "install"], in: repo).status == 0)
    let status = try kitty(["hooks", "status", "--json"], in: repo)
    #expect(status.stdout.contains("chained"), "\(status.stdout)")
    #expect(try commitFile("d.txt", message: "feature work", in: repo).status == 0)
    let common = try TestSupport.git(["rev-parse", "--git-common-dir"], in: repo)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let marker = common.hasPrefix("/") ? "\(common)/foreign-ran" : "\(repo)/\(common)/foreign-ran"
    #expect(FileManager.default.fileExists(atPath: marker), "the foreign hook ran after install")

    #expect(try kitty(["hooks", "uninstall"], in: repo).status == 0)
    #expect(try String(contentsOfFile: "\(hooksDir)/post-commit", encoding: .utf8) == foreign)
    #expect(!FileManager.default.fileExists(atPath: "\(hooksDir)/post-commit.pre-kitty"))
  }

  @Test func installTwiceEqualsInstallOnce() throws {
    let repo = try WriteFixture.clone()
    #expect(try kitty(["hooks", "install"], in: repo).status == 0)
    let hooksDir = "\(repo)/.git/hooks"
    let once = try HookScripts.names.map { try Data(contentsOf: URL(fileURLWithPath: "\(hooksDir)/\($0)")) }
    let listing = try FileManager.default.contentsOfDirectory(atPath: hooksDir).sorted()
    let second = try kitty(["hooks", "install"], in: repo)
    #expect(second.status == 0)
    #expect(second.stdout.contains("up to date"))
    let twice = try HookScripts.names.map { try Data(contentsOf: URL(fileURLWithPath: "\(hooksDir)/\($0)")) }
    #expect(once == twice)
    #expect(try FileManager.default.contentsOfDirectory(atPath: hooksDir).sorted() == listing)
  }

  @Test func coreHooksPathIsHonoured() throws {
    let repo = try WriteFixture.clone()
    _ = try TestSupport.git(["config", "core.hooksPath", "githooks"], in: repo)
    #expect(try kitty(["hooks", "install"], in: repo).status == 0)
    for name in HookScripts.names {
      #expect(FileManager.default.isExecutableFile(atPath: "\(repo)/githooks/\(name)"))
      #expect(!FileManager.default.fileExists(atPath: "\(repo)/.git/hooks/\(name)"))
    }
    _ = try git(["switch", "-q", "main"], in: repo)
    #expect(try commitFile("e.txt", message: "on main", in: repo).status != 0)
  }

  @Test func laneWorktreeMayNotCommitStatusFiles() throws {
    let (_, worktree) = try missionWithWorkInProgress()
    let events = "kitty-specs/\(slug)/status.events.jsonl"
    try "{}\n".write(toFile: "\(worktree)/\(events)", atomically: false, encoding: .utf8)
    _ = try git(["add", "-f", events], in: worktree)
    let commit = try git(["commit", "-q", "-m", "sneaky"], in: worktree)
    #expect(commit.status != 0)
    #expect(commit.stderr.contains("must not commit"))
  }
}
