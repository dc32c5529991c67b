import Foundation
import KittyTestSupport
import Testing

@testable import KittyWorkspaces

/// `.worktreeinclude`: which ignored files of the main checkout a new lane worktree gets.
@Suite struct WorktreeIncludeTests {
  @Test func patternsFollowGitignore() {
    let include = WorktreeInclude(text: "# env files\n.env*\n!.env.example\nsecrets/\n/config/*.json\n**/cache/**\n")
    #expect(include.includes(".env"))
    #expect(include.includes("app/.env.local"))
    #expect(!include.includes(".env.example"))
    #expect(include.includes("secrets/"))
    #expect(include.includes("deploy/secrets/"))
    #expect(include.includes("secrets/key.pem"), "inside an included directory")
    #expect(!include.includes("secrets"), "secrets/ names a directory only")
    #expect(include.includes("config/db.json"))
    #expect(!include.includes("x/config/db.json"), "a pattern with a slash is anchored at the root")
    #expect(!include.includes("config/sub/db.json"), "* stays inside one directory")
    #expect(include.includes("cache/a/b"))
    #expect(include.includes("deep/cache/x"))
    #expect(!include.includes("README.md"))
  }

  @Test func oddPatternsNeitherCrashNorMatchEverything() {
    let include = WorktreeInclude(text: "[\n\\\n!\n/\n[]\n\\!x\na[!b]c\n?\n")
    #expect(include.includes("aXc"))
    #expect(!include.includes("abc"))
    #expect(include.includes("!x"))
    #expect(include.includes("q"), "? is one character")
    #expect(!include.includes("README.md"))
  }

  /// The main checkout: `.gitignore` committed; the ignored files exist only here.
  func repository() throws -> (root: String, worktree: String) {
    let root = try TestSupport.makeRepository()
    try TestSupport.write(".env\nsecrets/\nnode_modules/\nbuild/\n.worktrees/\n", to: "\(root)/.gitignore")
    try TestSupport.git(["add", ".gitignore"], in: root)
    try TestSupport.git(["commit", "-q", "-m", "ignore"], in: root)
    try TestSupport.write("TOKEN=1\n", to: "\(root)/.env")
    try TestSupport.write("key\n", to: "\(root)/secrets/key.pem")
    try TestSupport.write("inner\n", to: "\(root)/node_modules/pkg/.env")
    try TestSupport.write("bin\n", to: "\(root)/build/out.bin")
    try TestSupport.git(["worktree", "add", "-q", "-b", "lane", ".worktrees/lane"], in: root)
    return (root, "\(root)/.worktrees/lane")
  }

  @Test func copiesWhatItNamesAndNothingElse() throws {
    let (root, worktree) = try repository()
    try TestSupport.write(".env\nsecrets/\n", to: "\(root)/\(WorktreeInclude.fileName)")
    let outcome = WorktreeInclude.apply(root: root, worktree: worktree)
    #expect(outcome.copied == [".env", "secrets/"])
    #expect(outcome.problems.isEmpty, "\(outcome.problems)")
    #expect(try TestSupport.read("\(worktree)/.env") == "TOKEN=1\n")
    #expect(try TestSupport.read("\(worktree)/secrets/key.pem") == "key\n")
    let fm = FileManager.default
    #expect(!fm.fileExists(atPath: "\(worktree)/node_modules"), "a bare .env does not reach into node_modules/")
    #expect(!fm.fileExists(atPath: "\(worktree)/build"))
    #expect(try TestSupport.git(["status", "--porcelain"], in: worktree).isEmpty, "the copies are ignored there")
    // Again: everything is there already, nothing is copied.
    #expect(WorktreeInclude.apply(root: root, worktree: worktree).copied.isEmpty)
  }

  @Test func neverOverwritesAndNeverCopiesWhatTheWorktreeWouldTrack() throws {
    let (root, worktree) = try repository()
    try TestSupport.write("TOKEN=worktree\n", to: "\(worktree)/.env")
    // Ignored in the main checkout only (an uncommitted .gitignore line): the lane would track it.
    try TestSupport.write(".env\nsecrets/\nnode_modules/\nbuild/\n.worktrees/\nlocal.cfg\n", to: "\(root)/.gitignore")
    try TestSupport.write("cfg\n", to: "\(root)/local.cfg")
    try TestSupport.write(".env\nlocal.cfg\n/node_modules/pkg/.env\n", to: "\(root)/\(WorktreeInclude.fileName)")
    let outcome = WorktreeInclude.apply(root: root, worktree: worktree)
    #expect(try TestSupport.read("\(worktree)/.env") == "TOKEN=worktree\n")
    #expect(!FileManager.default.fileExists(atPath: "\(worktree)/local.cfg"))
    #expect(outcome.problems == ["local.cfg is not ignored in \(worktree): not copied"])
    #expect(outcome.copied == ["node_modules/pkg/.env"], "a pattern that spells the directory out reaches inside")
  }

  @Test func aBareNameMatchesAtAnyDepth() throws {
    let (root, worktree) = try repository()
    try TestSupport.write("tracked\n", to: "\(root)/app/main.txt")
    try TestSupport.git(["add", "app/main.txt"], in: root)
    try TestSupport.git(["commit", "-q", "-m", "app"], in: root)
    try TestSupport.git(["-C", worktree, "merge", "-q", "--ff-only", "main"], in: root)
    try TestSupport.write("APP=1\n", to: "\(root)/app/.env")
    try TestSupport.write("SOLO=1\n", to: "\(root)/solo/.env")  // a directory holding nothing but ignored files
    try TestSupport.write(".env\n", to: "\(root)/\(WorktreeInclude.fileName)")
    let outcome = WorktreeInclude.apply(root: root, worktree: worktree)
    #expect(outcome.copied == [".env", "app/.env", "solo/.env"], "\(outcome)")
  }

  @Test func aCatchAllNeverCopiesTheWorktreesOrGitKittysOwnFiles() throws {
    let (root, worktree) = try repository()
    try TestSupport.write("log\n", to: "\(root)/.kittify/logs/run.log")
    try TestSupport.write(".kittify/logs/\n", to: "\(root)/.git/info/exclude")
    try TestSupport.write("*\n", to: "\(root)/\(WorktreeInclude.fileName)")
    let outcome = WorktreeInclude.apply(root: root, worktree: worktree)
    #expect(!outcome.copied.contains { $0.hasPrefix(".worktrees") || $0.hasPrefix(".kittify") }, "\(outcome)")
    #expect(!FileManager.default.fileExists(atPath: "\(worktree)/.worktrees"))
    #expect(outcome.copied.contains(".env"))
  }

  @Test func noFileNoCopies() throws {
    let (root, worktree) = try repository()
    #expect(WorktreeInclude.apply(root: root, worktree: worktree) == WorktreeInclude.Outcome())
  }

  @Test func preparationCopiesThenRunsTheSetupOncePerWorktreeAndCommand() async throws {
    let (root, worktree) = try repository()
    try TestSupport.write(".env\n", to: "\(root)/\(WorktreeInclude.fileName)")
    let log = "\(root)/.kittify/logs/m/WP01/setup.log"
    let setup = WorktreePreparation.Setup(command: "make deps", timeout: 5, log: log)
    var runs: [String] = []
    var heard: [WorktreePreparation.Progress] = []
    let preparation = WorktreePreparation(root: root, setup: setup)
    #expect(!preparation.isSetUp(worktree))
    let failed = await preparation.prepare(
      worktree: worktree,
      runSetup: { setup, path in
        runs.append("\(setup.command) in \(path)")
        return "exit 2"
      },
      progress: { heard.append($0) })
    #expect(failed == "worktree setup failed (exit 2); see .kittify/logs/m/WP01/setup.log")
    #expect(runs == ["make deps in \(worktree)"])
    #expect(heard.first == .included(WorktreeInclude.Outcome(copied: [".env"], problems: [])))
    #expect(heard.last == .setupStarted(command: "make deps", log: ".kittify/logs/m/WP01/setup.log"))
    #expect(!preparation.isSetUp(worktree), "a failed setup is run again next time")
    #expect(
      await preparation.prepare(worktree: worktree, runSetup: { _, _ in nil }, progress: { heard.append($0) }) == nil)
    #expect(preparation.isSetUp(worktree))
    if case .setupFinished = heard.last {} else { Issue.record("no setupFinished: \(heard)") }
    // Done: not run again; another command is.
    runs = []
    _ = await preparation.prepare(
      worktree: worktree,
      runSetup: { _, _ in
        runs.append("again")
        return nil
      }, progress: { _ in })
    #expect(runs.isEmpty)
    let changed = WorktreePreparation(root: root, setup: .init(command: "make deps2", timeout: 5, log: log))
    #expect(!changed.isSetUp(worktree))
    #expect(WorktreePreparation(root: root, setup: nil).isSetUp(worktree), "nothing to run")
  }

  @Test func aContextOpensTheRepositoryOnce() throws {
    let (root, worktree) = try repository()
    for directory in [root, worktree] {
      let context = try RepositoryContext.locate(from: directory)
      #expect(try context.open() === context.open(), "one handle per context, found from \(directory)")
      #expect(try context.open().workingDirectory == root + "/", "always the main checkout")
    }
  }
}
