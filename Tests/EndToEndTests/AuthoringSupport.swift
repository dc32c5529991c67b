import Foundation
import KittyTestSupport
import Testing

/// Helpers for the end-to-end tests that author missions with the built binary.
enum Authoring {
  /// PATH with the built binary first, so `git kitty` and the merge driver git runs find it.
  static let pathWithBinary: [String: String] = {
    let binDir = (GitKittyBinary.path as NSString).deletingLastPathComponent
    return ["PATH": "\(binDir):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"]
  }()

  @discardableResult
  static func run(_ arguments: [String], in repo: String, expectStatus: Int32 = 0) throws -> TestSupport.CommandResult {
    let result = try GitKittyBinary.run(arguments, in: repo, environment: pathWithBinary)
    #expect(
      result.status == expectStatus,
      "git kitty \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)\(result.stdout)")
    return result
  }

  /// A repository on `feature/x` after `git kitty init`, committed.
  static func initialisedRepository() throws -> String {
    let repo = try TestSupport.makeRepository()
    try TestSupport.git(["switch", "-q", "-c", "feature/x"], in: repo)
    try run(["init"], in: repo)
    try TestSupport.git(["add", "-A"], in: repo)
    try TestSupport.git(["commit", "-q", "-m", "git kitty init"], in: repo)
    return repo
  }

  /// `git kitty mission new <name>` on `feature/x`; returns the slug.
  static func newMission(_ repo: String, _ name: String = "demo") throws -> String {
    try run(["mission", "new", name], in: repo).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// A WP file with the frontmatter keys spec-kitty expects.
  static func writeWorkPackage(
    _ repo: String, _ slug: String, _ file: String, id: String? = nil, dependencies: String = "[]", owned: String,
    mode: String = "code_change", body: String = ""
  ) throws {
    let wpID = id ?? String(file.prefix(4))
    try TestSupport.write(
      """
      ---
      work_package_id: \(wpID)
      title: \(wpID) title
      dependencies: \(dependencies)
      subtasks: []
      execution_mode: \(mode)
      owned_files:
      - \(owned)
      ---

      # \(wpID)
      \(body)
      """, to: "\(repo)/kitty-specs/\(slug)/tasks/\(file)")
  }

  /// Everything under the repository, `.git` included, plus what git reports: for "nothing changed" checks.
  struct Snapshot: Equatable {
    let files: [String: Data]
    let refs: String
    let status: String

    init(_ repo: String) throws {
      files = TestSupport.snapshotTree(repo)
      refs = try TestSupport.git(["for-each-ref", "--format=%(refname) %(objectname)"], in: repo)
      status = try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: repo)
    }

    /// Paths whose presence or bytes differ, for a readable failure.
    func differences(_ other: Snapshot) -> [String] {
      Set(files.keys).union(other.files.keys).filter { files[$0] != other.files[$0] }.sorted()
    }
  }
}
