import Foundation
import KittyTestSupport
import Testing

/// `kill -9` of each mutating verb at named points (`KITTY_TEST_KILL_AT`), then one rerun of the same call: the
/// main checkout is clean, the log keeps every row written before the kill, and the mission can still finish
/// (WP01 approved and merged). Before, a kill between appending and committing left modified status files that
/// the rerun did not commit and merge-mission refused, a kill inside merge-mission's checkout left files of the
/// merge untracked, and a kill mid-write left a `.status.events.jsonl.tmp-…` file.
@Suite(.serialized) struct KillPointRecoveryTests {
  static let slug = WriteFixture.slug
  static let policy = WriteFixture.policy

  /// The points every status write passes.
  static let statusPoints = [
    "lock-taken", "recovered", "status-committed", "envelope-ready", "envelope-printed",
    "atomic-temp-written:status.events.jsonl", "status-appended", "atomic-temp-written:status.json",
    "status-materialized", "status-commit-created", "status-ref-moved", "status-staged",
  ]

  struct Case: Sendable, CustomTestStringConvertible {
    var verb: String
    var point: String
    var testDescription: String { "\(verb) killed at \(point)" }
  }

  static let cases: [Case] =
    (statusPoints + ["lane-allocated"]).map { Case(verb: "start-implementation", point: $0) }
    + statusPoints.map { Case(verb: "transition", point: $0) }
    + statusPoints.map { Case(verb: "append-history", point: $0) }
    + (statusPoints + [
      "merge-mission-branch-moved", "merge-checkout-written", "merge-applied", "merge-status-recorded",
      "merge-cleaned",
    ]).map { Case(verb: "merge-mission", point: $0) }

  static func arguments(_ verb: String) -> [String] {
    switch verb {
    case "start-implementation":
      return ["start-implementation", "--mission", slug, "--wp", "WP01", "--actor", "impl", "--policy", policy]
    case "transition":
      return [
        "transition", "--mission", slug, "--wp", "WP01", "--to", "for_review", "--actor", "impl", "--policy", policy,
        "--force", "--note", "subtasks tracked elsewhere",
      ]
    case "append-history":
      return ["append-history", "--mission", slug, "--wp", "WP01", "--actor", "impl", "--note", "progress"]
    default:
      // WP01 alone is approved: the other lanes are left, as asked.
      return ["merge-mission", "--mission", slug, "--allow-partial"]
    }
  }

  /// Brings WP01 to where `verb` applies.
  static func prepare(_ verb: String, _ repo: String) throws {
    switch verb {
    case "transition":
      try MissionDriver.start("WP01", repo)
      try MissionDriver.work("WP01", lane: "lane-a", file: "src/core.sh", repo)
    case "merge-mission":
      try MissionDriver.approve("WP01", lane: "lane-a", file: "src/core.sh", repo)
    default: break
    }
  }

  static func lane(_ repo: String) throws -> String {
    let data = try Data(contentsOf: URL(fileURLWithPath: WriteFixture.statusPath(repo)))
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    let wps = object?["work_packages"] as? [String: Any]
    return (wps?["WP01"] as? [String: Any])?["lane"] as? String ?? "planned"
  }

  /// Takes WP01 from wherever it is to merged; every call must succeed.
  static func finish(_ repo: String) throws {
    if try lane(repo) == "planned" { try MissionDriver.start("WP01", repo) }
    if try lane(repo) == "in_progress" {
      let worktree = WriteFixture.laneWorktree(repo, "lane-a")
      if !FileManager.default.fileExists(atPath: "\(worktree)/src/core.sh") {
        try MissionDriver.work("WP01", lane: "lane-a", file: "src/core.sh", repo)
      }
      try MissionDriver.toReview("WP01", repo)
    }
    if try lane(repo) == "for_review" { try MissionDriver.startReview("WP01", repo) }
    if try lane(repo) == "in_review" { try MissionDriver.approveReviewed("WP01", repo) }
    if try lane(repo) == "approved" {
      try MissionDriver.api(["merge-mission", "--mission", slug, "--allow-partial"], repo)
    }
    #expect(try lane(repo) == "done")
  }

  static func eventIDs(_ repo: String) throws -> [String] {
    try WriteFixture.rows(WriteFixture.eventsPath(repo)).compactMap { $0["event_id"] as? String }
  }

  @Test(arguments: cases) func aKilledCallIsFinishedByItsRerun(_ kill: Case) throws {
    let repo = try WriteFixture.clone()
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    try Self.prepare(kill.verb, repo)
    let before = try Self.eventIDs(repo)
    let arguments = ["orchestrator-api"] + Self.arguments(kill.verb)

    let killed = try GitKittyBinary.run(arguments, in: repo, environment: ["KITTY_TEST_KILL_AT": kill.point])
    try #require(killed.status == SIGKILL, "the call did not reach \(kill.point): \(killed.status) \(killed.stdout)")
    let written = try Self.eventIDs(repo)

    let rerun = try GitKittyBinary.run(arguments, in: repo)
    // A transition whose row was committed before the kill is an illegal self-transition when repeated.
    // So is a merge that had finished (and cleaned up its lanes) before the kill: spec-kitty refuses a second
    // merge-mission too.
    let laneAfterRerun = try Self.lane(repo)
    let alreadyDone =
      (kill.verb == "transition" && rerun.stdout.contains("Illegal transition: for_review -> for_review"))
      || (kill.verb == "merge-mission" && rerun.stdout.contains("PREFLIGHT_FAILED") && laneAfterRerun == "done")
    #expect(rerun.status == 0 || alreadyDone, "rerun: \(rerun.stdout)")

    let porcelain = try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: repo)
    #expect(porcelain.isEmpty, "the main checkout is not clean after the rerun:\n\(porcelain)")
    let after = try Self.eventIDs(repo)
    #expect(Set(after).isSuperset(of: written), "rows written before the kill were lost")
    #expect(Set(after).isSuperset(of: before))
    #expect(after.count == Set(after).count, "an event was recorded twice")
    let committed = try TestSupport.git(["show", "HEAD:kitty-specs/\(Self.slug)/status.events.jsonl"], in: repo)
    #expect(committed == (try TestSupport.read(WriteFixture.eventsPath(repo))), "the log is not committed")
    try Self.finish(repo)
    #expect(try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: repo).isEmpty)
  }
}
