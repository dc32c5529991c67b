import Foundation
import KittyTestSupport
import Testing

/// `git kitty orchestrate --merge` on a mission whose two parallel lanes write one file: the conflict is predicted
/// before the next claim (once, as an event, in the status and in the final message), the merge in dependency order
/// lands lane-a and stops at lane-b with the commands that resolve it, and running those commands (the real git
/// binary, then `git kitty resume`) finishes the mission.
@Suite struct OrderedMergeTests {
  /// WP01 and WP02 write src/shared.sh differently; WP03 needs WP01 and writes a file of its own.
  static let mission = [
    SandboxWP("WP01", file: "src/shared.sh", implement: "mkdir -p src && echo left > src/shared.sh"),
    SandboxWP("WP02", file: "src/shared.sh", implement: "mkdir -p src && echo right > src/shared.sh"),
    SandboxWP("WP03", dependsOn: ["WP01"], file: "src/wp3.sh"),
  ]

  static func events(_ stdout: String) throws -> [[String: Any]] {
    try stdout.split(separator: "\n").map { line in
      try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
    }
  }

  @Test func theConflictIsPredictedThenTheMergeStopsAtItAndTheGivenCommandsFinishTheMission() throws {
    let sandbox = try OrchestratorSandbox(Self.mission, name: "ordered")
    // One WP at a time: WP01, WP02, then WP03, whose claim comes after both conflicting lanes are approved.
    let run = try sandbox.orchestrate(merge: true, extra: ["--max-concurrent", "1", "--json"])
    #expect(run.status == 1, "\(run.stderr)")
    let events = try Self.events(run.stdout)

    // The prediction: an event before WP03 is claimed, naming both lanes, WPs and the path; then, before the
    // merge, lane-c (built on lane-a) against lane-b. Each conflict is reported once.
    let predicted = events.filter { $0["event"] as? String == "conflict-predicted" }
    #expect(predicted.map { $0["between"] as? [String] ?? [] } == [["lane-a", "lane-b"], ["lane-b", "lane-c"]])
    let prediction = try #require(predicted.first)
    #expect(prediction["between"] as? [String] == ["lane-a", "lane-b"])
    #expect(prediction["wp_ids"] as? [String] == ["WP01", "WP02"])
    #expect(prediction["paths"] as? [String] == ["src/shared.sh"])
    let predictedAt = try #require(events.firstIndex { $0["event"] as? String == "conflict-predicted" })
    let wp03At = try #require(events.firstIndex { $0["wp_id"] as? String == "WP03" })
    #expect(predictedAt < wp03At, "the conflict is predicted before WP03's claim")

    // The stop: lane-a merged (WP01 done), lane-b and lane-c untouched.
    let stop = try #require(events.first { $0["event"] as? String == "merge-stopped" })
    #expect(stop["lane_id"] as? String == "lane-b")
    #expect(stop["merged_lanes"] as? [String] == ["lane-a"])
    #expect(stop["not_merged"] as? [String] == ["lane-b", "lane-c"])
    #expect(try sandbox.lanes() == ["WP01": "done", "WP02": "approved", "WP03": "approved"])
    #expect(try TestSupport.git(["show", "develop:src/shared.sh"], in: sandbox.repo) == "left\n")
    let tree = try TestSupport.git(["ls-tree", "-r", "--name-only", "develop"], in: sandbox.repo)
    #expect(!tree.contains("src/wp3.sh"), "lane-c comes after the stop and is not merged")
    let laneB = "kitty/mission-\(sandbox.slug)-lane-b"
    let laneBTip = try TestSupport.git(["rev-parse", laneB], in: sandbox.repo)
    let ancestry = try TestSupport.run(
      TestSupport.gitPath,
      [
        "merge-base", "--is-ancestor", laneBTip.trimmingCharacters(in: .whitespacesAndNewlines),
        "develop",
      ], in: sandbox.repo)
    #expect(ancestry.status == 1, "lane-b is not in develop")

    // The final message and the status name the conflict and the commands.
    let summary = run.stderr
    #expect(
      summary.contains(
        "merge stopped at lane-b [WP02]: it conflicts with the lanes merged before it (lane-a) on src/shared.sh."),
      "\(summary)")
    let status = try sandbox.statusJSON()
    #expect(
      status["predicted_conflicts"] as? [String] == [
        "lane-a x lane-b [WP01, WP02]: src/shared.sh", "lane-b x lane-c [WP02, WP03]: src/shared.sh",
      ])
    let commands = summary.split(separator: "\n").map(String.init).filter { $0.hasPrefix("  git ") }
    try #require(commands.count == 3 && commands.last == "  git kitty resume", "\(summary)")

    // Run the commands as a user would: the merge of develop into lane-b conflicts; the user keeps both sides.
    let worktree = "\(sandbox.repo)/.worktrees/\(sandbox.slug)-lane-b"
    let merge = try TestSupport.run("/bin/sh", ["-c", commands[0]], in: sandbox.repo)
    #expect(merge.status != 0, "the merge into the lane stops on the conflict")
    try TestSupport.write("left\nright\n", to: "\(worktree)/src/shared.sh")
    let commit = try TestSupport.run("/bin/sh", ["-c", commands[1]], in: sandbox.repo)
    try #require(commit.status == 0, "\(commit.stdout)\(commit.stderr)")
    let resume = try sandbox.control("resume")
    #expect(resume.status == 0, "\(resume.stderr)")

    #expect(try sandbox.lanes() == ["WP01": "done", "WP02": "done", "WP03": "done"])
    #expect(try TestSupport.git(["show", "develop:src/shared.sh"], in: sandbox.repo) == "left\nright\n")
    #expect(try TestSupport.git(["show", "develop:src/wp3.sh"], in: sandbox.repo) == "WP03\n")
    #expect(try TestSupport.git(["branch", "--list", "kitty/*"], in: sandbox.repo).isEmpty)
    #expect(try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: sandbox.repo).isEmpty)
    #expect(try sandbox.statusJSON()["predicted_conflicts"] as? [String] == [])
  }
}
