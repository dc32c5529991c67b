import Foundation
import KittyTestSupport
import Testing

/// `git kitty abort / status / resume`, `orchestrate --dry-run`, the run lock and stopping a run.
@Suite struct OrchestratorControlTests {
  /// Each run-control command exists under its name with its own options; a misspelt one is refused.
  @Test func runControlCommandsAreNamedStatusResumeAndAbort() throws {
    for (verb, option) in [("status", "--watch"), ("resume", "--max-cost-usd"), ("abort", "--cleanup-worktrees")] {
      let help = try TestSupport.run(KittyExecutable.path, [verb, "--help"])
      #expect(help.status == 0, "git-kitty \(verb) --help: \(help.stderr)")
      #expect(help.stdout.contains(option), "git-kitty \(verb) --help lacks \(option):\n\(help.stdout)")
    }
    let misspelt = try TestSupport.run(KittyExecutable.path, ["resmue"])
    #expect(misspelt.status != 0)
    #expect(misspelt.stderr.contains("resmue"), "\(misspelt.stderr)")
  }

  @Test func abortWithCleanupKeepsTheWorktreeWithUncommittedWorkAndRemovesTheRest() throws {
    let sleepy = "sleep 30"
    let sandbox = try OrchestratorSandbox(
      [
        SandboxWP("WP01", file: "src/a.sh", implement: sleepy), SandboxWP("WP02", file: "src/b.sh", implement: sleepy),
        SandboxWP("WP03", file: "src/c.sh", implement: sleepy),
      ], name: "abort")
    let run = try sandbox.start(sandbox.orchestrateArguments())
    for wp in ["WP01", "WP02", "WP03"] { try sandbox.waitForAgent(wp) }
    let worktree = { (lane: String) in "\(sandbox.repo)/.worktrees/\(sandbox.slug)-\(lane)" }
    try TestSupport.write("work in progress\n", to: "\(worktree("lane-b"))/notes.txt")

    let abort = try sandbox.control("abort", ["--cleanup-worktrees"])
    #expect(abort.status == 0, "\(abort.stderr)")
    #expect(abort.stdout.contains("KEPT \(worktree("lane-b"))"), "\(abort.stdout)")
    #expect(abort.stdout.contains("removed \(worktree("lane-a"))"), "\(abort.stdout)")
    #expect(abort.stdout.contains("removed \(worktree("lane-c"))"), "\(abort.stdout)")
    #expect(try run.wait(timeout: 20) == 130, "\(run.stderr)")

    #expect(FileManager.default.fileExists(atPath: "\(worktree("lane-b"))/notes.txt"))
    #expect(!FileManager.default.fileExists(atPath: worktree("lane-a")))
    #expect(!FileManager.default.fileExists(atPath: worktree("lane-c")))
    let listed = try TestSupport.git(["worktree", "list", "--porcelain"], in: sandbox.repo)
      .split(separator: "\n").filter { $0.hasPrefix("worktree ") }.map { String($0.dropFirst(9)) }
    #expect(listed == [sandbox.repo, worktree("lane-b")])
    let branches = try TestSupport.git(
      ["branch", "--list", "kitty/*-lane-*", "--format=%(refname:short)"], in: sandbox.repo)
    #expect(branches == "kitty/mission-\(sandbox.slug)-lane-b\n")
    // Claims are released and nothing keeps running.
    #expect(try sandbox.lanes() == ["WP01": "planned", "WP02": "planned", "WP03": "planned"])
    #expect(try sandbox.eventLogProblems().isEmpty)
    #expect(sandbox.waitForNoSurvivors(timeout: 15), "\(sandbox.survivors())\n\(run.stdout)\n\(run.stderr)")
    let report = try sandbox.statusJSON()
    #expect(report["state"] as? String == "aborted")
    #expect(report["running"] as? Bool == false)
  }

  struct DryRunCase: Sendable, CustomTestStringConvertible {
    var name: String
    var arguments: [String]
    var problem: String
    var testDescription: String { name }
  }

  static let dryRunProblems = [
    DryRunCase(
      name: "unknown agent", arguments: ["--impl-agent", "no-such-agent", "--review-agent", "script"],
      problem: "unknown agent 'no-such-agent'"),
    DryRunCase(
      name: "agent not on PATH", arguments: ["--impl-agent", "ghost", "--review-agent", "script"],
      problem: "agent ghost: kitty-ghost-agent-7f3e is not on PATH"),
    DryRunCase(
      name: "bogus mission", arguments: ["--mission", "no-such-mission", "--impl-agent", "script"],
      problem: "mission no-such-mission was not found"),
  ]

  @Test func dryRunChangesNothingWhenReady() throws {
    let sandbox = try OrchestratorSandbox(SandboxWP.chain(2), name: "dry")
    let before = TestSupport.snapshotTree(sandbox.repo)
    let result = try sandbox.kitty(sandbox.orchestrateArguments(merge: true, extra: ["--dry-run"]))
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.contains("nothing was changed"), "\(result.stdout)")
    #expect(!result.stdout.contains("PROBLEM"))
    Self.expectIdentical(before, TestSupport.snapshotTree(sandbox.repo))
  }

  @Test(arguments: dryRunProblems)
  func dryRunReportsProblemsWithExitOneAndChangesNothing(_ problem: DryRunCase) throws {
    let sandbox = try OrchestratorSandbox(
      SandboxWP.chain(2), name: "dry", config: "[agents.ghost]\ncommand = \"kitty-ghost-agent-7f3e\"\n")
    let before = TestSupport.snapshotTree(sandbox.repo)
    var arguments = ["orchestrate", "--dry-run"] + problem.arguments
    if !arguments.contains("--mission") { arguments += ["--mission", sandbox.slug] }
    let result = try sandbox.kitty(arguments)
    #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.contains("PROBLEM  \(problem.problem)"), "\(result.stdout)")
    #expect(result.stdout.contains("dry run: not ready"), "\(result.stdout)")
    Self.expectIdentical(before, TestSupport.snapshotTree(sandbox.repo))
  }

  /// The sandbox mission turned into spec-kitty's coord topology: meta.json says so (committed on the target), and
  /// the coordination branch is checked out at `.worktrees/<slug>-coord`, where its status is committed.
  static func coordSandbox(_ name: String, worktree: Bool = true) throws -> OrchestratorSandbox {
    let sandbox = try OrchestratorSandbox(SandboxWP.chain(2), name: name)
    let meta = "\(sandbox.repo)/kitty-specs/\(sandbox.slug)/meta.json"
    let coord = try TestSupport.read(meta).replacingOccurrences(
      of: #""topology"\s*:\s*"lanes""#, with: #""topology": "coord""#, options: .regularExpression)
    #expect(coord.contains(#""topology": "coord""#))
    try TestSupport.write(coord, to: meta)
    try TestSupport.git(["commit", "-q", "-am", "coord topology"], in: sandbox.repo)
    let branch = "kitty/mission-\(sandbox.slug)"
    try TestSupport.git(["branch", branch], in: sandbox.repo)
    if worktree {
      try TestSupport.git(["worktree", "add", "-q", ".worktrees/\(sandbox.slug)-coord", branch], in: sandbox.repo)
    }
    return sandbox
  }

  @Test func aCoordTopologyMissionIsOrchestratedWithItsStatusOnTheCoordinationBranch() throws {
    let sandbox = try Self.coordSandbox("coord")
    let target = try TestSupport.git(["rev-parse", "--abbrev-ref", "HEAD"], in: sandbox.repo)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let start = try TestSupport.git(["rev-parse", "HEAD"], in: sandbox.repo)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let result = try sandbox.orchestrate(merge: true)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    // Every transition was committed on the coordination branch (merged into the target), none on the target.
    let all = try TestSupport.git(["log", "--format=%s", "\(start)..\(target)"], in: sandbox.repo)
    #expect(all.contains("status transition WP01"), "\(all)")
    let firstParent = try TestSupport.git(
      ["log", "--first-parent", "--format=%s", "\(start)..\(target)"], in: sandbox.repo)
    #expect(!firstParent.contains("status transition"), "\(firstParent)")
    // The target's log has every WP done (the done rows came with a second merge of the coordination branch).
    let log = try TestSupport.git(
      ["show", "\(target):kitty-specs/\(sandbox.slug)/status.events.jsonl"], in: sandbox.repo
    )
    for wp in ["WP01", "WP02"] {
      #expect(log.contains(#""to_lane": "done", "wp_id": "\#(wp)""#), "\(log)")
    }
    // The coordination worktree and branch are gone; the main checkout is clean.
    #expect(!FileManager.default.fileExists(atPath: "\(sandbox.repo)/.worktrees/\(sandbox.slug)-coord"))
    let branches = try TestSupport.git(["branch", "--list", "kitty/*"], in: sandbox.repo)
    #expect(branches.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(branches)")
    let status = try TestSupport.git(["status", "--porcelain"], in: sandbox.repo)
    #expect(status.isEmpty, "\(status)")
  }

  @Test func aCoordTopologyMissionWithoutItsCoordinationWorktreeIsRefusedWithTheCommand() throws {
    let sandbox = try Self.coordSandbox("coordless", worktree: false)
    let before = TestSupport.snapshotTree(sandbox.repo)
    let refs = try TestSupport.git(["for-each-ref"], in: sandbox.repo)
    let policy =
      #"{"orchestrator_id":"t","orchestrator_version":"0.1","agent_family":"claude","approval_mode":"full_auto","#
      + #""sandbox_mode":"workspace_write","network_mode":"none","dangerous_flags":[]}"#
    let result = try sandbox.kitty([
      "orchestrator-api", "start-implementation", "--mission", sandbox.slug, "--wp", "WP01", "--actor", "a",
      "--policy", policy,
    ])
    #expect(result.stdout.contains(#""error_code": "SAFE_COMMIT_DESTINATION_NOT_FOUND""#), "\(result.stdout)")
    #expect(
      result.stdout.contains("git worktree add \(sandbox.repo)/.worktrees/\(sandbox.slug)-coord kitty/mission-"),
      "\(result.stdout)")
    Self.expectIdentical(before, TestSupport.snapshotTree(sandbox.repo))
    #expect(try TestSupport.git(["for-each-ref"], in: sandbox.repo) == refs)
  }

  static func expectIdentical(_ before: [String: Data], _ after: [String: Data]) {
    let added = Set(after.keys).subtracting(before.keys).sorted()
    let removed = Set(before.keys).subtracting(after.keys).sorted()
    let changed = before.keys.filter { after[$0] != nil && after[$0] != before[$0] }.sorted()
    #expect(added.isEmpty && removed.isEmpty && changed.isEmpty, "added \(added) removed \(removed) changed \(changed)")
  }

  @Test func aSecondRunIsRefusedNamingTheHoldersPidAndStatusShowsTheLiveRun() throws {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh", implement: "sleep 30")], name: "lock")
    let first = try sandbox.start(sandbox.orchestrateArguments())
    let agent = try sandbox.waitForAgent("WP01")

    // status --json while the run is going.
    let report = try sandbox.statusJSON()
    let runID = try #require(report["run_id"] as? String)
    #expect(!runID.isEmpty)
    #expect(report["mission"] as? String == sandbox.slug)
    #expect(report["state"] as? String == "running")
    #expect(report["running"] as? Bool == true)
    let wp = try #require((report["wps"] as? [String: [String: Any]])?["WP01"])
    #expect(wp["lane"] as? String == "in_progress")
    #expect(wp["agent"] as? String == "script")
    #expect(wp["attempt"] as? Int == 1)
    #expect(wp["pid"] as? Int == Int(agent))
    #expect(wp["alive"] as? Bool == true)
    let log = try #require(wp["log"] as? String)
    #expect(FileManager.default.fileExists(atPath: log), "\(log)")

    let second = try sandbox.orchestrate()
    #expect(second.status != 0)
    #expect(second.stderr.contains("another git kitty orchestrate is running"), "\(second.stderr)")
    #expect(second.stderr.contains("pid \(first.pid)"), "\(second.stderr)")
    #expect(second.stderr.contains(runID), "\(second.stderr)")
    #expect(ProcessTable.isAlive(agent), "the refused run must not touch the running one")

    first.signal(SIGTERM)
    #expect(try first.wait(timeout: 20) == 130, "\(first.stderr)")
    #expect(sandbox.waitForNoSurvivors(timeout: 15), "\(sandbox.survivors())\n\(first.stdout)\n\(first.stderr)")
    #expect(try sandbox.lanes()["WP01"] == "in_progress", "a stopped run keeps the WP's lane for resume")
  }

  @Test func aRefusedResumeDoesNotKillTheRunningRunsAgents() throws {
    let sandbox = try OrchestratorSandbox(
      [SandboxWP("WP01", file: "src/core.sh", implement: "sleep 3\nmkdir -p src && echo WP01 > src/core.sh")],
      name: "resume")
    let first = try sandbox.start(sandbox.orchestrateArguments())
    let agent = try sandbox.waitForAgent("WP01")
    let resume = try sandbox.control("resume")
    #expect(resume.status != 0)
    #expect(resume.stderr.contains("pid \(first.pid)"), "\(resume.stderr)")
    let survived = ProcessTable.isAlive(agent)
    #expect(try first.wait(timeout: 30) == 0, "\(first.stderr)")
    #expect(survived, "the running agent was killed by the refused resume")
    #expect(!first.stderr.contains("implementation attempt failed"), "\(first.stderr)")
    #expect(try sandbox.lanes()["WP01"] == "approved")
  }

  /// With the start time recorded (it differs), or without (a run state from before it was recorded; the victim
  /// does not work in a lane worktree).
  @Test(arguments: [true, false])
  func resumeDoesNotKillAnUnrelatedProcessGroupThatReusedARecordedPid(recordsStart: Bool) throws {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh")], name: "stale")
    let first = try sandbox.orchestrate()
    #expect(first.status == 0, "\(first.stderr)")
    // Some unrelated process group whose leader now has the pid an old agent had.
    let victim = Process()
    victim.executableURL = URL(fileURLWithPath: "/bin/sleep")
    victim.arguments = ["30"]
    try victim.run()
    defer { if victim.isRunning { victim.terminate() } }
    let pid = victim.processIdentifier
    try #require(ProcessTable.entry(pid)?.processGroup == pid, "the victim must lead its own process group")
    // The run state of a run that died long ago, naming that pid.
    let path = "\(sandbox.repo)/.kittify/orchestrator-run-state.json"
    var state = try sandbox.runState()
    var wps = try #require(state["wps"] as? [String: [String: Any]])
    wps["WP01"]?["pid"] = Int(pid)
    wps["WP01"]?["pid_start"] = recordsStart ? 1 : nil  // when the old agent started: long before the victim
    state["wps"] = wps
    state["state"] = "running"
    try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: path))

    let resume = try sandbox.control("resume")
    #expect(resume.status == 0, "\(resume.stderr)")
    usleep(300_000)
    #expect(ProcessTable.isAlive(pid), "resume killed an unrelated process group")
  }

  @Test func agentsGetOnlyStdinStdoutAndStderr() throws {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh", implement: "sleep 30")], name: "fds")
    // The agent's own process, not bubblewrap's (which keeps its own descriptors outside the sandbox).
    let run = try sandbox.start(sandbox.orchestrateArguments(extra: ["--sandbox", "none"]))
    let agent = try sandbox.waitForAgent("WP01")
    let files = ProcessTable.openFiles(agent)
    run.signal(SIGTERM)
    #expect(try run.wait(timeout: 20) == 130, "\(run.stderr)")
    #expect(files[1]?.hasSuffix("/implementation-1.log") == true, "\(files)")
    let extra = files.filter { $0.key > 2 }
    #expect(extra.isEmpty, "\(extra)")
  }

  @Test func stoppingDuringTheLastImplementationAttemptKeepsTheWPInFlight() throws {
    let sandbox = try OrchestratorSandbox(
      [SandboxWP("WP01", file: "src/core.sh", implement: "sleep 30")], name: "stop",
      config: "[agents]\nmax_retries = 0\n")
    let run = try sandbox.start(sandbox.orchestrateArguments())
    try sandbox.waitForAgent("WP01")
    run.signal(SIGTERM)
    #expect(try run.wait(timeout: 20) == 130, "\(run.stderr)")
    #expect(sandbox.waitForNoSurvivors(timeout: 15), "\(sandbox.survivors())\n\(run.stdout)\n\(run.stderr)")
    let lane = try sandbox.lanes()["WP01"]
    #expect(lane == "in_progress", "\(run.stderr)")
  }

  @Test func stoppingDuringAScriptReviewIsNotARejection() throws {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh", review: "sleep 30")], name: "stop")
    let run = try sandbox.start(sandbox.orchestrateArguments())
    try run.waitForLine("WP01 review by")
    try sandbox.waitForAgent("WP01")
    run.signal(SIGTERM)
    #expect(try run.wait(timeout: 20) == 130, "\(run.stderr)")
    #expect(sandbox.waitForNoSurvivors(timeout: 15), "\(sandbox.survivors())\n\(run.stdout)\n\(run.stderr)")
    let verdicts = try sandbox.verdicts("WP01")
    let lane = try sandbox.lanes()["WP01"]
    #expect(verdicts.isEmpty, "\(verdicts)")
    #expect(lane == "in_review")
  }
}

/// Scratch files of a run live under `.kittify/runs/<run id>/` (never in /tmp), are ignored by git, go when the run
/// ends, and what a killed run left is removed by the next status, resume, orchestrate or abort.
@Suite struct RunScratchTests {
  @Test func aRunLeavesNoScratchAndStatusSweepsAKilledRunsFiles() throws {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh")], name: "scratch")
    let result = try sandbox.orchestrate()
    #expect(result.status == 0, "\(result.stderr)")
    let runs = "\(sandbox.repo)/.kittify/runs"
    #expect(((try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []).isEmpty)

    try TestSupport.write("left by a killed run\n", to: "\(runs)/01killedrun0000000000000000/tmp/kitty-cap-1.out")
    let status = try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: sandbox.repo)
    #expect(!status.contains(".kittify/runs"), "the runs directory is ignored: \(status)")
    #expect(try sandbox.control("status").status == 0)
    #expect(!FileManager.default.fileExists(atPath: "\(runs)/01killedrun0000000000000000"))
  }
}
