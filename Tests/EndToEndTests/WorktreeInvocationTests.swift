import Foundation
import KittyTestSupport
import Testing

/// The host works from any checkout of the repository: a linked worktree, or a subdirectory.
@Suite struct WorktreeInvocationTests {
  @Test func readVerbsAnswerTheSameFromALinkedWorktreeAndASubdirectory() throws {
    let repo = try TestSupport.cloneFixture("lanes-fresh")
    try TestSupport.git(["worktree", "add", "-q", "-b", "side", "\(repo)/../side"], in: repo)
    let args = ["orchestrator-api", "resolve-workspace", "--mission", "01M806VT", "--wp", "WP01"]
    let fromMain = try GoldenJSON.parse(try GitKittyBinary.run(args, in: repo).stdout)
    let fromWorktree = try GoldenJSON.parse(try GitKittyBinary.run(args, in: "\(repo)/../side").stdout)
    let fromSubdir = try GoldenJSON.parse(
      try GitKittyBinary.run(args, in: "\(repo)/kitty-specs/demo-feature-01M806VT/tasks").stdout)
    let data = try #require(fromMain["data"] as? [String: Any])
    #expect(data["workspace_path"] as? String == "\(repo)/.worktrees/demo-feature-01M806VT-lane-a")
    #expect(GoldenJSON.canonical(fromWorktree["data"]!) == GoldenJSON.canonical(data))
    #expect(GoldenJSON.canonical(fromSubdir["data"]!) == GoldenJSON.canonical(data))
  }

  @Test func gitRunsItAsGitKitty() throws {
    let repo = try TestSupport.cloneFixture("lanes-fresh")
    let binDir = (GitKittyBinary.path as NSString).deletingLastPathComponent
    let path = "\(binDir):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
    let result = try TestSupport.run(
      TestSupport.gitPath, ["kitty", "orchestrator-api", "list-ready", "--mission", "demo-feature"], in: repo,
      environment: ["PATH": path])
    #expect(result.status == 0, "\(result.stderr)")
    let data = try #require(try GoldenJSON.parse(result.stdout)["data"] as? [String: Any])
    #expect((data["ready_work_packages"] as? [[String: Any]])?.first?["wp_id"] as? String == "WP01")
  }
}
