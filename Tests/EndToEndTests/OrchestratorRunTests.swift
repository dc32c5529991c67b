import Foundation
import KittyTestSupport
import Testing

/// `git kitty orchestrate` end to end with the built-in script agent and small fake agents (no AI).
@Suite struct OrchestratorRunTests {
  /// WP01 → (WP02, WP03, WP04); WP05 needs WP02 and WP03; WP06 needs WP04 and WP05.
  static let diamond = [
    SandboxWP("WP01", file: "src/core.sh"),
    SandboxWP("WP02", dependsOn: ["WP01"], file: "src/left.sh"),
    SandboxWP("WP03", dependsOn: ["WP01"], file: "src/right.sh"),
    SandboxWP("WP04", dependsOn: ["WP01"], file: "src/side.sh"),
    SandboxWP("WP05", dependsOn: ["WP02", "WP03"], file: "src/join.sh"),
    SandboxWP("WP06", dependsOn: ["WP04", "WP05"], file: "src/main.sh"),
  ]

  @Test func sixWPDiamondIsMergedWithEveryWPsCommitsAndNothingLeftBehind() throws {
    let sandbox = try OrchestratorSandbox(Self.diamond, name: "diamond")
    let result = try sandbox.orchestrate(merge: true)
    #expect(result.status == 0, "\(result.stderr)")

    let lanes = try sandbox.lanes()
    #expect(lanes.count == 6)
    #expect(lanes.values.allSatisfy { $0 == "done" }, "\(lanes)")
    // Every WP's file is on develop with the content its agent wrote, and its implementation commit is merged.
    let developLog = try TestSupport.git(["log", "--format=%s", "develop"], in: sandbox.repo)
    for wp in Self.diamond {
      let content = try TestSupport.git(["show", "develop:\(wp.file)"], in: sandbox.repo)
      #expect(content == "\(wp.id)\n", "\(wp.file)")
      #expect(developLog.contains("feat(\(wp.id)): implementation by script"), "\(wp.id)'s commit is not on develop")
    }
    // Nothing left: no kitty/* branch, only the main checkout, a clean status.
    let branches = try TestSupport.git(["branch", "--list", "kitty/*"], in: sandbox.repo)
    #expect(branches.isEmpty, "\(branches)")
    let worktrees = try TestSupport.git(["worktree", "list", "--porcelain"], in: sandbox.repo)
    #expect(worktrees.components(separatedBy: "worktree ").count - 1 == 1, "\(worktrees)")
    let status = try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: sandbox.repo)
    #expect(status.isEmpty, "\(status)")
    #expect(try sandbox.eventLogProblems().isEmpty)

    // status --json after the run: run id, mission, state and per-WP lane / agent / attempt / log.
    let report = try sandbox.statusJSON()
    let runID = try #require(report["run_id"] as? String)
    #expect(runID == (try sandbox.runState()["run_id"] as? String))
    #expect(report["mission"] as? String == sandbox.slug)
    #expect(report["state"] as? String == "completed")
    #expect(report["running"] as? Bool == false)
    let wps = try #require(report["wps"] as? [String: [String: Any]])
    #expect(Set(wps.keys) == Set(Self.diamond.map(\.id)))
    for (wp, entry) in wps {
      #expect(entry["lane"] as? String == "done", "\(wp)")
      #expect(entry["agent"] as? String == "script", "\(wp)")
      #expect((entry["attempt"] as? Int ?? 0) >= 2, "\(wp): an implementation and a review")
      let log = try #require(entry["log"] as? String, "\(wp)")
      #expect(FileManager.default.fileExists(atPath: log), "\(wp): \(log)")
      #expect(entry["alive"] as? Bool == false)
    }
  }

  /// The implementer finds the main checkout's ignored `.env` in its new worktree, because `.worktreeinclude`
  /// names it.
  @Test func aNewLaneWorktreeGetsWhatWorktreeIncludeNames() throws {
    let sandbox = try OrchestratorSandbox(
      [SandboxWP("WP01", file: "src/core.sh", implement: "mkdir -p src && cp .env src/core.sh")], name: "include")
    try TestSupport.commitIgnoring(
      ".env", files: [".worktreeinclude": "# copied into new worktrees\n.env\n"], in: sandbox.repo)
    try TestSupport.write("TOKEN=sandbox\n", to: "\(sandbox.repo)/.env")

    let result = try sandbox.orchestrate(merge: true)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("copied from .worktreeinclude: .env"), "\(result.stderr)")
    #expect(try TestSupport.git(["show", "develop:src/core.sh"], in: sandbox.repo) == "TOKEN=sandbox\n")
    #expect(
      try TestSupport.git(["ls-tree", "-r", "--name-only", "develop"], in: sandbox.repo).contains(".env\n") == false)
  }

  /// `[worktree] setup` runs once in each new lane worktree before its first agent (here it makes the ignored
  /// `.deps/ready` the implementers need); a failing setup sets the WP aside with the log named.
  @Test func worktreeSetupRunsOnceBeforeTheFirstAgent() throws {
    let implement = "test -f .deps/ready && mkdir -p src && echo done > src/"
    let sandbox = try OrchestratorSandbox(
      [
        SandboxWP("WP01", file: "src/one.sh", implement: implement + "one.sh"),
        SandboxWP("WP02", dependsOn: ["WP01"], file: "src/two.sh", implement: implement + "two.sh"),
      ], name: "setup",
      config: "[worktree]\nsetup = \"mkdir -p .deps && echo $KITTY_WP >> .deps/ready\"\n")
    try TestSupport.commitIgnoring(".deps/", in: sandbox.repo)

    let result = try sandbox.orchestrate()
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try sandbox.lanes() == ["WP01": "approved", "WP02": "approved"])
    for lane in ["lane-a", "lane-b"] {
      let worktree = "\(sandbox.repo)/.worktrees/\(sandbox.slug)-\(lane)"
      #expect(try TestSupport.read("\(worktree)/.deps/ready").split(separator: "\n").count == 1, "\(lane): once")
    }
    #expect(result.stderr.contains("worktree setup done"), "\(result.stderr)")
    #expect(FileManager.default.fileExists(atPath: "\(sandbox.repo)/.kittify/logs/\(sandbox.slug)/WP01/setup.log"))
  }

  @Test func aFailingWorktreeSetupSetsTheWPAside() throws {
    let sandbox = try OrchestratorSandbox(
      [SandboxWP("WP01", file: "src/one.sh")], name: "setup-fails",
      config: "[worktree]\nsetup = \"echo 'no network' >&2; exit 3\"\n")
    let result = try sandbox.orchestrate()
    #expect(result.status != 0)
    #expect(
      result.stderr.contains("worktree setup failed (exit 3: no network); see .kittify/logs/"), "\(result.stderr)")
    #expect(try sandbox.lanes()["WP01"] == "in_progress", "the claim stays for resume")
    let log = try TestSupport.read("\(sandbox.repo)/.kittify/logs/\(sandbox.slug)/WP01/setup.log")
    #expect(log.contains("no network"))
  }

  @Test func aRejectionIsReworkedAndApprovedOnTheSecondCycle() throws {
    let sandbox = try OrchestratorSandbox([
      SandboxWP(
        "WP01", file: "src/core.sh",
        implement: """
          mkdir -p src
          if [ -n "$KITTY_REVIEW_FEEDBACK" ]; then echo fixed > src/core.sh; else echo draft > src/core.sh; fi
          echo "cycle=$KITTY_CYCLE attempt=$KITTY_ATTEMPT role=$KITTY_ROLE wp=$KITTY_WP"
          """,
        review: """
          grep -q fixed src/core.sh || { echo "core.sh must say fixed"; exit 1; }
          """)
    ])
    let result = try sandbox.orchestrate()
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try sandbox.lanes()["WP01"] == "approved")
    #expect(
      try sandbox.transitions("WP01") == [
        "genesis->planned", "planned->claimed", "claimed->in_progress", "in_progress->for_review",
        "for_review->in_review", "in_review->in_progress", "in_progress->for_review", "for_review->in_review",
        "in_review->approved",
      ])
    #expect(try sandbox.verdicts("WP01") == ["changes_requested", "approved"])
    let rejection = try #require(
      try sandbox.events().first {
        ($0["review_result"] as? [String: Any])?["verdict"] as? String == "changes_requested"
      }
    )
    #expect((rejection["reason"] as? String)?.contains("core.sh must say fixed") == true, "\(rejection)")
    let wp = try #require((try sandbox.runState()["wps"] as? [String: [String: Any]])?["WP01"])
    #expect(wp["cycle"] as? Int == 2)
    // The rework ran with the reviewer's words, and the agent saw its role and cycle.
    let log = try TestSupport.read(
      "\(sandbox.repo)/.kittify/logs/\(sandbox.slug)/WP01/rework-1.log")
    #expect(log.contains("cycle=1 attempt=1 role=rework wp=WP01"), "\(log)")
  }

  @Test func aFailingImplementerFallsBackToTheNextAgent() throws {
    let sandbox = try OrchestratorSandbox(
      [SandboxWP("WP01", file: "src/core.sh")],
      config: """
        [agents]
        max_retries = 0

        [agents.broken]
        command = "{scratch}/broken.sh"
        """,
      agents: ["broken": "echo 'broken agent: giving up' >&2\nexit 1"])
    let result = try sandbox.orchestrate(implement: ["broken", "script"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("falling back to script"), "\(result.stderr)")
    #expect(try sandbox.lanes()["WP01"] == "approved")
    let wp = try #require((try sandbox.runState()["wps"] as? [String: [String: Any]])?["WP01"])
    #expect(wp["agents_tried"] as? [String] == ["broken", "script"])
    let subjects = try TestSupport.git(
      ["log", "--format=%s", "kitty/mission-\(sandbox.slug)-lane-a"], in: sandbox.repo)
    #expect(subjects.contains("feat(WP01): implementation by script"))
  }

  @Test func aReviewerThatCrashesIsNotARejection() throws {
    let sandbox = try OrchestratorSandbox(
      [SandboxWP("WP01", file: "src/core.sh")],
      config: """
        [agents]
        max_retries = 0

        [agents.crashy]
        command = "{scratch}/crashy.sh"
        """,
      agents: ["crashy": "echo 'segmentation fault (simulated)'\nexit 3"])
    let result = try sandbox.orchestrate(review: ["crashy", "script"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("that is not a rejection"), "\(result.stderr)")
    #expect(try sandbox.lanes()["WP01"] == "approved")
    #expect(try sandbox.verdicts("WP01") == ["approved"])
    #expect(try !sandbox.transitions("WP01").contains("in_review->in_progress"))
    let approval = try #require(try sandbox.events().last { $0["to_lane"] as? String == "approved" })
    #expect((approval["review_result"] as? [String: Any])?["reviewer"] as? String == "script")
    let wp = try #require((try sandbox.runState()["wps"] as? [String: [String: Any]])?["WP01"])
    #expect((wp["agents_tried"] as? [String])?.contains("crashy") == true)
  }

  @Test func anAgentThatNeverCommitsBlocksItsWP() throws {
    let sandbox = try OrchestratorSandbox(
      SandboxWP.chain(2),
      config: """
        [agents]
        max_retries = 0

        [agents.idle]
        command = "{scratch}/idle.sh"
        """,
      agents: ["idle": "echo 'all done (not really)'\nexit 0"])
    let result = try sandbox.orchestrate(implement: ["idle"])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("made no commit"), "\(result.stderr)")
    let lanes = try sandbox.lanes()
    #expect(lanes["WP01"] == "blocked")
    #expect(lanes["WP02"] == "planned", "its dependent never starts")
    #expect(try !sandbox.transitions("WP01").contains("in_progress->for_review"))
    #expect(try sandbox.verdicts("WP01").isEmpty)
    let state = try sandbox.runState()
    #expect(state["state"] as? String == "attention")
    let wp = try #require((state["wps"] as? [String: [String: Any]])?["WP01"])
    #expect(wp["phase"] as? String == "blocked")
    #expect((wp["last_error"] as? String)?.contains("made no commit") == true, "\(wp)")
  }

  @Test func aTimeoutKillsTheAgentsWholeProcessGroup() throws {
    let sandbox = try OrchestratorSandbox(
      [SandboxWP("WP01", file: "src/core.sh")],
      config: """
        [agents]
        max_retries = 0
        timeout_seconds = 2

        [agents.hang]
        command = "{scratch}/hang.sh"
        """,
      agents: [
        "hang": """
        echo $$ > {scratch}/leader.pid
        sleep 1000 &
        echo $! >> {scratch}/children.pid
        ( trap '' TERM; exec sleep 1001 ) &
        echo $! >> {scratch}/children.pid
        sleep 1002
        """
      ])
    let begin = Date()
    // The pids the agent records are the host's: no PID namespace (--sandbox none).
    let result = try sandbox.orchestrate(implement: ["hang"], extra: ["--sandbox", "none"])
    let elapsed = Date().timeIntervalSince(begin)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(elapsed < 15, "the run took \(elapsed)s")
    #expect(result.stderr.contains("timed out after 2s"), "\(result.stderr)")
    #expect(try sandbox.lanes()["WP01"] == "blocked")

    let leader = try #require(
      Int32(try TestSupport.read("\(sandbox.scratch)/leader.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
    let children = try TestSupport.read("\(sandbox.scratch)/children.pid").split(separator: "\n").compactMap {
      Int32($0)
    }
    #expect(children.count == 2)
    for pid in [leader] + children {
      #expect(!ProcessTable.isAlive(pid), "pid \(pid) survived: \(String(describing: ProcessTable.entry(pid)))")
    }
    #expect(ProcessTable.members(ofGroup: leader).isEmpty, "\(ProcessTable.members(ofGroup: leader))")
    #expect(sandbox.survivors().isEmpty, "\(sandbox.survivors())")
  }
}
