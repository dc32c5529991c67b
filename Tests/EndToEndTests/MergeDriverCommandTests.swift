import Foundation
import KittyTestSupport
import Testing

/// `git kitty merge-driver event-log %O %A %B` as git runs it: bare relative names in the repository root, as an
/// ordinary user. It used to trap on one-letter names, to put its temporary file in `/` (so a real merge
/// conflicted for every non-root user), and to answer a missing input with exit 0 and an empty result.
@Suite struct MergeDriverCommandTests {
  static func row(_ id: String, at: String) -> String {
    #"{"actor": "a", "at": "\#(at)", "event_id": "\#(id)", "force": false, "from_lane": "planned", "to_lane": "claimed", "wp_id": "WP01"}"#
  }

  /// One-letter relative names, run from their directory: the union lands in `b`, no temporary file is left.
  @Test func oneLetterRelativeNames() throws {
    let dir = TestSupport.temporaryDirectory("driver")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try TestSupport.write(Self.row("01A", at: "1") + "\n", to: "\(dir)/a")
    try TestSupport.write(Self.row("01A", at: "1") + "\n" + Self.row("01B", at: "2") + "\n", to: "\(dir)/b")
    try TestSupport.write(Self.row("01A", at: "1") + "\n" + Self.row("01C", at: "3") + "\n", to: "\(dir)/c")
    let result = try Unprivileged.gitKitty(["merge-driver", "event-log", "a", "b", "c"], in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      try TestSupport.read("\(dir)/b")
        == [Self.row("01A", at: "1"), Self.row("01B", at: "2"), Self.row("01C", at: "3")].joined(separator: "\n")
        + "\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["a", "b", "c"])
  }

  /// Each missing input: exit 1, a message naming the file, and %A untouched.
  @Test(arguments: ["a", "b", "c"]) func aMissingInputIsAnError(missing: String) throws {
    let dir = TestSupport.temporaryDirectory("driver")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for name in ["a", "b", "c"] where name != missing {
      try TestSupport.write(Self.row("01\(name.uppercased())", at: "1") + "\n", to: "\(dir)/\(name)")
    }
    let before = TestSupport.snapshotTree(dir)
    let result = try GitKittyBinary.run(["merge-driver", "event-log", "a", "b", "c"], in: dir)
    #expect(result.status == 1)
    #expect(result.stderr.contains("\(missing) does not exist"), "\(result.stderr)")
    #expect(result.stdout.isEmpty)
    #expect(TestSupport.snapshotTree(dir) == before)
  }

  /// A real `git merge` of two branches that both appended to a mission's log, run by an unprivileged user with
  /// the driver `git kitty init` registers: no conflict, every row kept once.
  @Test func aRealGitMergeAsAnOrdinaryUser() throws {
    let repo = try TestSupport.makeRepository()
    let parent = (repo as NSString).deletingLastPathComponent
    defer { try? FileManager.default.removeItem(atPath: parent) }
    try GitKittyBinary.run(["init"], in: repo)
    let log = "kitty-specs/demo-01M80000/status.events.jsonl"
    let common = Self.row("01A", at: "2030-01-01T00:00:00+00:00")
    let ours = Self.row("01B", at: "2030-01-01T00:00:01+00:00")
    let theirs = Self.row("01C", at: "2030-01-01T00:00:02+00:00")
    try TestSupport.write(common + "\n", to: "\(repo)/\(log)")
    try TestSupport.git(["add", "-A"], in: repo)
    try TestSupport.git(["commit", "-q", "-m", "init and a log"], in: repo)
    try TestSupport.git(["switch", "-q", "-c", "side"], in: repo)
    try TestSupport.write(common + "\n" + theirs + "\n", to: "\(repo)/\(log)")
    try TestSupport.git(["commit", "-q", "-am", "theirs"], in: repo)
    try TestSupport.git(["switch", "-q", "main"], in: repo)
    try TestSupport.write(common + "\n" + ours + "\n", to: "\(repo)/\(log)")
    try TestSupport.git(["commit", "-q", "-am", "ours"], in: repo)
    let binDirectory = (GitKittyBinary.path as NSString).deletingLastPathComponent
    let path = "\(binDirectory):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
    let merge = try Unprivileged.run(
      TestSupport.gitPath, ["merge", "--no-edit", "side"], in: repo, tree: parent,
      environment: [
        "PATH": path, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com",
      ])
    #expect(merge.status == 0, "\(merge.stdout)\(merge.stderr)")
    #expect(try TestSupport.read("\(repo)/\(log)") == [common, ours, theirs].joined(separator: "\n") + "\n")
    #expect(try TestSupport.git(["status", "--porcelain"], in: repo).isEmpty)
  }
}
