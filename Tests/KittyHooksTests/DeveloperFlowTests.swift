import Foundation
import KittyTestSupport
import Testing

/// next → start → commit → submit → review (request changes) → submit → review (approve), with the real binary.
@Suite struct DeveloperFlowTests {
  func kitty(_ arguments: [String], in directory: String) throws -> TestSupport.CommandResult {
    try GitKittyBinary.run(arguments, in: directory)
  }

  func lanes(_ repo: String) throws -> [String: String] {
    let result = try kitty(["orchestrator-api", "mission-state", "--mission", WriteFixture.slug], in: repo)
    let envelope = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    let packages = (envelope?["data"] as? [String: Any])?["work_packages"] as? [[String: Any]] ?? []
    return Dictionary(uniqueKeysWithValues: packages.map { ($0["wp_id"] as! String, $0["lane"] as! String) })
  }

  @Test func aPersonDrivesOneWorkPackageThroughReview() throws {
    let repo = try WriteFixture.clone()
    let next = try kitty(["next"], in: repo)
    #expect(next.status == 0, "\(next.stderr)")
    #expect(next.stdout.contains("WP01"))
    #expect(!next.stdout.contains("WP02"), "WP02 depends on WP01")

    let start = try kitty(["start", "WP01"], in: repo)
    #expect(start.status == 0, "\(start.stderr)")
    let worktree = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(worktree == WriteFixture.laneWorktree(repo, "lane-a"))
    #expect(try lanes(repo)["WP01"] == "in_progress")

    try "core\n".write(toFile: "\(worktree)/core.txt", atomically: true, encoding: .utf8)
    try TestSupport.git(["add", "core.txt"], in: worktree)
    try TestSupport.git(["commit", "-q", "-m", "feat: core"], in: worktree)

    let submit = try kitty(["submit"], in: worktree)
    #expect(submit.status == 0, "\(submit.stderr)")
    #expect(try lanes(repo)["WP01"] == "for_review")

    let reject = try kitty(["review", "WP01", "--request-changes", "add a test"], in: repo)
    #expect(reject.status == 0, "\(reject.stderr)")
    #expect(try lanes(repo)["WP01"] != "approved")
    let resubmit = try kitty(["submit", "WP01"], in: worktree)
    #expect(resubmit.status == 0, "\(resubmit.stderr)")

    let approve = try kitty(["review", "WP01", "--approve"], in: repo)
    #expect(approve.status == 0, "\(approve.stderr)")
    #expect(try lanes(repo)["WP01"] == "approved")
    let branches = try TestSupport.git(["branch", "--list", "kitty/review/*"], in: repo)
    #expect(branches.contains("kitty/review/\(WriteFixture.slug)/WP01/"))
  }

  /// A clone of the fixture whose .gitignore also ignores `pattern`, with `files` committed.
  func cloneIgnoring(_ pattern: String, committing files: [String: String]) throws -> String {
    let repo = try WriteFixture.clone()
    try TestSupport.commitIgnoring(pattern, files: files, in: repo)
    return repo
  }

  @Test func startCopiesWhatWorktreeIncludeNamesAndPrintsOnlyThePath() throws {
    let repo = try cloneIgnoring(".env", committing: [".worktreeinclude": ".env\n"])
    try TestSupport.write("TOKEN=dev\n", to: "\(repo)/.env")
    let start = try kitty(["start", "WP01"], in: repo)
    #expect(start.status == 0, "\(start.stderr)")
    let worktree = WriteFixture.laneWorktree(repo, "lane-a")
    #expect(start.stdout == worktree + "\n")
    #expect(start.stderr.contains("copied from .worktreeinclude: .env"), "\(start.stderr)")
    #expect(try TestSupport.read("\(worktree)/.env") == "TOKEN=dev\n")
  }

  @Test func startRunsTheWorktreeSetupOnceAndSaysWhenItFails() throws {
    for (command, works) in [("mkdir -p .deps && echo $KITTY_WP >> .deps/ready", true), ("exit 4", false)] {
      let repo = try cloneIgnoring(
        ".deps/", committing: [".kittify/orchestrator.toml": "[worktree]\nsetup = \"\(command)\"\n"])
      let start = try kitty(["start", "WP01"], in: repo)
      let worktree = WriteFixture.laneWorktree(repo, "lane-a")
      #expect(start.stdout == worktree + "\n", "only the path on stdout")
      if works {
        #expect(start.status == 0, "\(start.stderr)")
        #expect(start.stderr.contains("worktree setup done"), "\(start.stderr)")
        #expect(try TestSupport.read("\(worktree)/.deps/ready") == "WP01\n")
      } else {
        #expect(start.status == 1)
        #expect(start.stderr.contains("worktree setup failed (exit 4); see .kittify/logs/"), "\(start.stderr)")
        #expect(try lanes(repo)["WP01"] == "in_progress", "the claim stays")
      }
    }
  }

  @Test func submitOutsideALaneWorktreeExplainsItself() throws {
    let repo = try WriteFixture.clone()
    let before = try RepositoryState.capture(repo)
    let submit = try kitty(["submit"], in: repo)
    #expect(submit.status != 0)
    #expect(submit.stderr.contains("inside a lane worktree"))
    #expect(submit.stderr.split(separator: "\n").count == 1, "one line: \(submit.stderr)")
    #expect(try RepositoryState.capture(repo) == before)
  }
}
