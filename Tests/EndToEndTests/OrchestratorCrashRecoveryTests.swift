import Foundation
import KittyTestSupport
import Testing

/// `kill -9` of `git kitty orchestrate` at many points, then `git kitty resume` until it is done.
@Suite struct OrchestratorCrashRecoveryTests {
  /// Where to kill: right after the first progress line containing `line`. With `orphansFinish` the agents the
  /// dead orchestrator left running are allowed to end on their own before `resume` (otherwise resume starts at
  /// once and kills them itself).
  struct KillPoint: Sendable, CustomTestStringConvertible {
    var line: String
    var count = 1
    var orphansFinish = false
    /// WP02 and WP03 run at the same time (otherwise `--max-concurrent 1`).
    var parallel = false
    var testDescription: String {
      "after \(count)× '\(line)'\(orphansFinish ? ", orphans finish first" : "")\(parallel ? ", parallel" : "")"
    }
  }

  /// Serial runs, or parallel ones killed only when both WP02 and WP03 are past their claim: no kill may land
  /// inside a lane worktree's creation, which has its own test below.
  static let points: [KillPoint] = [
    KillPoint(line: "ready for review", count: 3, parallel: true),
    KillPoint(line: "approved", count: 2, orphansFinish: true, parallel: true),
    KillPoint(line: "WP01 claimed"),
    KillPoint(line: "WP01 implementation by"),
    KillPoint(line: "WP01 implementation by", orphansFinish: true),
    KillPoint(line: "WP01 ready for review"),
    KillPoint(line: "WP01 review by"),
    KillPoint(line: "WP01 review by", orphansFinish: true),
    KillPoint(line: "WP02 claimed"),
    KillPoint(line: "WP02 implementation by", orphansFinish: true),
    KillPoint(line: "WP03 ready for review"),
    KillPoint(line: "WP03 review by", orphansFinish: true),
    KillPoint(line: "WP04 implementation by"),
    KillPoint(line: "WP04 review by"),
    KillPoint(line: "WP04 approved"),
  ]

  /// The four-WP diamond with slow agents that commit their own work (as real agents are told to).
  static func slowDiamond() throws -> OrchestratorSandbox {
    func wp(_ id: String, _ deps: [String], _ file: String) -> SandboxWP {
      SandboxWP(
        id, dependsOn: deps, file: file,
        implement: """
          sleep 0.2
          mkdir -p src && echo \(id) > \(file)
          git add -A && git commit -q -m "\(id): work by the agent" || true
          """,
        review: "sleep 0.2\ntest -f \(file)")
    }
    return try OrchestratorSandbox(
      [
        wp("WP01", [], "src/core.sh"), wp("WP02", ["WP01"], "src/left.sh"), wp("WP03", ["WP01"], "src/right.sh"),
        wp("WP04", ["WP02", "WP03"], "src/main.sh"),
      ], name: "crash")
  }

  @Test(arguments: points)
  func killNineThenResumeFinishesTheMission(_ point: KillPoint) throws {
    let sandbox = try Self.slowDiamond()
    let run = try sandbox.start(
      sandbox.orchestrateArguments(merge: true, extra: point.parallel ? [] : ["--max-concurrent", "1"]))
    try run.waitForLine(point.line, count: point.count)
    run.signal(SIGKILL)
    try run.wait()
    if point.orphansFinish { sandbox.waitForNoSurvivors(timeout: 10) }

    // One resume must finish the mission: work already committed goes to review, nothing is redone.
    let resume = try sandbox.control("resume")
    let transcript = "exit \(resume.status):\n\(resume.stderr)"
    #expect(resume.status == 0, "\(transcript)")
    try Self.expectFinished(sandbox, transcript)
  }

  /// What every recovered run must leave: all WPs done and merged, a log that folds, no agent left running.
  static func expectFinished(_ sandbox: OrchestratorSandbox, _ transcript: String) throws {
    let lanes = try sandbox.lanes()
    #expect(lanes.count == 4)
    #expect(lanes.values.allSatisfy { $0 == "done" }, "\(lanes)\n\(transcript)")
    let problems = try sandbox.eventLogProblems()
    #expect(problems.isEmpty, "\(problems)")
    for wp in sandbox.wps {
      let content = try? TestSupport.git(["show", "develop:\(wp.file)"], in: sandbox.repo)
      #expect(content == "\(wp.id)\n", "\(wp.file) on develop")
    }
    #expect(try TestSupport.git(["branch", "--list", "kitty/*"], in: sandbox.repo).isEmpty)
    #expect(sandbox.waitForNoSurvivors(timeout: 3), "orphans: \(sandbox.survivors())")
    // Temporary files of an atomic write the kill interrupted must not stay behind in the checkout.
    let leftovers = sandbox.atomicWriteLeftovers()
    #expect(leftovers.isEmpty, "\(leftovers)")
    let status = try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: sandbox.repo)
    #expect(status.isEmpty, "\(status)")
  }

  @Test func killNineAfterTheMergeThenResumeReportsTheMissionDone() throws {
    let sandbox = try Self.slowDiamond()
    let run = try sandbox.start(sandbox.orchestrateArguments(merge: true))
    try run.waitForLine("merged into")
    run.signal(SIGKILL)
    try run.wait()
    let resume = try sandbox.control("resume")
    #expect(resume.status == 0, "\(resume.stderr)")
    let lanes = try sandbox.lanes()
    #expect(lanes.values.allSatisfy { $0 == "done" }, "\(lanes)")
    #expect(try sandbox.eventLogProblems().isEmpty)
  }

  @Test func resumeOfACompletedMergedRunHasNothingToDo() throws {
    let sandbox = try OrchestratorSandbox(SandboxWP.chain(2), name: "done")
    let first = try sandbox.orchestrate(merge: true)
    #expect(first.status == 0, "\(first.stderr)")
    let events = try sandbox.events().count
    let resume = try sandbox.control("resume")
    #expect(resume.status == 0, "\(resume.stderr)")
    #expect(try sandbox.events().count == events, "resume of a finished run must not add events")
  }

  @Test func aResumedImplementerThatChangesNothingDoesNotPassOnItsDependencysCommits() throws {
    // WP02's lane starts with WP01's commit. Its implementer hangs the first time and does nothing afterwards.
    let onceDirectory = TestSupport.temporaryDirectory("once")
    defer { try? FileManager.default.removeItem(atPath: onceDirectory) }
    let once = onceDirectory + "/started"
    let sandbox = try OrchestratorSandbox(
      [
        SandboxWP("WP01", file: "src/core.sh"),
        SandboxWP(
          "WP02", dependsOn: ["WP01"], file: "src/left.sh",
          implement: "if [ -f \(once) ]; then exit 0; fi\ntouch \(once)\nsleep 30", review: "true"),
      ], name: "noop", config: "[agents]\nmax_retries = 0\n")
    let run = try sandbox.start(sandbox.orchestrateArguments())
    try sandbox.waitForAgent("WP02")
    run.signal(SIGKILL)
    try run.wait()

    let resume = try sandbox.control("resume")
    #expect(sandbox.waitForNoSurvivors(timeout: 5), "\(sandbox.survivors())")
    let lane = try sandbox.lanes()["WP02"]
    let laneCommits = try TestSupport.git(
      ["log", "--format=%s", "develop..kitty/mission-\(sandbox.slug)-lane-b"], in: sandbox.repo)
    #expect(!laneCommits.contains("WP02"), "WP02's agent never committed anything")
    #expect(lane == "blocked", "\(resume.stderr)")
    #expect(resume.status == 1)
  }

  /// A sandbox whose lane worktree takes a while to check out (3,000 files), for kills during its creation.
  static func bulkySandbox() throws -> OrchestratorSandbox {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh")], name: "alloc")
    for n in 0..<3000 {
      try "\(n)\n".write(toFile: "\(sandbox.repo)/bulk-\(n).txt", atomically: false, encoding: .utf8)
    }
    try TestSupport.git(["add", "-A"], in: sandbox.repo)
    try TestSupport.git(["commit", "-q", "-m", "bulk"], in: sandbox.repo)
    return sandbox
  }

  /// Starts a run, kills it with SIGKILL as soon as `path` (relative to the repository) exists, then resumes.
  static func killWhenCreated(_ sandbox: OrchestratorSandbox, _ path: String) throws -> TestSupport.CommandResult {
    let run = try sandbox.start(sandbox.orchestrateArguments())
    let deadline = Date().addingTimeInterval(30)
    while !FileManager.default.fileExists(atPath: "\(sandbox.repo)/\(path)") && Date() < deadline {
      usleep(100)
    }
    run.signal(SIGKILL)
    try run.wait()
    return try sandbox.control("resume")
  }

  @Test func killNineWhileALaneWorktreeIsBeingCreatedThenResume() throws {
    let sandbox = try Self.bulkySandbox()
    let resume = try Self.killWhenCreated(sandbox, ".worktrees/\(sandbox.slug)-lane-a")
    let lane = try sandbox.lanes()["WP01"]
    // The kill lands somewhere in the creation; one of those places is the checkout's index lock (next test).
    #expect(resume.status == 0, "\(resume.stderr)")
    #expect(lane == "approved")
    #expect(try sandbox.eventLogProblems().isEmpty)
  }

  @Test func killNineWhileTheLaneCheckoutHoldsItsIndexLockThenResume() throws {
    let sandbox = try Self.bulkySandbox()
    let resume = try Self.killWhenCreated(sandbox, ".git/worktrees/\(sandbox.slug)-lane-a/index.lock")
    let lane = try sandbox.lanes()["WP01"]
    #expect(resume.status == 0, "\(resume.stderr)")
    #expect(lane == "approved")
    #expect(try sandbox.eventLogProblems().isEmpty)
  }

  /// What a kill -9 during libgit2's worktree creation leaves (each state was observed): the work directory with
  /// only its `.git` file (empty, or the `gitdir:` link) and the admin directory with part of its files.
  struct InterruptedCreation: Sendable, CustomTestStringConvertible {
    var name: String
    var linkWritten: Bool
    /// nil: no admin directory at all.
    var adminFiles: [String]?
    /// What the work directory holds: its `.git` file, nothing (created, `.git` not yet), or no directory at all.
    var workDirectory = WorkDirectory.gitFile
    var testDescription: String { name }

    enum WorkDirectory: Sendable { case gitFile, empty, missing }
  }

  static let interruptedCreations = [
    InterruptedCreation(name: "empty .git, empty admin directory", linkWritten: false, adminFiles: []),
    InterruptedCreation(name: ".git link, admin without HEAD", linkWritten: true, adminFiles: ["gitdir", "commondir"]),
    InterruptedCreation(name: ".git link, admin with commondir only", linkWritten: true, adminFiles: ["commondir"]),
    InterruptedCreation(name: ".git link, no admin directory", linkWritten: true, adminFiles: nil),
    InterruptedCreation(
      name: "empty work directory, empty admin directory", linkWritten: false, adminFiles: [], workDirectory: .empty),
    InterruptedCreation(
      name: "no work directory, empty admin directory", linkWritten: false, adminFiles: [], workDirectory: .missing),
  ]

  @Test(arguments: interruptedCreations)
  func aLaneWorktreeWhoseCreationWasInterruptedIsCreatedAgain(_ leftover: InterruptedCreation) throws {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh")], name: "recreate")
    let name = "\(sandbox.slug)-lane-a"
    let worktree = "\(sandbox.repo)/.worktrees/\(name)"
    let admin = "\(sandbox.repo)/.git/worktrees/\(name)"
    switch leftover.workDirectory {
    case .gitFile: try TestSupport.write(leftover.linkWritten ? "gitdir: \(admin)\n" : "", to: "\(worktree)/.git")
    case .empty: try FileManager.default.createDirectory(atPath: worktree, withIntermediateDirectories: true)
    case .missing: break
    }
    if let files = leftover.adminFiles {
      try FileManager.default.createDirectory(atPath: admin, withIntermediateDirectories: true)
      for file in files {
        try TestSupport.write(file == "gitdir" ? "\(worktree)/.git\n" : "../..\n", to: "\(admin)/\(file)")
      }
    }
    let result = try sandbox.orchestrate()
    let lane = try sandbox.lanes()["WP01"]
    #expect(result.status == 0, "\(result.stderr)")
    #expect(lane == "approved")
  }

  @Test func resumeAdoptsUncommittedWorkAnOrphanedImplementerLeft() throws {
    // The agent does not commit (git-kitty commits leftovers for it); killed mid-run, it finishes as an orphan.
    let sandbox = try OrchestratorSandbox(
      [SandboxWP("WP01", file: "src/core.sh", implement: "sleep 0.5\nmkdir -p src && echo WP01 > src/core.sh")],
      name: "orphan")
    // Only an unconfined agent outlives its orchestrator (bwrap's --die-with-parent ends a sandboxed one).
    let run = try sandbox.start(sandbox.orchestrateArguments(extra: ["--sandbox", "none"]))
    try sandbox.waitForAgent("WP01")
    run.signal(SIGKILL)
    try run.wait()
    #expect(sandbox.waitForNoSurvivors(timeout: 10))
    let worktree = "\(sandbox.repo)/.worktrees/\(sandbox.slug)-lane-a"
    #expect(FileManager.default.fileExists(atPath: "\(worktree)/src/core.sh"), "the orphan finished its work")

    let resume = try sandbox.control("resume")
    let lane = try sandbox.lanes()["WP01"]
    #expect(resume.status == 0, "\(resume.stderr)")
    #expect(lane == "approved")
    #expect(try sandbox.eventLogProblems().isEmpty)
  }
}
