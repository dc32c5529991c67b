import Foundation
import KittyCore
import KittyHost
import KittyTestSupport
import Testing

/// The files a write leaves behind are the ones spec-kitty 3.2.7 writes: the same event rows byte for byte (up to
/// ids and times), a status.json equal to a fresh materialisation, one commit of exactly the two status files
/// with spec-kitty's message, and a clean main checkout.
@Suite struct StatusFileFormatTests {
  static let slug = WriteFixture.slug

  func run(_ arguments: [String], in repo: String) -> OrchestratorAPI.Response {
    OrchestratorAPI.run(arguments, currentDirectory: repo)
  }

  /// spec-kitty's two batch rows for a start-implementation, from the recorded final event log of Transcript A.
  static func transcriptBatchRows() throws -> [String] {
    let log = try Transcript(named: "transcript-lanes").block("final event log").stdoutLines
    let claimed = try #require(
      log.firstIndex { $0.contains(#""actor": "impl-1""#) && $0.contains(#""to_lane": "claimed""#) })
    return Array(log[claimed...claimed + 1]).map {
      $0.replacingOccurrences(of: "01M804SNMWGFMSQST0RPRTDXSV", with: WriteFixture.missionID)
        .replacingOccurrences(of: "01M804SN", with: "01M806VT")
    }
  }

  /// Replaces the values of `at` and `event_id` (the only per-run fields) with placeholders.
  static func masked(_ line: String) -> String {
    line.replacing(#/"at": "[^"]*"/#, with: #""at": "<at>""#)
      .replacing(#/"event_id": "[^"]*"/#, with: #""event_id": "<ulid>""#)
  }

  @Test func startImplementationAppendsSpecKittysTwoRowsAndOneCommit() throws {
    let repo = try WriteFixture.clone()
    let eventsPath = WriteFixture.eventsPath(repo)
    let before = try TestSupport.read(eventsPath)
    let oldTip = try TestSupport.git(["rev-parse", "develop"], in: repo).trimmingWhitespace
    let response = run(
      [
        "start-implementation", "--mission", Self.slug, "--wp", "WP01", "--actor", "impl-1", "--policy",
        WriteFixture.policy,
      ],
      in: repo)
    #expect(response.envelope.success, "\(response.line)")

    // Two new lines, appended (the old content is a byte-identical prefix), each ending in "\n".
    let after = try TestSupport.read(eventsPath)
    #expect(after.hasPrefix(before))
    #expect(after.hasSuffix("\n"))
    let newLines = after.dropFirst(before.count).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
      .map(String.init)
    try #require(newLines.count == 2)

    // Exactly spec-kitty's rows: key order, separators, nested policy, null fields; only at/event_id differ.
    let expected = try Self.transcriptBatchRows()
    #expect(newLines.map(Self.masked) == expected.map(Self.masked))

    let rows = try newLines.map { try GoldenJSON.parse($0) }
    for (line, row) in zip(newLines, rows) {
      #expect(Self.topLevelKeys(line) == Self.topLevelKeys(line).sorted(), "keys sorted: \(line)")
      #expect(
        Set(row.keys) == [
          "actor", "at", "event_id", "evidence", "execution_mode", "force", "from_lane", "mission_id", "mission_slug",
          "policy_metadata", "reason", "review_ref", "to_lane", "wp_id",
        ])
      #expect(row["execution_mode"] as? String == "worktree")
      #expect(row["mission_slug"] as? String == Self.slug)
      #expect(row["mission_id"] as? String == WriteFixture.missionID)
      let policy = try #require(row["policy_metadata"] as? [String: Any])
      #expect(policy.count == 8)
      #expect(policy["tool_restrictions"] is NSNull)
      let id = try #require(row["event_id"] as? String)
      #expect(id.wholeMatch(of: #/[0-7][0-9A-HJKMNP-TV-Z]{25}/#) != nil, "ULID: \(id)")
    }
    #expect(rows.map { "\($0["from_lane"]!)->\($0["to_lane"]!)" } == ["planned->claimed", "claimed->in_progress"])
    #expect(rows[0]["event_id"] as? String != rows[1]["event_id"] as? String)
    // The ULIDs sort in append order, and `at` is 1 µs apart.
    #expect((rows[0]["event_id"] as! String) < (rows[1]["event_id"] as! String))
    let first = try Self.microseconds(rows[0]["at"] as! String)
    let second = try Self.microseconds(rows[1]["at"] as! String)
    #expect(second - first == 1)

    // status.json is the materialisation of the new log.
    let mission = try Mission(repoRoot: repo, slug: Self.slug)
    #expect(try TestSupport.read(WriteFixture.statusPath(repo)) == (try mission.materializedStatus()))

    // One commit on develop, spec-kitty's message, only the two status files, parent = the old tip.
    let message = try TestSupport.git(["cat-file", "commit", "develop"], in: repo).components(separatedBy: "\n\n")
      .dropFirst().joined(separator: "\n\n")
    #expect(message == "chore(spec-kitty): status transition batch WP01\n")
    #expect(try TestSupport.git(["rev-parse", "develop^"], in: repo).trimmingWhitespace == oldTip)
    #expect(try TestSupport.git(["rev-list", "--count", "\(oldTip)..develop"], in: repo) == "1\n")
    let touched = try TestSupport.git(["diff-tree", "--no-commit-id", "--name-only", "-r", "develop"], in: repo)
    #expect(
      touched == "kitty-specs/\(Self.slug)/status.events.jsonl\nkitty-specs/\(Self.slug)/status.json\n")
    // The committed files are the files on disk, and the main checkout is clean.
    #expect(
      try TestSupport.git(["show", "develop:kitty-specs/\(Self.slug)/status.events.jsonl"], in: repo) == after)
    #expect(try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: repo) == "")
    // The author is the repository's git identity, as with spec-kitty.
    #expect(
      try TestSupport.git(["log", "-1", "--format=%an <%ae>", "develop"], in: repo)
        == "Kitty Test <kitty@example.com>\n")
  }

  @Test func singleTransitionRowAndCommit() throws {
    let repo = try WriteFixture.clone()
    let eventsPath = WriteFixture.eventsPath(repo)
    let before = try TestSupport.read(eventsPath)
    let response = run(
      [
        "transition", "--mission", Self.slug, "--wp", "WP03", "--to", "blocked", "--actor", "ops", "--note",
        "waiting — on ✓ \"infra\"",
      ], in: repo)
    #expect(response.envelope.success, "\(response.line)")
    #expect(response.envelope.data["policy_metadata_recorded"] == .bool(false))
    let line = String(try TestSupport.read(eventsPath).dropFirst(before.count).dropLast())
    #expect(!line.contains("\n"))
    // Sorted keys, null policy, ASCII-escaped note, as json.dumps(sort_keys=True) writes it.
    #expect(
      Self.masked(line)
        == #"{"actor": "ops", "at": "<at>", "event_id": "<ulid>", "evidence": null, "execution_mode": "worktree", "force": false, "from_lane": "planned", "mission_id": "01M806VTF7GJCNP0YY012Y1DZ6", "mission_slug": "demo-feature-01M806VT", "policy_metadata": null, "reason": "waiting \u2014 on \u2713 \"infra\"", "review_ref": null, "to_lane": "blocked", "wp_id": "WP03"}"#
    )
    let at = try #require(try GoldenJSON.parse(line)["at"] as? String)
    #expect(at.wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00/#) != nil)
    let message = try TestSupport.git(["log", "-1", "--format=%B", "develop"], in: repo)
    #expect(message == "chore(spec-kitty): status transition WP03\n\n")
    let mission = try Mission(repoRoot: repo, slug: Self.slug)
    #expect(try TestSupport.read(WriteFixture.statusPath(repo)) == (try mission.materializedStatus()))
    #expect(try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: repo) == "")
  }

  @Test func otherStagedAndUntrackedChangesAreLeftAlone() throws {
    // spec-kitty's safe_commit parks the caller's other staged changes and restores them, still staged.
    let repo = try WriteFixture.clone()
    try TestSupport.write(try TestSupport.read("\(repo)/README.md") + "staged edit\n", to: "\(repo)/README.md")
    try TestSupport.git(["add", "README.md"], in: repo)
    try TestSupport.write(try TestSupport.read("\(repo)/.gitignore") + "# unstaged edit\n", to: "\(repo)/.gitignore")
    try TestSupport.write("untracked\n", to: "\(repo)/scratch.txt")
    let response = run(
      ["transition", "--mission", Self.slug, "--wp", "WP02", "--to", "blocked", "--actor", "ops"], in: repo)
    #expect(response.envelope.success, "\(response.line)")
    let touched = try TestSupport.git(["diff-tree", "--no-commit-id", "--name-only", "-r", "develop"], in: repo)
    #expect(touched == "kitty-specs/\(Self.slug)/status.events.jsonl\nkitty-specs/\(Self.slug)/status.json\n")
    #expect(
      try TestSupport.git(["status", "--porcelain"], in: repo) == " M .gitignore\nM  README.md\n?? scratch.txt\n")
    #expect(try TestSupport.git(["diff", "--cached", "--name-only"], in: repo) == "README.md\n")
  }

  @Test func aMid8HandleWritesTheCanonicalSlug() throws {
    // spec-kitty writes the raw handle into events, lock name and lane names (write-side notes 8.1) and skips the
    // commit; git-kitty resolves the handle first, so the rows, the lane and the commit are the canonical ones.
    let repo = try WriteFixture.clone()
    let before = try TestSupport.read(WriteFixture.eventsPath(repo))
    let response = run(
      [
        "start-implementation", "--mission", "01M806VT", "--wp", "WP01", "--actor", "impl-1", "--policy",
        WriteFixture.policy,
      ],
      in: repo)
    #expect(response.envelope.success, "\(response.line)")
    #expect(response.envelope.data["mission_slug"] == .string(Self.slug))
    #expect(response.envelope.data["workspace_path"] == .string(WriteFixture.laneWorktree(repo, "lane-a")))
    let rows = try TestSupport.read(WriteFixture.eventsPath(repo)).dropFirst(before.count).split(separator: "\n")
    #expect(rows.count == 2)
    #expect(rows.allSatisfy { $0.contains(#""mission_slug": "demo-feature-01M806VT""#) })
    #expect(FileManager.default.fileExists(atPath: WriteFixture.laneWorktree(repo, "lane-a")))
    #expect(
      try TestSupport.git(["log", "-1", "--format=%s", "develop"], in: repo)
        == "chore(spec-kitty): status transition batch WP01\n")
    #expect(try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: repo) == "")
  }

  // MARK: helpers

  /// The keys of the outermost object of one JSON line, in the order they appear.
  static func topLevelKeys(_ line: String) -> [String] {
    var keys: [String] = []
    var depth = 0
    var inString = false
    var escaped = false
    var current = ""
    var expectingKey = false
    for character in line {
      if inString {
        if escaped {
          escaped = false
          current.append(character)
        } else if character == "\\" {
          escaped = true
        } else if character == "\"" {
          inString = false
          if expectingKey && depth == 1 { keys.append(current) }
          expectingKey = false
        } else {
          current.append(character)
        }
        continue
      }
      switch character {
      case "\"":
        inString = true
        current = ""
      case "{", "[":
        depth += 1
        expectingKey = character == "{" && depth == 1
      case "}", "]":
        depth -= 1
      case ",":
        expectingKey = depth == 1
      default:
        break
      }
    }
    return keys
  }

  /// Microseconds since the epoch of a Python isoformat() UTC timestamp (fraction optional).
  static func microseconds(_ iso: String) throws -> Int64 {
    let match = try #require(iso.wholeMatch(of: #/(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{6}))?\+00:00/#))
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
    let seconds = try #require(formatter.date(from: String(match.output.1))).timeIntervalSince1970
    return Int64(seconds) * 1_000_000 + Int64(match.output.2.map { Int($0)! } ?? 0)
  }
}
