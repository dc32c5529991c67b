import Foundation
import KittyTestSupport
import Testing

@Suite struct ProjectInitTests {
  @Test func initTwiceEqualsInitOnce() throws {
    let repo = try TestSupport.makeRepository()
    try "node_modules/".write(toFile: "\(repo)/.gitignore", atomically: true, encoding: .utf8)  // no newline at end
    let head = try TestSupport.git(["rev-parse", "HEAD"], in: repo)
    let first = try Authoring.run(["init"], in: repo)
    #expect(first.stdout.contains("created .kittify/config.yaml"))
    let once = try Authoring.Snapshot(repo)
    let second = try Authoring.run(["init"], in: repo)
    #expect(second.stdout == "already initialised\n")
    let twice = try Authoring.Snapshot(repo)
    #expect(once == twice, "second init changed \(once.differences(twice))")
    // On main (protected) init commits nothing; its files wait for a feature branch.
    #expect(try TestSupport.git(["rev-parse", "HEAD"], in: repo) == head)
    #expect(try TestSupport.read("\(repo)/.gitignore").hasPrefix("node_modules/\n# git-kitty\n.worktrees/\n"))
    #expect(
      try TestSupport.git(["config", "merge.git-kitty-event-log.driver"], in: repo)
        == "git-kitty merge-driver event-log %O %A %B\n")
  }

  @Test func initKeepsAnExistingConfigAndSpecKittysMergeDriver() throws {
    let repo = try TestSupport.makeRepository()
    let config = "vcs:\n  type: git\nprotection:\n  protected_branches: [main, release]\n"
    try TestSupport.write(config, to: "\(repo)/.kittify/config.yaml")
    try TestSupport.git(
      ["config", "merge.spec-kitty-event-log.driver", "spec-kitty merge-driver-event-log %O %A %B"], in: repo)
    try Authoring.run(["init"], in: repo)
    #expect(try TestSupport.read("\(repo)/.kittify/config.yaml") == config)
    let ours = try TestSupport.run(TestSupport.gitPath, ["config", "merge.git-kitty-event-log.driver"], in: repo)
    #expect(ours.status == 1, "git-kitty registered its driver beside spec-kitty's")
    #expect(
      try TestSupport.git(["config", "merge.spec-kitty-event-log.driver"], in: repo)
        == "spec-kitty merge-driver-event-log %O %A %B\n")
    #expect(
      try TestSupport.read("\(repo)/.gitattributes") == "kitty-specs/*/status.events.jsonl merge=spec-kitty-event-log\n"
    )
  }

  /// A clone of a spec-kitty project has its .gitattributes (merge=spec-kitty-event-log) but not the .git/config
  /// that defines the driver: init defines that name with git-kitty's driver instead of adding an unused one.
  @Test func initInACloneOfASpecKittyProjectDefinesTheDriverItsAttributesName() throws {
    let repo = try TestSupport.cloneFixture("lanes-fresh")
    let attributes = try TestSupport.read("\(repo)/.gitattributes")
    let result = try Authoring.run(["init"], in: repo)
    #expect(result.stdout.contains("registered the merge driver spec-kitty-event-log"))
    #expect(
      try TestSupport.git(["config", "merge.spec-kitty-event-log.driver"], in: repo)
        == "git-kitty merge-driver event-log %O %A %B\n")
    #expect(try TestSupport.read("\(repo)/.gitattributes") == attributes)
    #expect(
      try TestSupport.run(TestSupport.gitPath, ["config", "merge.git-kitty-event-log.driver"], in: repo).status == 1)
    #expect(try Authoring.run(["init"], in: repo).stdout == "already initialised\n")
    // git now runs the driver for the fixture's event log.
    let check = try TestSupport.git(
      ["check-attr", "merge", "--", "kitty-specs/demo-feature-01M806VT/status.events.jsonl"], in: repo)
    #expect(check.hasSuffix("merge: spec-kitty-event-log\n"))
  }
}

@Suite struct MissionNewTests {
  @Test func missionNewOnMainIsRefusedWithTheWayOutAndChangesNothing() throws {
    let repo = try TestSupport.makeRepository()
    try Authoring.run(["init"], in: repo)
    let before = try Authoring.Snapshot(repo)
    let result = try Authoring.run(["mission", "new", "add-login"], in: repo, expectStatus: 1)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.contains("refusing to create a mission on protected branch 'main'"))
    #expect(result.stderr.contains("git switch -c feature/<name>"))
    let after = try Authoring.Snapshot(repo)
    #expect(before == after, "a refused mission new changed \(before.differences(after))")
  }

  @Test func aProtectedTargetBranchIsRefusedToo() throws {
    let repo = try Authoring.initialisedRepository()
    let before = try Authoring.Snapshot(repo)
    let result = try Authoring.run(
      ["mission", "new", "add-login", "--target-branch", "main"], in: repo, expectStatus: 1)
    #expect(result.stderr.contains("the target branch 'main' is protected"))
    #expect(try Authoring.Snapshot(repo) == before)
  }

  @Test func missionNewOnAFeatureBranchCommitsTheScaffold() throws {
    let repo = try Authoring.initialisedRepository()
    let slug = try Authoring.newMission(repo, "add-login")
    #expect(slug.range(of: #"^add-login-[0-9A-HJKMNP-TV-Z]{8}$"#, options: .regularExpression) != nil)
    let meta = try GoldenJSON.parse(try TestSupport.read("\(repo)/kitty-specs/\(slug)/meta.json"))
    #expect(meta["target_branch"] as? String == "feature/x")
    #expect((meta["mission_id"] as? String)?.hasPrefix(String(slug.suffix(8))) == true)
    #expect(try TestSupport.git(["log", "-1", "--format=%s"], in: repo) == "Add scaffold for feature \(slug)\n")
    #expect(try TestSupport.git(["status", "--porcelain"], in: repo).isEmpty)
  }
}

@Suite struct MissionFinalizeTests {
  /// Runs finalize expecting a refusal that names `message`, and checks nothing was written or committed.
  private func expectRefusal(_ repo: String, _ slug: String, _ message: String) throws {
    let before = try Authoring.Snapshot(repo)
    let result = try Authoring.run(["mission", "finalize", slug], in: repo, expectStatus: 1)
    #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
    let after = try Authoring.Snapshot(repo)
    #expect(before == after, "a refused finalize changed \(before.differences(after))")
    #expect(!FileManager.default.fileExists(atPath: "\(repo)/kitty-specs/\(slug)/lanes.json"))
  }

  @Test func aDependencyCycleIsRejected() throws {
    let repo = try Authoring.initialisedRepository()
    let slug = try Authoring.newMission(repo)
    try Authoring.writeWorkPackage(repo, slug, "WP01-a.md", dependencies: "[WP03]", owned: "src/a.sh")
    try Authoring.writeWorkPackage(repo, slug, "WP02-b.md", dependencies: "[WP01]", owned: "src/b.sh")
    try Authoring.writeWorkPackage(repo, slug, "WP03-c.md", dependencies: "[WP02]", owned: "src/c.sh")
    try expectRefusal(repo, slug, "Dependency cycle: WP01 -> WP03 -> WP02 -> WP01")
  }

  @Test func aMissingDependencyIsRejected() throws {
    let repo = try Authoring.initialisedRepository()
    let slug = try Authoring.newMission(repo)
    try Authoring.writeWorkPackage(repo, slug, "WP01-a.md", owned: "src/a.sh")
    try Authoring.writeWorkPackage(repo, slug, "WP02-b.md", dependencies: "[WP01, WP07]", owned: "src/b.sh")
    try expectRefusal(repo, slug, "WP02 depends on WP07")
  }

  @Test func aBadWorkPackageIDIsRejected() throws {
    let repo = try Authoring.initialisedRepository()
    let slug = try Authoring.newMission(repo)
    try Authoring.writeWorkPackage(repo, slug, "WP01-a.md", owned: "src/a.sh")
    try Authoring.writeWorkPackage(repo, slug, "WP02-b.md", id: "WP2", owned: "src/b.sh")
    try expectRefusal(repo, slug, "frontmatter field 'work_package_id' must look like WP01 (got 'WP2')")
    try Authoring.writeWorkPackage(repo, slug, "WP02-b.md", id: "WP03", owned: "src/b.sh")
    try expectRefusal(repo, slug, "WP ID mismatch: filename WP02 vs frontmatter WP03")
  }

  @Test func twoFilesForOneWorkPackageAreRejected() throws {
    let repo = try Authoring.initialisedRepository()
    let slug = try Authoring.newMission(repo)
    try Authoring.writeWorkPackage(repo, slug, "WP01-a.md", owned: "src/a.sh")
    try Authoring.writeWorkPackage(repo, slug, "WP01-b.md", owned: "src/b.sh")
    try expectRefusal(repo, slug, "WP01 is declared by WP01-a.md and WP01-b.md")
  }

  /// WP01 and WP03 share a file with WP02 between them: spec-kitty refuses the lane cycle that results.
  @Test func aCycleBetweenLanesIsRejected() throws {
    let repo = try Authoring.initialisedRepository()
    let slug = try Authoring.newMission(repo)
    try Authoring.writeWorkPackage(repo, slug, "WP01-a.md", owned: "src/shared.sh")
    try Authoring.writeWorkPackage(repo, slug, "WP02-b.md", dependencies: "[WP01]", owned: "src/b.sh")
    try Authoring.writeWorkPackage(repo, slug, "WP03-c.md", dependencies: "[WP02]", owned: "src/shared.sh")
    try expectRefusal(repo, slug, "Execution-lane dependency cycle detected: lane-a -> lane-b -> lane-a")
  }

  @Test func overlappingOwnershipAcrossIndependentWPsWarnsAndSharesALane() throws {
    let repo = try Authoring.initialisedRepository()
    let slug = try Authoring.newMission(repo)
    try Authoring.writeWorkPackage(repo, slug, "WP01-core.md", owned: "src/core.sh")
    try Authoring.writeWorkPackage(repo, slug, "WP02-left.md", dependencies: "[WP01]", owned: "src/shared/**")
    try Authoring.writeWorkPackage(repo, slug, "WP03-right.md", dependencies: "[WP01]", owned: "src/shared/right.sh")
    let result = try Authoring.run(["mission", "finalize", slug], in: repo)
    #expect(
      result.stderr.contains(
        "warning: WP02 ('src/shared/**') and WP03 ('src/shared/right.sh') own overlapping files but neither depends on the other"
      ))
    #expect(result.stdout.contains("lane-b: WP02, WP03 after lane-a"))
    let lanes = try GoldenJSON.parse(try TestSupport.read("\(repo)/kitty-specs/\(slug)/lanes.json"))
    let laneList = try #require(lanes["lanes"] as? [[String: Any]])
    #expect(laneList.map { $0["wp_ids"] as? [String] ?? [] } == [["WP01"], ["WP02", "WP03"]])
    let report = try #require(lanes["collapse_report"] as? [String: Any])
    #expect(report["independent_wps_collapsed"] as? Int == 1)
    #expect(try TestSupport.git(["log", "-1", "--format=%s"], in: repo) == "Add tasks for feature \(slug)\n")
    #expect(try TestSupport.git(["status", "--porcelain"], in: repo).isEmpty)
  }

  private func writeTasks(_ repo: String, _ slug: String, _ sections: [(String, String)]) throws {
    let text = sections.map { "## Work Package \($0.0): Part\n\n### Dependencies\n\n\($0.1)\n" }
    try TestSupport.write(
      "# Work Packages\n\n" + text.joined(separator: "\n"), to: "\(repo)/kitty-specs/\(slug)/tasks.md")
  }

  /// As spec-kitty's finalize-tasks: a WP with no frontmatter dependencies takes its tasks.md section's, written
  /// into its frontmatter; a frontmatter list wins over its section.
  @Test func tasksMarkdownDependenciesReachTheFrontmatter() throws {
    let repo = try Authoring.initialisedRepository()
    let slug = try Authoring.newMission(repo)
    try Authoring.writeWorkPackage(repo, slug, "WP01-a.md", owned: "src/a.sh")
    try Authoring.writeWorkPackage(repo, slug, "WP02-b.md", owned: "src/b.sh")
    try Authoring.writeWorkPackage(repo, slug, "WP03-c.md", dependencies: "[WP01]", owned: "src/c.sh")
    try writeTasks(
      repo, slug,
      [("WP01", "- None (starting package)."), ("WP02", "- Depends on WP01."), ("WP03", "- Depends on WP02.")])
    try TestSupport.git(["add", "-A"], in: repo)
    try TestSupport.git(["commit", "-qm", "tasks"], in: repo)
    let wp03 = try TestSupport.read("\(repo)/kitty-specs/\(slug)/tasks/WP03-c.md")

    let result = try Authoring.run(["mission", "finalize", slug], in: repo)
    #expect(result.stdout.contains("WP02: depends on WP01 (from tasks.md, now in its frontmatter)"), "\(result.stdout)")
    #expect(!result.stdout.contains("WP03: depends on"))
    let wp02 = try TestSupport.read("\(repo)/kitty-specs/\(slug)/tasks/WP02-b.md")
    #expect(wp02.contains("title: WP02 title\ndependencies:\n- WP01\nsubtasks: []\n"), "\(wp02)")
    #expect(try TestSupport.read("\(repo)/kitty-specs/\(slug)/tasks/WP03-c.md") == wp03)
    let lanes = try GoldenJSON.parse(try TestSupport.read("\(repo)/kitty-specs/\(slug)/lanes.json"))
    let laneList = try #require(lanes["lanes"] as? [[String: Any]])
    #expect(laneList.map { $0["depends_on_lanes"] as? [String] ?? [] } == [[], ["lane-a"], ["lane-a"]])
    #expect(try TestSupport.git(["status", "--porcelain"], in: repo).isEmpty, "the rewritten WP file is committed")
    let ready = try Authoring.run(["orchestrator-api", "list-ready", "--mission", slug], in: repo)
    #expect(ready.stdout.contains("\"WP01\"") && !ready.stdout.contains("\"WP02\""), "\(ready.stdout)")
  }

  /// The fixture mission with WP02's frontmatter dependencies emptied and its tasks.md section pointing at WP03:
  /// spec-kitty 3.2.7's finalize-tasks rewrote the file to exactly the original with `- WP03` for `- WP01`.
  @Test func aFixtureWPTakesItsTasksSectionAsSpecKittyDoes() throws {
    let repo = try TestSupport.cloneFixture("lanes-fresh")
    try TestSupport.git(["remote", "remove", "origin"], in: repo)
    let mission = "\(repo)/kitty-specs/demo-feature-01M806VT"
    let wp02 = "\(mission)/tasks/WP02-left.md"
    let original = try TestSupport.read(wp02)
    try TestSupport.write(
      original.replacingOccurrences(of: "dependencies:\n- WP01\n", with: "dependencies: []\n"), to: wp02)
    let tasks = try TestSupport.read("\(mission)/tasks.md")
    try TestSupport.write(
      tasks.replacingOccurrences(of: "- Depends on WP01.", with: "- Depends on WP03."), to: "\(mission)/tasks.md")
    try FileManager.default.removeItem(atPath: "\(mission)/lanes.json")
    let result = try Authoring.run(["mission", "finalize", "demo-feature-01M806VT"], in: repo)
    #expect(result.stdout.contains("WP02: depends on WP03 (from tasks.md"), "\(result.stdout)")
    #expect(try TestSupport.read(wp02) == original.replacingOccurrences(of: "- WP01\n", with: "- WP03\n"))
    #expect(result.stdout.contains("lane-d: WP04 after lane-b, lane-c"), "\(result.stdout)")
  }

  @Test func tasksMarkdownMustCoverEveryWorkPackage() throws {
    let repo = try Authoring.initialisedRepository()
    let slug = try Authoring.newMission(repo)
    try Authoring.writeWorkPackage(repo, slug, "WP01-a.md", owned: "src/a.sh")
    try Authoring.writeWorkPackage(repo, slug, "WP02-b.md", owned: "src/b.sh")
    try writeTasks(repo, slug, [("WP01", "- None."), ("WP05", "- Depends on WP01.")])
    try expectRefusal(repo, slug, "no section for WP02; sections for WP05 have no WP file")
    // A dependency tasks.md declares is checked like one in the frontmatter, before anything is written.
    try writeTasks(repo, slug, [("WP01", "- None."), ("WP02", "- Depends on WP07.")])
    try expectRefusal(repo, slug, "WP02 depends on WP07")
  }

  /// Finalize recomputes the fixture mission's lanes.json from its WP files; spec-kitty 3.2.7 wrote the fixture's.
  @Test func lanesJSONMatchesSpecKittysForTheFixtureMission() throws {
    let repo = try TestSupport.cloneFixture("lanes-fresh")
    // The clone's origin/HEAD is develop, which would make develop protected (spec-kitty protects the remote
    // default branch); the fixture was finalized on develop with no remote.
    try TestSupport.git(["remote", "remove", "origin"], in: repo)
    let path = "\(repo)/kitty-specs/demo-feature-01M806VT/lanes.json"
    let expected = try TestSupport.read(path)
    try FileManager.default.removeItem(atPath: path)
    let result = try Authoring.run(["mission", "finalize", "demo-feature-01M806VT"], in: repo)
    #expect(result.stdout.hasPrefix("lane-a: WP01\nlane-b: WP02 after lane-a\nlane-c: WP03 after lane-a\n"))
    #expect(result.stderr.isEmpty)
    func normalised(_ text: String) -> String {
      text.replacingOccurrences(
        of: #""computed_at": "[^"]*""#, with: #""computed_at": "<at>""#, options: .regularExpression
      ).replacingOccurrences(
        of: #""planning_commit_sha": "[0-9a-f]{40}""#, with: #""planning_commit_sha": "<sha>""#,
        options: .regularExpression)
    }
    let computed = try TestSupport.read(path)
    #expect(normalised(computed) == normalised(expected))
    #expect(normalised(computed) != computed, "the normalisation found nothing to replace")
  }
}

@Suite struct EventLogMergeDriverTests {
  /// A lane transition row as the host writes it (sorted keys).
  private func transition(_ wp: String, _ from: String, _ to: String, at: String, id: String, slug: String) -> String {
    """
    {"actor": "tester", "at": "\(at)", "event_id": "\(id)", "evidence": null, "execution_mode": "worktree", \
    "force": false, "from_lane": "\(from)", "mission_id": null, "mission_slug": "\(slug)", "policy_metadata": null, \
    "reason": null, "review_ref": null, "to_lane": "\(to)", "wp_id": "\(wp)"}
    """
  }

  private func append(_ line: String, to path: String) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    handle.seekToEndOfFile()
    handle.write(Data((line + "\n").utf8))
    try handle.close()
  }

  /// Two branches each append events; `git merge` runs the driver `git kitty init` registered.
  private func divergedRepository() throws -> (
    repo: String, slug: String, log: String, ours: [String], theirs: [String]
  ) {
    let repo = try Authoring.initialisedRepository()
    let slug = try Authoring.newMission(repo)
    try Authoring.writeWorkPackage(repo, slug, "WP01-a.md", owned: "src/a.sh")
    try Authoring.writeWorkPackage(repo, slug, "WP02-b.md", owned: "src/b.sh")
    try Authoring.run(["mission", "finalize", slug], in: repo)
    let log = "\(repo)/kitty-specs/\(slug)/status.events.jsonl"
    try TestSupport.git(["branch", "theirs"], in: repo)
    let ours = [
      transition(
        "WP01", "planned", "claimed", at: "2030-01-01T00:00:02.000000+00:00", id: "01J0000000000000000000000B",
        slug: slug),
      transition(
        "WP01", "claimed", "in_progress", at: "2030-01-01T00:00:04.000000+00:00", id: "01J0000000000000000000000D",
        slug: slug),
    ]
    for line in ours { try append(line, to: log) }
    try TestSupport.git(["commit", "-q", "-am", "ours"], in: repo)
    try TestSupport.git(["switch", "-q", "theirs"], in: repo)
    let theirs = [
      transition(
        "WP02", "planned", "claimed", at: "2030-01-01T00:00:01.000000+00:00", id: "01J0000000000000000000000A",
        slug: slug),
      transition(
        "WP02", "claimed", "in_progress", at: "2030-01-01T00:00:03.000000+00:00", id: "01J0000000000000000000000C",
        slug: slug),
    ]
    for line in theirs { try append(line, to: log) }
    try TestSupport.git(["commit", "-q", "-am", "theirs"], in: repo)
    try TestSupport.git(["switch", "-q", "feature/x"], in: repo)
    return (repo, slug, log, ours, theirs)
  }

  @Test func gitMergeOfTwoDivergedEventLogsKeepsEveryRowInOrder() throws {
    let (repo, slug, log, ours, theirs) = try divergedRepository()
    let base = try TestSupport.git(["show", "HEAD~1:kitty-specs/\(slug)/status.events.jsonl"], in: repo)
      .split(separator: "\n").map(String.init)
    let merge = try TestSupport.run(
      TestSupport.gitPath, ["merge", "--no-edit", "theirs"], in: repo, environment: Authoring.pathWithBinary)
    #expect(merge.status == 0, "git merge failed: \(merge.stdout) \(merge.stderr)")
    let merged = try TestSupport.read(log).split(separator: "\n").map(String.init)
    // Base rows first (they are older), then the four new rows ordered by `at`: A, B, C, D.
    #expect(merged == base + [theirs[0], ours[0], theirs[1], ours[1]])
    #expect(Set(merged).count == merged.count)
    // The merged log reads: both WPs are in progress.
    let state = try GoldenJSON.parse(
      try Authoring.run(["orchestrator-api", "mission-state", "--mission", slug], in: repo).stdout)
    let wps = try #require((state["data"] as? [String: Any])?["work_packages"] as? [[String: Any]])
    #expect(wps.map { $0["lane"] as? String } == ["in_progress", "in_progress"])
    #expect(try TestSupport.git(["status", "--porcelain"], in: repo).isEmpty)
  }

  /// The same merge without the driver conflicts: the driver is what makes it clean.
  @Test func withoutTheDriverTheSameMergeConflicts() throws {
    let (repo, _, _, _, _) = try divergedRepository()
    try TestSupport.git(["config", "--unset", "merge.git-kitty-event-log.driver"], in: repo)
    try TestSupport.git(["config", "--unset", "merge.git-kitty-event-log.name"], in: repo)
    let merge = try TestSupport.run(
      TestSupport.gitPath, ["merge", "--no-edit", "theirs"], in: repo, environment: Authoring.pathWithBinary)
    #expect(merge.status != 0)
    #expect(merge.stdout.contains("CONFLICT"))
  }
}
