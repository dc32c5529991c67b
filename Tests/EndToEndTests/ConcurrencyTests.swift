import Foundation
import KittyCore
import KittyTestSupport
import Testing

/// Many git-kitty processes writing one mission at once: the per-mission lock serialises them, so no event is
/// lost or duplicated, the log stays valid JSONL, status.json matches the log, and git gets one commit per call.
@Suite struct ConcurrencyTests {
  static let slug = WriteFixture.slug

  /// Adds WP05…WPnn (no dependencies, no subtasks) to the fixture's mission, seeds them `planned` like
  /// finalize-tasks does, re-materialises status.json and commits the lot.
  static func missionWithWorkPackages(_ count: Int) throws -> String {
    let repo = try WriteFixture.clone()
    let dir = WriteFixture.missionDirectory(repo)
    var rows = ""
    for number in 5...count {
      let id = String(format: "WP%02d", number)
      try TestSupport.write(
        """
        ---
        work_package_id: \(id)
        title: Extra \(number)
        dependencies: []
        subtasks: []
        execution_mode: code_change
        owned_files:
        - src/extra\(number).sh
        authoritative_surface: src/extra\(number).sh
        create_intent:
        - src/extra\(number).sh
        tags: []
        tracker_refs: []
        ---

        # Work Package Prompt: \(id)

        """, to: "\(dir)/tasks/\(id)-extra.md")
      rows +=
        #"{"actor": "finalize-tasks", "at": "\#(Timestamp.isoNow())", "event_id": "\#(ULID.make())", "evidence": null, "execution_mode": "worktree", "force": false, "from_lane": "genesis", "mission_id": "\#(WriteFixture.missionID)", "mission_slug": "\#(slug)", "policy_metadata": null, "reason": "canonical bootstrap", "review_ref": null, "to_lane": "planned", "wp_id": "\#(id)"}"#
        + "\n"
      usleep(50)
    }
    let events = WriteFixture.eventsPath(repo)
    try TestSupport.write(try TestSupport.read(events) + rows, to: events)
    try TestSupport.write(
      try Mission(repoRoot: repo, slug: slug).materializedStatus(), to: WriteFixture.statusPath(repo))
    try TestSupport.git(["add", "-A", "kitty-specs"], in: repo)
    try TestSupport.git(["commit", "-q", "-m", "test: \(count) work packages"], in: repo)
    return repo
  }

  /// Starts every command at once (background jobs of one shell) and returns (exit code, stdout) per command.
  static func runConcurrently(_ argumentLists: [[String]], in repo: String) throws -> [(Int32, String)] {
    let out = TestSupport.temporaryDirectory("concurrent")
    var script = ""
    for (index, arguments) in argumentLists.enumerated() {
      let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }.joined(separator: " ")
      script +=
        "( \"$KITTY\" \(quoted) > \(out)/\(index).out 2> \(out)/\(index).err; echo $? > \(out)/\(index).rc ) &\n"
    }
    script += "wait\n"
    let result = try TestSupport.run(
      "/bin/bash", ["-c", script], in: repo, environment: ["KITTY": GitKittyBinary.path])
    #expect(result.status == 0)
    return try argumentLists.indices.map { index in
      let rc = Int32(try TestSupport.read("\(out)/\(index).rc").trimmingWhitespace) ?? -1
      let stderr = try TestSupport.read("\(out)/\(index).err")
      #expect(stderr.isEmpty, "command \(index) wrote to stderr: \(stderr)")
      return (rc, try TestSupport.read("\(out)/\(index).out"))
    }
  }

  @Test func sixteenProcessesTransitionSixteenWorkPackages() throws {
    let repo = try Self.missionWithWorkPackages(16)
    let setupTip = try TestSupport.git(["rev-parse", "develop"], in: repo).trimmingWhitespace
    let eventsPath = WriteFixture.eventsPath(repo)
    let rowsBefore = try WriteFixture.rows(eventsPath)
    let wps = (1...16).map { String(format: "WP%02d", $0) }
    let calls = wps.enumerated().map { index, wp in
      // Half go to blocked, half are canceled (with the reason canceling needs).
      [
        "orchestrator-api", "transition", "--mission", Self.slug, "--wp", wp, "--to",
        index.isMultiple(of: 2) ? "blocked" : "canceled", "--actor", "agent-\(wp)", "--note", "note \(wp)", "--policy",
        WriteFixture.policy,
      ]
    }
    let results = try Self.runConcurrently(calls, in: repo)

    for ((status, stdout), wp) in zip(results, wps) {
      #expect(status == 0, "\(wp): \(stdout)")
      #expect(stdout.split(separator: "\n").count == 1)
      let envelope = try GoldenJSON.parse(stdout)
      #expect(envelope["success"] as? Bool == true, "\(wp): \(stdout)")
      #expect((envelope["data"] as? [String: Any])?["wp_id"] as? String == wp)
    }

    // Every line is a JSON object and the file ends with a newline.
    let text = try TestSupport.read(eventsPath)
    #expect(text.hasSuffix("\n"))
    let rows = try WriteFixture.rows(eventsPath)
    #expect(rows.count == rowsBefore.count + 16, "no event lost or duplicated")
    let ids = rows.compactMap { $0["event_id"] as? String }
    #expect(Set(ids).count == ids.count, "event ids are unique")
    let newRows = rows.dropFirst(rowsBefore.count)
    #expect(newRows.map { $0["wp_id"] as! String }.sorted() == wps)
    for row in newRows {
      let wp = row["wp_id"] as! String
      #expect(row["actor"] as? String == "agent-\(wp)")
      #expect(row["reason"] as? String == "note \(wp)")
      #expect(row["from_lane"] as? String == "planned")
    }
    // status.json is the materialisation of the final log.
    let mission = try Mission(repoRoot: repo, slug: Self.slug)
    #expect(try TestSupport.read(WriteFixture.statusPath(repo)) == (try mission.materializedStatus()))
    let status = try GoldenJSON.parse(try TestSupport.read(WriteFixture.statusPath(repo)))
    let summary = try #require(status["summary"] as? [String: Int])
    #expect(summary["blocked"] == 8 && summary["canceled"] == 8 && summary["planned"] == 0)

    // One commit per call, linear, each touching only the two status files and holding one more row.
    let commits = try TestSupport.git(["rev-list", "--reverse", "\(setupTip)..develop"], in: repo)
      .split(separator: "\n").map(String.init)
    #expect(commits.count == 16)
    #expect(try TestSupport.git(["rev-list", "--merges", "\(setupTip)..develop"], in: repo) == "")
    var committedWPs: [String] = []
    for (index, commit) in commits.enumerated() {
      let subject = try TestSupport.git(["log", "-1", "--format=%s", commit], in: repo).trimmingWhitespace
      committedWPs.append(String(subject.split(separator: " ").last ?? ""))
      #expect(subject.hasPrefix("chore(spec-kitty): status transition WP"))
      let touched = try TestSupport.git(["diff-tree", "--no-commit-id", "--name-only", "-r", commit], in: repo)
      #expect(touched == "kitty-specs/\(Self.slug)/status.events.jsonl\nkitty-specs/\(Self.slug)/status.json\n")
      let log = try TestSupport.git(["show", "\(commit):kitty-specs/\(Self.slug)/status.events.jsonl"], in: repo)
      #expect(log.split(separator: "\n").count == rowsBefore.count + index + 1, "commit \(index + 1) lost a row")
    }
    #expect(committedWPs.sorted() == wps)
    #expect(try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: repo) == "")

    // The read verbs agree.
    let state = try GitKittyBinary.run(["orchestrator-api", "mission-state", "--mission", Self.slug], in: repo)
    let data = try #require(try GoldenJSON.parse(state.stdout)["data"] as? [String: Any])
    #expect((data["summary"] as? [String: Int])?["blocked"] == 8)
    #expect((data["summary"] as? [String: Int])?["canceled"] == 8)
  }

  @Test func eightActorsRaceForOneWorkPackage() throws {
    let repo = try WriteFixture.clone()
    let tip = try TestSupport.git(["rev-parse", "develop"], in: repo).trimmingWhitespace
    let rowsBefore = try WriteFixture.rows(WriteFixture.eventsPath(repo)).count
    let actors = (1...8).map { "racer-\($0)" }
    let results = try Self.runConcurrently(
      actors.map {
        [
          "orchestrator-api", "start-implementation", "--mission", Self.slug, "--wp", "WP01", "--actor", $0,
          "--policy", WriteFixture.policy,
        ]
      }, in: repo)

    let envelopes = try results.map { try GoldenJSON.parse($0.1) }
    let winners = zip(actors, envelopes).filter { $0.1["success"] as? Bool == true }.map(\.0)
    try #require(winners.count == 1, "exactly one actor claims WP01: \(results.map(\.1))")
    let winner = winners[0]
    for ((status, stdout), (actor, envelope)) in zip(results, zip(actors, envelopes)) where actor != winner {
      #expect(status == 1)
      #expect(envelope["error_code"] as? String == "WP_ALREADY_CLAIMED", "\(actor): \(stdout)")
      let data = envelope["data"] as? [String: Any]
      #expect(data?["claimed_by"] as? String == winner)
      #expect(data?["requesting_actor"] as? String == actor)
    }
    let winnerData = try #require(envelopes[actors.firstIndex(of: winner)!]["data"] as? [String: Any])
    #expect(winnerData["from_lane"] as? String == "planned")
    #expect(winnerData["no_op"] as? Bool == false)

    // Two rows (claimed, in_progress) by the winner, one commit, one lane worktree.
    let rows = try WriteFixture.rows(WriteFixture.eventsPath(repo))
    #expect(rows.count == rowsBefore + 2)
    #expect(rows.suffix(2).map { $0["actor"] as? String } == [winner, winner])
    #expect(try TestSupport.git(["rev-list", "--count", "\(tip)..develop"], in: repo) == "1\n")
    let worktrees = try TestSupport.git(["worktree", "list", "--porcelain"], in: repo)
      .split(separator: "\n").filter { $0.hasPrefix("worktree ") }
    #expect(worktrees == ["worktree \(repo)", "worktree \(WriteFixture.laneWorktree(repo, "lane-a"))"])
    let branches = try TestSupport.git(["branch", "--format=%(refname:short)"], in: repo)
    #expect(branches == "develop\n\(WriteFixture.missionBranch)\n\(WriteFixture.laneBranch("lane-a"))\nmain\n")
    #expect(try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: repo) == "")
  }
}
