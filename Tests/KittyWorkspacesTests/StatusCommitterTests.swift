import Foundation
import KittyCore
import KittyGit
import KittyTestSupport
import KittyWorkspaces
import Testing

/// StatusCommitter builds the status commit on the branch's current tip and moves the ref with a
/// compare-and-swap: a branch that moved under it is never rewound, and nothing committed by others is lost.
@Suite struct StatusCommitterTests {
  static let slug = WriteFixture.slug
  static let events = "kitty-specs/\(slug)/status.events.jsonl"
  static let status = "kitty-specs/\(slug)/status.json"

  func git(_ arguments: [String], _ repo: String) throws -> String {
    try TestSupport.git(arguments, in: repo).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test func commitLandsOnABranchThatMovedSinceTheFilesWereWritten() throws {
    let repo = try WriteFixture.clone()
    let context = try RepositoryContext.locate(from: repo)
    let start = try git(["rev-parse", "develop"], repo)
    // The status files change on disk (as a host write would leave them)…
    let row =
      #"{"actor": "x", "at": "2026-11-22T01:00:00.000000+00:00", "delta": {"note": "n"}, "event_id": "01M9ZZ000000000000000000AA", "kind": "annotation", "wp_id": "WP01"}"#
    let newLog = try TestSupport.read("\(repo)/\(Self.events)") + row + "\n"
    try TestSupport.write(newLog, to: "\(repo)/\(Self.events)")
    // …then, before the commit, someone else commits on develop (an unrelated file, with git).
    try TestSupport.write("other work\n", to: "\(repo)/OTHER.md")
    _ = try git(["add", "OTHER.md"], repo)
    _ = try git(["commit", "-q", "-m", "someone else"], repo)
    let moved = try git(["rev-parse", "develop"], repo)
    #expect(moved != start)

    let outcome = try StatusCommitter(context: context).commit(
      paths: [Self.events, Self.status], branch: "develop", message: "chore(spec-kitty): status transition WP01")
    guard case .committed(let hex) = outcome else {
      Issue.record("expected a commit, got \(outcome)")
      return
    }
    #expect(try git(["rev-parse", "develop"], repo) == hex)
    // Built on the moved tip: its parent is the other commit, which stays in the history with its file.
    #expect(try git(["rev-parse", "\(hex)^"], repo) == moved)
    #expect(try git(["rev-list", "--parents", "-n", "1", hex], repo).split(separator: " ").count == 2)
    #expect(try TestSupport.git(["show", "develop:OTHER.md"], in: repo) == "other work\n")
    #expect(try TestSupport.git(["show", "develop:\(Self.events)"], in: repo) == newLog)
    #expect(try git(["diff-tree", "--no-commit-id", "--name-only", "-r", hex], repo) == Self.events)
    #expect(try git(["log", "-1", "--format=%s", hex], repo) == "chore(spec-kitty): status transition WP01")
    #expect(try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: repo) == "")

    // Nothing changed on disk: a second call is a no-op.
    let again = try StatusCommitter(context: context).commit(
      paths: [Self.events, Self.status], branch: "develop", message: "again")
    #expect(again == .unchanged)
    #expect(try git(["rev-parse", "develop"], repo) == hex)
  }

  @Test func concurrentCommittersLoseNothing() throws {
    // Status writes of different missions hold different mission locks, so their commits onto the shared target
    // branch race for the ref. Each committer must rebuild on the tip that won, never overwrite it.
    let repo = try WriteFixture.clone()
    let context = try RepositoryContext.locate(from: repo)
    let start = try git(["rev-parse", "develop"], repo)
    let count = 12
    for index in 0..<count {
      try TestSupport.write("mission \(index)\n", to: "\(repo)/kitty-specs/m\(index)/status.json")
    }
    let failures = Failures()
    let group = DispatchGroup()
    for index in 0..<count {
      let thread = Thread {
        do {
          let outcome = try StatusCommitter(context: context).commit(
            paths: ["kitty-specs/m\(index)/status.json"], branch: "develop", message: "status m\(index)")
          if case .unchanged = outcome { failures.add(index, "m\(index): unchanged") }
        } catch {
          failures.add(index, "m\(index): \(error)")
        }
        group.leave()
      }
      group.enter()
      thread.start()
    }
    group.wait()

    let commits = try git(["rev-list", "\(start)..develop"], repo).split(separator: "\n")
    let tree = try git(["ls-tree", "-r", "--name-only", "develop", "kitty-specs"], repo)
    let missing = Set((0..<count).filter { !tree.contains("kitty-specs/m\($0)/status.json") })
    let failed = Set(failures.all.map(\.index))
    let unstaged = try (0..<count).filter { !failed.contains($0) }.map {
      try git(["status", "--porcelain", "--", "kitty-specs/m\($0)"], repo)
    }.filter { !$0.isEmpty }
    #expect(failures.all.isEmpty, "\(failures.all.map(\.message))")
    #expect(missing == failed, "calls that failed although their commit landed: \(failed.subtracting(missing))")
    // The index of the main checkout agrees with develop for every committed file (no lost index update).
    #expect(unstaged.isEmpty, "\(unstaged)")
    // Nothing a successful call committed is lost, and every file on develop came with exactly one commit:
    // linear history, no merges, no overwritten tips.
    #expect(missing.isSubset(of: failed), "lost commits of successful calls: \(missing.subtracting(failed))")
    #expect(commits.count == count - missing.count)
    #expect(try git(["rev-list", "--merges", "\(start)..develop"], repo) == "")
    #expect(try git(["rev-list", "--count", "--first-parent", "\(start)..develop"], repo) == "\(commits.count)")
    for index in (0..<count) where !missing.contains(index) {
      #expect(
        try TestSupport.git(["show", "develop:kitty-specs/m\(index)/status.json"], in: repo) == "mission \(index)\n")
    }
  }

  @Test func refusesAProtectedBranchAndAHeadMismatch() throws {
    let repo = try WriteFixture.clone(writable: false)
    let context = try RepositoryContext.locate(from: repo)
    let tip = try git(["rev-parse", "develop"], repo)
    #expect(throws: (any Error).self) {
      try StatusCommitter(context: context).commit(paths: [Self.status], branch: "develop", message: "x")
    }
    _ = try git(["remote", "remove", "origin"], repo)
    _ = try git(["checkout", "-q", "-b", "other"], repo)
    let writable = try RepositoryContext.locate(from: repo)
    #expect(throws: (any Error).self) {
      try StatusCommitter(context: writable).commit(paths: [Self.status], branch: "develop", message: "x")
    }
    #expect(try git(["rev-parse", "develop"], repo) == tip)
  }
}

/// Failure messages collected from several threads.
final class Failures: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [(index: Int, message: String)] = []
  func add(_ index: Int, _ message: String) {
    lock.lock()
    items.append((index, message))
    lock.unlock()
  }
  var all: [(index: Int, message: String)] {
    lock.lock()
    defer { lock.unlock() }
    return items
  }
}
