import Foundation
import KittyTestSupport
import Testing

/// A status file that exists but cannot be read (`chmod 000`, as an unprivileged user) is never treated as empty:
/// every verb that writes status refuses with MISSION_NOT_READY naming the file, and nothing on disk changes. The
/// read verbs already refused; a write used to replace a 14-row log with a 1-row one.
@Suite struct UnreadableStatusFileTests {
  static let slug = WriteFixture.slug
  static let policy = WriteFixture.policy

  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var arguments: [String]
    /// Work packages to approve (through the binary, as root) before the files are made unreadable.
    var approved: [(wp: String, lane: String, file: String)] = []
    var testDescription: String { name }
  }

  static let verbs: [Case] = [
    Case(
      name: "append-history",
      arguments: ["append-history", "--mission", slug, "--wp", "WP01", "--actor", "a", "--note", "n"]),
    Case(
      name: "transition",
      arguments: [
        "transition", "--mission", slug, "--wp", "WP01", "--to", "claimed", "--actor", "a", "--policy", policy,
      ]),
    Case(
      name: "start-implementation",
      arguments: ["start-implementation", "--mission", slug, "--wp", "WP01", "--actor", "a", "--policy", policy]),
    Case(
      name: "accept-mission", arguments: ["accept-mission", "--mission", slug, "--actor", "a"],
      approved: [
        ("WP01", "lane-a", "src/core.sh"), ("WP02", "lane-b", "src/left.sh"), ("WP03", "lane-c", "src/right.sh"),
        ("WP04", "lane-d", "src/main.sh"),
      ]),
    Case(
      name: "merge-mission", arguments: ["merge-mission", "--mission", slug, "--allow-partial"],
      approved: [("WP01", "lane-a", "src/core.sh")]),
  ]

  static let files = ["status.events.jsonl", "status.json"]

  @Test(arguments: verbs, files)
  func aWriteRefusesAnUnreadableStatusFile(verb: Case, file: String) throws {
    let repo = try WriteFixture.clone()
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    for step in verb.approved { try MissionDriver.approve(step.wp, lane: step.lane, file: step.file, repo) }
    let path = "\(WriteFixture.missionDirectory(repo))/\(file)"
    let before = try RepositoryState.capture(repo)
    try #require(chmod(path, 0) == 0)
    let result = try Unprivileged.gitKitty(["orchestrator-api"] + verb.arguments, in: repo)
    try #require(chmod(path, 0o644) == 0)
    #expect(result.status == 1, "\(result.stdout)")
    #expect(result.stdout.contains(#""error_code": "MISSION_NOT_READY""#), "\(result.stdout)")
    #expect(result.stdout.contains(path), "the message names the file: \(result.stdout)")
    let after = try RepositoryState.capture(repo)
    #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")
  }

  /// The read verbs and the write verbs agree about the same unreadable log.
  @Test func readAndWriteVerbsAgree() throws {
    let repo = try WriteFixture.clone()
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    let path = WriteFixture.eventsPath(repo)
    let rows = try WriteFixture.rows(path).count
    try #require(chmod(path, 0) == 0)
    let read = try Unprivileged.gitKitty(["orchestrator-api", "mission-state", "--mission", Self.slug], in: repo)
    let write = try Unprivileged.gitKitty(
      ["orchestrator-api", "append-history", "--mission", Self.slug, "--wp", "WP01", "--actor", "a", "--note", "n"],
      in: repo)
    try #require(chmod(path, 0o644) == 0)
    for result in [read, write] {
      #expect(result.stdout.contains(#""error_code": "MISSION_NOT_READY""#), "\(result.stdout)")
    }
    #expect(try WriteFixture.rows(path).count == rows)
  }
}
