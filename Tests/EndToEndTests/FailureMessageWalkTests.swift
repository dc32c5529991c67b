import Foundation
import KittyTestSupport
import Testing

/// Every command, run where it cannot work (outside a repository, in a bare one, in a checkout whose `.git` points
/// nowhere) and with bad mission handles, says what happened in its own words: never Foundation's or Swift's
/// generic texts ("The operation could not be completed", an NSCocoaErrorDomain dump), never a crash, and a
/// failing command always prints something.
@Suite struct FailureMessageWalkTests {
  static let policy = WriteFixture.policy

  /// Texts that only appear when an error reached the user unmapped.
  static let forbidden = [
    "The operation could not be completed", "NSCocoaErrorDomain", "NSPOSIXErrorDomain", "Error Domain=",
    "Program crashed", "Fatal error", "UserInfo=", "error 1.)",
  ]

  /// Every leaf command, with `H` standing for the mission handle.
  static func commands(_ handle: String) -> [[String]] {
    let api: [[String]] = [
      ["mission-state", "--mission", handle], ["list-ready", "--mission", handle],
      ["resolve-workspace", "--mission", handle, "--wp", "WP01"],
      ["start-implementation", "--mission", handle, "--wp", "WP01", "--actor", "a", "--policy", policy],
      ["start-review", "--mission", handle, "--wp", "WP01", "--actor", "a", "--policy", policy],
      ["transition", "--mission", handle, "--wp", "WP01", "--to", "claimed", "--actor", "a", "--policy", policy],
      ["append-history", "--mission", handle, "--wp", "WP01", "--actor", "a", "--note", "n"],
      ["accept-mission", "--mission", handle, "--actor", "a"], ["merge-mission", "--mission", handle],
    ].map { ["orchestrator-api"] + $0 }
    return api + [
      ["orchestrate", "--mission", handle, "--dry-run"], ["orchestrate", "--mission", handle, "--dry-run", "--json"],
      ["status"], ["status", "--json"], ["resume"], ["abort"],
      ["worktree", "add", "lane-a", "--mission", handle], ["worktree", "list", "--mission", handle],
      ["worktree", "validate", "--mission", handle], ["worktree", "repair", "--mission", handle],
      ["worktree", "remove", "lane-a", "--mission", handle], ["worktree", "gc", "--dry-run"],
      ["subtasks", "mark", "T999", "--mission", handle], ["subtasks", "mark", "T001", "--mission", handle],
      ["mission", "finalize", handle], ["mission", "list"], ["mission", "show", handle],
      ["hooks", "status"], ["hooks", "uninstall"], ["hooks", "install"], ["mission", "new", handle],
      ["next", "--mission", handle], ["next"], ["start", "WP01", "--mission", handle],
      ["submit", "WP01", "--mission", handle], ["review", "WP01", "--mission", handle, "--approve"],
      ["merge-driver", "event-log", "x", "y", "z"],
    ]
  }

  enum Place: String, CaseIterable, CustomTestStringConvertible {
    case noRepository, bareRepository, danglingGitFile, badHandle, traversalHandle, hugeHandle
    var testDescription: String { rawValue }

    /// The directory to run in, its parent (to remove), and the handle to pass.
    func prepare() throws -> (directory: String, cleanup: String, handle: String) {
      switch self {
      case .noRepository:
        let dir = TestSupport.temporaryDirectory("walk")
        return (dir, dir, WriteFixture.slug)
      case .bareRepository:
        let dir = TestSupport.temporaryDirectory("walk")
        try TestSupport.git(["init", "-q", "--bare", "repo.git"], in: dir)
        return ("\(dir)/repo.git", dir, WriteFixture.slug)
      case .danglingGitFile:
        let dir = TestSupport.temporaryDirectory("walk")
        try TestSupport.write("gitdir: /nonexistent/worktrees/x\n", to: "\(dir)/checkout/.git")
        return ("\(dir)/checkout", dir, WriteFixture.slug)
      case .badHandle, .traversalHandle, .hugeHandle:
        let repo = try WriteFixture.clone()
        let handle =
          self == .badHandle ? "nope" : self == .traversalHandle ? "../../etc" : String(repeating: "a", count: 100_000)
        return (repo, (repo as NSString).deletingLastPathComponent, handle)
      }
    }
  }

  @Test(arguments: Place.allCases) func everyFailureSaysWhatHappened(place: Place) throws {
    let (directory, cleanup, handle) = try place.prepare()
    defer { try? FileManager.default.removeItem(atPath: cleanup) }
    for command in Self.commands(handle) {
      let result = try GitKittyBinary.run(command, in: directory)
      let shown = command.map { $0.count > 40 ? String($0.prefix(12)) + "…" : $0 }.joined(separator: " ")
      let output = result.stdout + result.stderr
      for text in Self.forbidden {
        #expect(!output.contains(text), "\(shown): \(output.prefix(400))")
      }
      #expect(result.status < 128, "\(shown) died with \(result.status): \(result.stderr.prefix(400))")
      if result.status != 0 {
        #expect(!output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(shown) failed silently")
      }
      // A message is for people: it never echoes a 100,000-character handle back.
      #expect(result.stderr.count < 4000, "\(shown): \(result.stderr.count) characters on stderr")
    }
  }

  func run(_ arguments: [String], in directory: String) throws -> TestSupport.CommandResult {
    try GitKittyBinary.run(arguments, in: directory)
  }

  /// The commands that printed "(KittyHost.HostFailure error 1.)" outside a repository.
  @Test(arguments: [["status"], ["resume"], ["abort"], ["next"], ["hooks", "status"], ["mission", "list"]])
  func outsideARepository(command: [String]) throws {
    let dir = TestSupport.temporaryDirectory("walk")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let result = try run(command, in: dir)
    #expect(result.status == 1)
    #expect(
      result.stderr == "git kitty: Not inside a git repository (\(dir)): run git kitty from a repository checkout\n")
  }

  /// Bad handles name the problem (and a huge one is not echoed back whole).
  @Test func badHandlesInARepository() throws {
    let repo = try WriteFixture.clone()
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    let cases: [([String], String)] = [
      (["mission", "show", "../../etc"], "Not a safe path segment: '../../etc'"),
      (["mission", "show", String(repeating: "a", count: 100_000)], "is 100000 bytes long"),
      (["next", "--mission", "nope"], "Mission 'nope' not found in kitty-specs/"),
      (["subtasks", "mark", "T999", "--mission", WriteFixture.slug], "Subtask T999 is not listed"),
      (["subtasks", "mark", "T999"], "pass --mission"),
    ]
    for (command, expected) in cases {
      let result = try run(command, in: repo)
      #expect(result.status == 1)
      #expect(result.stderr.contains(expected), "\(command.prefix(3)): \(result.stderr.prefix(300))")
      #expect(result.stderr.count < 400)
    }
  }

  @Test func aMissionNameTooLongForADirectory() throws {
    let repo = try TestSupport.makeRepository()
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    try TestSupport.git(["switch", "-q", "-c", "feature/x"], in: repo)
    let before = TestSupport.snapshotTree(repo)
    let result = try run(["mission", "new", String(repeating: "a", count: 3000)], in: repo)
    #expect(result.status == 1)
    #expect(result.stderr.contains("is 3000 characters long; at most 200 fit"), "\(result.stderr.prefix(300))")
    #expect(TestSupport.snapshotTree(repo) == before)
  }

  /// hooks install where git's hooks directory cannot be one: each says which path and what to do.
  @Test func hooksInstallWhereItCannot() throws {
    let dir = TestSupport.temporaryDirectory("walk")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try TestSupport.git(["init", "-q", "--bare", "bare.git"], in: dir)
    let bare = try run(["hooks", "install"], in: "\(dir)/bare.git")
    #expect(bare.status == 1)
    #expect(bare.stderr.contains("is a bare repository"), "\(bare.stderr)")

    let file = try TestSupport.makeRepository()
    try FileManager.default.removeItem(atPath: "\(file)/.git/hooks")
    try TestSupport.write("not a directory\n", to: "\(file)/.git/hooks")
    let onFile = try run(["hooks", "install"], in: file)
    #expect(onFile.status == 1)
    #expect(onFile.stderr.contains("\(file)/.git/hooks is a file"), "\(onFile.stderr)")
    #expect(try TestSupport.read("\(file)/.git/hooks") == "not a directory\n")

    let nowhere = try TestSupport.makeRepository()
    try TestSupport.git(["config", "core.hooksPath", "/proc/kitty-nowhere"], in: nowhere)
    let unwritable = try run(["hooks", "install"], in: nowhere)
    #expect(unwritable.status == 1)
    #expect(unwritable.stderr.contains("cannot create the hooks directory /proc/kitty-nowhere"), "\(unwritable.stderr)")
    #expect(unwritable.stderr.contains("core.hooksPath"))
    for repo in [file, nowhere] {
      try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent)
    }
  }

  /// A corrupt run-state file is reported as corrupt (it read as "no run" and "missing").
  @Test func aCorruptRunState() throws {
    let repo = try TestSupport.makeRepository()
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    try TestSupport.write("{\"mission\": ", to: "\(repo)/.kittify/orchestrator-run-state.json")
    let before = try TestSupport.read("\(repo)/.kittify/orchestrator-run-state.json")
    for command in [["status", "--json"], ["status"], ["resume"], ["abort"]] {
      let result = try run(command, in: repo)
      #expect(result.status == 1, "\(command)")
      #expect(result.stdout.isEmpty, "\(command): \(result.stdout)")
      #expect(
        result.stderr.contains("orchestrator-run-state.json cannot be used: it is not valid JSON"), "\(result.stderr)")
      #expect(!result.stderr.contains("missing"))
    }
    #expect(try TestSupport.read("\(repo)/.kittify/orchestrator-run-state.json") == before)
  }

  /// An empty actor is refused before anything starts.
  @Test func anEmptyActor() throws {
    let repo = try TestSupport.makeRepository()
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    for command in [["orchestrate", "--mission", "any", "--actor", ""], ["resume", "--actor", " "]] {
      let result = try run(command, in: repo)
      #expect(result.status != 0, "\(command)")
      #expect(result.stderr.contains("--actor is empty"), "\(result.stderr)")
      #expect(!FileManager.default.fileExists(atPath: "\(repo)/.kittify/orchestrator-run-state.json"))
    }
  }
}
