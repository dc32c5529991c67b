import Foundation
import KittyGit
import KittyTestSupport

/// The real `git` binary as the oracle for KittyGit's answers.
enum Oracle {
  /// `git args` in `dir`, output with surrounding whitespace removed.
  static func line(_ arguments: [String], in dir: String) throws -> String {
    try TestSupport.git(arguments, in: dir).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// `git args` in `dir`, one element per non-empty output line.
  static func lines(_ arguments: [String], in dir: String) throws -> [String] {
    try TestSupport.git(arguments, in: dir).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
  }

  /// `git rev-parse --verify <revision>^{commit}` as an OID.
  static func oid(_ revision: String, in dir: String) throws -> OID {
    // `:/<text>` (message search) takes everything after it as text, so no peel suffix there.
    let expression = revision.hasPrefix(":/") ? revision : "\(revision)^{commit}"
    let hex = try line(["rev-parse", "--verify", "--quiet", expression], in: dir)
    guard let oid = OID(hex: hex) else { throw TestFailure("git rev-parse \(revision) gave \(hex)") }
    return oid
  }

  /// `git rev-parse <expression>` verbatim (trees, blobs…).
  static func hex(_ expression: String, in dir: String) throws -> String {
    try line(["rev-parse", "--verify", expression], in: dir)
  }

  /// Whether a git command exits 0.
  static func succeeds(_ arguments: [String], in dir: String) throws -> Bool {
    try TestSupport.run(TestSupport.gitPath, arguments, in: dir).status == 0
  }

  /// Writes `text` to `path` (relative to `dir`), commits it with git and returns the new commit.
  @discardableResult
  static func commitFile(_ path: String, _ text: String, message: String, in dir: String) throws -> OID {
    try TestSupport.write(text, to: "\(dir)/\(path)")
    try TestSupport.git(["add", "--", path], in: dir)
    try TestSupport.git(["commit", "-q", "-m", message], in: dir)
    return try oid("HEAD", in: dir)
  }

  /// An absolute, symlink-free path without a trailing slash, for comparing directories.
  static func canonical(_ path: String) -> String {
    Path.stripTrailingSlash((Path.stripTrailingSlash(path) as NSString).resolvingSymlinksInPath)
  }

  /// `git rev-parse --path-format=absolute <flag>` (e.g. `--git-common-dir`), canonicalised.
  static func absolutePath(_ flag: String, in dir: String) throws -> String {
    canonical(try line(["rev-parse", "--path-format=absolute", flag], in: dir))
  }

  /// A repository with one commit on `main` plus a linked worktree `<parent>/<name>` on a new branch.
  static func repositoryWithWorktree(name: String = "wt", branch: String = "feature") throws -> (
    main: String, worktree: String
  ) {
    let main = try TestSupport.makeRepository()
    let worktree = ((main as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
    try TestSupport.git(["worktree", "add", "-q", "-b", branch, worktree], in: main)
    return (main, worktree)
  }

  /// Clones the lanes-fresh fixture and gives it a local `main` tracking `origin/main`.
  static func fixtureWithMain() throws -> String {
    let repo = try TestSupport.cloneFixture("lanes-fresh")
    try TestSupport.git(["branch", "-q", "main", "origin/main"], in: repo)
    return repo
  }
}
