import Foundation
import KittyCore
import KittyGit
import KittyTestSupport
import KittyWorkspaces
import Testing

/// In-memory merges settle a conflict on a mission's `status.events.jsonl` with the union of rows by `event_id`, as
/// spec-kitty's git merge driver does (libgit2 cannot run it); every other conflict stays a conflict.
@Suite struct EventLogMergeTests {
  static let events = "kitty-specs/\(WriteFixture.slug)/status.events.jsonl"

  static func row(_ id: String, at: String, note: String) -> String {
    #"{"actor": "x", "at": "2026-11-22T0\#(at).000000+00:00", "delta": {"note": "\#(note)"}, "event_id": "\#(id)", "kind": "annotation", "wp_id": "WP01"}"#
  }

  /// Two branches from develop, each appending `rows` to the log (and writing `other` to README.md when given).
  func branches(_ repo: String, ours: [String], theirs: [String], other: (String, String)? = nil) throws
    -> (OID, OID)
  {
    let base = try TestSupport.read("\(repo)/\(Self.events)")
    var tips: [OID] = []
    for (name, rows, readme) in [("ours", ours, other?.0), ("theirs", theirs, other?.1)] {
      _ = try TestSupport.git(["checkout", "-q", "-b", name, "develop"], in: repo)
      try TestSupport.write(base + rows.map { $0 + "\n" }.joined(), to: "\(repo)/\(Self.events)")
      if let readme { try TestSupport.write(readme, to: "\(repo)/README.md") }
      _ = try TestSupport.git(["commit", "-q", "-am", name], in: repo)
      tips.append(try Repository.open(at: repo).resolve(name))
    }
    _ = try TestSupport.git(["checkout", "-q", "develop"], in: repo)
    return (tips[0], tips[1])
  }

  @Test func bothSidesAppendedRowsMergeAsTheirUnionInOrder() throws {
    let repo = try WriteFixture.clone()
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    let (ours, theirs) = try branches(
      repo, ours: [Self.row("01M9ZZ000000000000000000AB", at: "3:00:00", note: "late")],
      theirs: [Self.row("01M9ZZ000000000000000000AA", at: "1:00:00", note: "early")])
    let git = try Repository.open(at: repo)
    guard case .conflict(let paths) = try git.mergeInMemory(ours: ours, theirs: theirs) else {
      Issue.record("without the resolver the log must conflict")
      return
    }
    #expect(paths == [Self.events])
    let outcome = try git.mergeInMemory(ours: ours, theirs: theirs, resolve: EventLogUnion.resolveStatusLog)
    guard case .merged(let tree) = outcome else {
      Issue.record("expected a merged tree, got \(outcome)")
      return
    }
    let commit = try git.createCommit(tree: tree, parents: [ours, theirs], message: "merge\n")
    let merged = String(decoding: try git.fileContents(at: Self.events, in: commit) ?? Data(), as: UTF8.self)
    let base = try TestSupport.read("\(repo)/\(Self.events)")
    let early = Self.row("01M9ZZ000000000000000000AA", at: "1:00:00", note: "early")
    let late = Self.row("01M9ZZ000000000000000000AB", at: "3:00:00", note: "late")
    #expect(merged.hasPrefix(base.isEmpty ? "" : String(base.prefix(40))))
    #expect(merged.contains(early + "\n") && merged.contains(late + "\n"))
    #expect(merged.range(of: early)!.lowerBound < merged.range(of: late)!.lowerBound)
    #expect(merged.split(separator: "\n").count == base.split(separator: "\n").count + 2)
  }

  @Test func oneEventWithTwoContentsOrAnotherFileStaysAConflict() throws {
    let repo = try WriteFixture.clone()
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    let (ours, theirs) = try branches(
      repo, ours: [Self.row("01M9ZZ000000000000000000AA", at: "1:00:00", note: "one")],
      theirs: [Self.row("01M9ZZ000000000000000000AA", at: "1:00:00", note: "two")])
    let git = try Repository.open(at: repo)
    let outcome = try git.mergeInMemory(ours: ours, theirs: theirs, resolve: EventLogUnion.resolveStatusLog)
    #expect(outcome == .conflict(paths: [Self.events]))

    let other = try WriteFixture.clone()
    defer { try? FileManager.default.removeItem(atPath: (other as NSString).deletingLastPathComponent) }
    let (a, b) = try branches(
      other, ours: [Self.row("01M9ZZ000000000000000000AB", at: "2:00:00", note: "a")],
      theirs: [Self.row("01M9ZZ000000000000000000AC", at: "2:00:01", note: "b")], other: ("ours\n", "theirs\n"))
    let repository = try Repository.open(at: other)
    let mixed = try repository.mergeInMemory(ours: a, theirs: b, resolve: EventLogUnion.resolveStatusLog)
    #expect(mixed == .conflict(paths: ["README.md", Self.events]))
  }
}
