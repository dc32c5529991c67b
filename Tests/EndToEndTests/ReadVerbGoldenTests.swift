import Foundation
import KittyTestSupport
import Testing

/// The read verbs answer what the real spec-kitty 3.2.7 answered in the recorded transcripts, on clones
/// of the fixture repositories it made. Only timestamps, correlation ids, absolute paths and mission ids
/// are normalised; `last_actor` is compared against the actor git-kitty must report (spec-kitty: null).
@Suite struct ReadVerbGoldenTests {
  struct Case: CustomStringConvertible, Sendable {
    let fixture: String
    let transcript: String
    let heading: String
    /// Transcript mission id text -> fixture mission id text.
    let idMap: [String: String]
    /// WP -> the actor git-kitty reports as last_actor (nil: do not expect mission-state).
    let lastActors: [String: String]?
    /// Check out the coordination branch at `.worktrees/<slug>-coord`, as it was when the transcript ran.
    var coordWorktree: String? = nil
    var description: String { "\(fixture): \(heading)" }
  }

  static let freshIDs = ["01M804SNMWGFMSQST0RPRTDXSV": "01M806VTF7GJCNP0YY012Y1DZ6", "01M804SN": "01M806VT"]
  static let fresh = [
    "WP01": "finalize-tasks", "WP02": "finalize-tasks", "WP03": "finalize-tasks", "WP04": "finalize-tasks",
  ]

  static let cases: [Case] = [
    Case(
      fixture: "lanes-fresh", transcript: "transcript-lanes", heading: "mission-state", idMap: freshIDs,
      lastActors: fresh),
    Case(
      fixture: "lanes-fresh", transcript: "transcript-lanes", heading: "list-ready", idMap: freshIDs, lastActors: nil),
    Case(
      fixture: "lanes-fresh", transcript: "transcript-lanes", heading: "list-ready by mid8 handle", idMap: freshIDs,
      lastActors: nil),
    Case(
      fixture: "lanes-fresh", transcript: "transcript-lanes",
      heading: "resolve-workspace WP01 (before start; read-only prediction)",
      idMap: freshIDs, lastActors: nil),
    Case(
      fixture: "lanes-merged", transcript: "transcript-lanes", heading: "mission-state after merge", idMap: [:],
      lastActors: ["WP01": "merge", "WP02": "rev-1", "WP03": "rev-2", "WP04": "merge"]),
    Case(
      fixture: "coord-accepted", transcript: "transcript-coord", heading: "mission-state after merge", idMap: [:],
      lastActors: ["WP01": "merge", "WP02": "merge", "WP03": "merge", "WP04": "merge"],
      coordWorktree: "demo-feature-01M805GN"),
  ]

  static let errorIDs = ["01M8055G": "01M806VT"]
  /// Error and handle cases from transcript C, replayed on the lanes-fresh fixture. The legacy names that 3.2.7
  /// refuses (`--feature`, `feature-state`, `accept-feature`, `merge-feature`) are git-kitty's seed-003 dialect:
  /// Seed003DialectTests replays those blocks.
  static let errorCases: [Case] = [
    "unknown mission", "unknown WP (resolve-workspace)", "lower-case wp id", "mission handle = human slug without mid8",
    "mission handle = full mission_id", "missing --mission", "unknown group option", "no subcommand",
    "contract-version: provider too old", "contract-version: provider not a version",
  ].map { heading in
    Case(
      fixture: "lanes-fresh", transcript: "transcript-errors", heading: heading, idMap: errorIDs,
      lastActors: heading.hasPrefix("mission handle = human") ? fresh : nil)
  }

  @Test(arguments: cases + errorCases)
  func readVerbMatchesTranscript(_ testCase: Case) throws {
    let repo = try TestSupport.cloneFixture(testCase.fixture)
    if let slug = testCase.coordWorktree {
      try TestSupport.git(
        [
          "worktree", "add", "-q", "-b", "kitty/mission-\(slug)", ".worktrees/\(slug)-coord",
          "origin/kitty/mission-\(slug)",
        ],
        in: repo)
    }
    let block = try Transcript(named: testCase.transcript).block(testCase.heading)
    let command = testCase.idMap.reduce(block.command) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
    let result = try GitKittyBinary.runTranscriptCommand(command, in: repo)
    #expect(result.status == block.exitCode ?? 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 1, "stdout must hold exactly one line")
    let line = String(lines.first ?? "")
    #expect(GoldenJSON.frameProblems(line).isEmpty, "\(GoldenJSON.frameProblems(line))")

    let expectedLine = try #require(block.envelope)
    var substitutions: [(String, String)] = [("/REPO", repo)]
    substitutions += testCase.idMap.map { ($0.key, $0.value) }
    var expected = GoldenJSON.substitute(try GoldenJSON.parse(expectedLine), substitutions) as! [String: Any]
    var actual = try GoldenJSON.parse(line)
    for key in ["timestamp", "correlation_id"] {
      expected[key] = nil
      actual[key] = nil
    }
    if let lastActors = testCase.lastActors {
      // spec-kitty always reports null here (its bug); git-kitty reports the last transition's actor.
      var data = expected["data"] as! [String: Any]
      data["work_packages"] = (data["work_packages"] as! [[String: Any]]).map { wp in
        var wp = wp
        wp["last_actor"] = lastActors[wp["wp_id"] as! String]
        return wp
      }
      expected["data"] = data
    }
    #expect(GoldenJSON.canonical(actual) == GoldenJSON.canonical(expected))
  }
}
