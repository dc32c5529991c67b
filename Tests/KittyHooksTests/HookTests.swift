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

  /// The git directory of a (linked) worktree, where the hooks keep their notes.
  func gitDirectory(of worktree: String) throws -> String {
    try TestSupport.git(["rev-parse", "--absolute-git-dir"], in: worktree)
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Polls `condition` for up to `seconds`.
  func eventually(seconds: Double = 3, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    repeat {
      if try condition() { return true }
      usleep(50_000)
    } while Date() < deadline
    return false
  }

  /// Whether the lane-idle note is newer than the mission's event log (what the post-commit hook tests).
  func isIdleNoteFresh(_ marker: String, _ repo: String) -> Bool {
    let fm = FileManager.default
    guard let note = try? fm.attributesOfItem(atPath: marker)[.modificationDate] as? Date,
      let log = try? fm.attributesOfItem(atPath: WriteFixture.eventsPath(repo))[.modificationDate] as? Date
    else { return false }
    return note > log
  }

  /// How many background post-commit runs hooks.log records.
  func postCommitRuns(_ repo: String) -> Int {
    let log = (try? String(contentsOfFile: "\(repo)/.kittify/logs/hooks.log", encoding: .utf8)) ?? ""
    return log.split(separator: "\n").filter { $0.contains(" post-commit ") }.count
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

  @Test func statusFileShortcutStillCatchesEveryChangeThroughTheWorktree() throws {
    let (_, worktree) = try missionWithWorkInProgress()
    let events = "kitty-specs/\(slug)/status.events.jsonl"
    let status = "kitty-specs/\(slug)/status.json"
    let stamp = "\(try gitDirectory(of: worktree))/kitty-status-clean"
    func append(_ path: String) throws {
      let handle = try #require(FileHandle(forWritingAtPath: "\(worktree)/\(path)"))
      handle.seekToEndOfFile()
      handle.write(Data("{}\n".utf8))
      handle.closeFile()
    }
    func refused(_ result: TestSupport.CommandResult) -> Bool {
      result.status != 0 && result.stderr.contains("must not commit")
    }
    func restore() throws { _ = try git(["checkout", "-q", "HEAD", "--", "kitty-specs"], in: worktree) }

    #expect(try commitFile("a.txt", message: "a", in: worktree).status == 0)
    #expect(FileManager.default.fileExists(atPath: stamp), "a clean commit leaves the stamp")
    // With the stamp and nothing changed, git is not asked (no diff-index under the commit's trace).
    let trace = "\(worktree)/../trace-\(UUID().uuidString).json"
    defer { unlink(trace) }
    #expect(try commitFile("b.txt", message: "b", in: worktree, extra: ["GIT_TRACE2_EVENT": trace]).status == 0)
    let traced = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
    #expect(traced.contains("pre-commit") && !traced.contains("diff-index"), "the shortcut was not taken")

    // An edit made before a clean commit and staged after it.
    try append(events)
    #expect(try commitFile("c.txt", message: "c", in: worktree).status == 0, "unstaged: nothing to refuse")
    _ = try git(["add", events], in: worktree)
    #expect(refused(try git(["commit", "-q", "-m", "late stage"], in: worktree)))
    try restore()
    #expect(try commitFile("d.txt", message: "d", in: worktree).status == 0)

    // A deletion, a commit -a, an edit right after a clean commit.
    _ = try git(["rm", "-q", status], in: worktree)
    #expect(refused(try git(["commit", "-q", "-m", "delete"], in: worktree)))
    try restore()
    #expect(try commitFile("e.txt", message: "e", in: worktree).status == 0)
    try append(events)
    #expect(refused(try git(["commit", "-q", "-a", "-m", "all"], in: worktree)))
    try restore()
    try append(status)
    _ = try git(["add", status], in: worktree)
    #expect(refused(try git(["commit", "-q", "-m", "edit"], in: worktree)))
  }

  @Test func idleLaneStartsNothingUntilItsMissionMoves() throws {
    let (repo, worktree) = try missionWithWorkInProgress()
    let marker = "\(try gitDirectory(of: worktree))/kitty-lane-idle"
    let trailer = "\n\nKitty-Transition: for_review"
    #expect(try commitFile("a.txt", message: "feat: a" + trailer, in: worktree).status == 0)
    #expect(try eventually { try lane(of: "WP01", in: repo) == "for_review" && isIdleNoteFresh(marker, repo) })
    let runs = postCommitRuns(repo)
    #expect(runs == 1)

    // The lane has nothing in progress: a later trailer commit starts nothing.
    #expect(try commitFile("b.txt", message: "fix: b" + trailer, in: worktree).status == 0)
    usleep(800_000)
    #expect(postCommitRuns(repo) == runs)

    // Review sends WP01 back: the event log moved, so the next trailer commit counts again.
    #expect(try kitty(["review", "WP01", "--request-changes", "more tests"], in: repo).status == 0)
    #expect(try lane(of: "WP01", in: repo) == "in_progress")
    #expect(try commitFile("c.txt", message: "fix: c" + trailer, in: worktree).status == 0)
    #expect(try eventually { try lane(of: "WP01", in: repo) == "for_review" && isIdleNoteFresh(marker, repo) })
    #expect(postCommitRuns(repo) == runs + 1)

    // The notes go with the hooks.
    #expect(try kitty(["hooks", "uninstall"], in: repo).status == 0)
    #expect(!FileManager.default.fileExists(atPath: marker))
    #expect(
      !FileManager.default.fileExists(atPath: (marker as NSString).deletingLastPathComponent + "/kitty-status-clean"))
  }

  @Test func autoReviewIsNoticedAsSoonAsItIsSet() throws {
    let (repo, worktree) = try missionWithWorkInProgress()
    let gitDirectory = try gitDirectory(of: worktree)
    #expect(try commitFile("a.txt", message: "plain a", in: worktree).status == 0)
    #expect(
      FileManager.default.fileExists(atPath: "\(gitDirectory)/kitty-autoreview-nosystem-false"),
      "the tests run git with GIT_CONFIG_NOSYSTEM")
    usleep(400_000)
    #expect(try lane(of: "WP01", in: repo) == "in_progress")

    // Set for one command only: acted on, not remembered.
    try "b\n".write(toFile: "\(worktree)/b.txt", atomically: true, encoding: .utf8)
    _ = try git(["add", "b.txt"], in: worktree)
    #expect(try git(["-c", "kitty.autoReview=true", "commit", "-q", "-m", "plain b"], in: worktree).status == 0)
    #expect(try eventually { try lane(of: "WP01", in: repo) == "for_review" })
    #expect(FileManager.default.fileExists(atPath: "\(gitDirectory)/kitty-autoreview-nosystem-false"))

    // Set in the repository's config: the next plain commit asks git again.
    #expect(try kitty(["review", "WP01", "--request-changes", "again"], in: repo).status == 0)
    #expect(try lane(of: "WP01", in: repo) == "in_progress")
    _ = try TestSupport.git(["config", "kitty.autoReview", "true"], in: repo)
    #expect(try commitFile("c.txt", message: "plain c", in: worktree).status == 0)
    #expect(try eventually { try lane(of: "WP01", in: repo) == "for_review" })
    #expect(FileManager.default.fileExists(atPath: "\(gitDirectory)/kitty-autoreview-nosystem-true"))
  }
}
