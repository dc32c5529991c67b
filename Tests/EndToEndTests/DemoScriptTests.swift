import Foundation
import KittyTestSupport
import Testing

/// `make demo` end to end: scripts/demo.sh in a temporary directory with the built binary.
@Suite struct DemoScriptTests {
  @Test func theDemoMissionEndsWithAllSixWPsDoneAndMerged() throws {
    let demo = TestSupport.temporaryDirectory("demo") + "/demo"
    let result = try TestSupport.run(
      "/bin/bash", ["\(TestSupport.repoRoot)/scripts/demo.sh"], in: TestSupport.repoRoot,
      environment: ["DEMO_DIR": demo, "GIT_KITTY_BIN": GitKittyBinary.path])
    #expect(result.status == 0, "demo.sh failed:\n\(result.stdout)\n\(result.stderr)")
    #expect(result.stdout.contains("all greetings pass"))

    let missions = try FileManager.default.contentsOfDirectory(atPath: "\(demo)/kitty-specs")
    let slug = try #require(missions.first { $0.hasPrefix("greeter-") })
    let state = try GoldenJSON.parse(
      try GitKittyBinary.run(["orchestrator-api", "mission-state", "--mission", slug], in: demo).stdout)
    let data = try #require(state["data"] as? [String: Any])
    let wps = try #require(data["work_packages"] as? [[String: Any]])
    #expect(wps.map { $0["wp_id"] as? String ?? "" } == ["WP01", "WP02", "WP03", "WP04", "WP05", "WP06"])
    #expect(wps.allSatisfy { $0["lane"] as? String == "done" })

    // Merged into the feature branch, which is checked out and clean; lanes and their branches are gone.
    #expect(try TestSupport.git(["rev-parse", "--abbrev-ref", "HEAD"], in: demo) == "feature/greeter\n")
    #expect(try TestSupport.git(["status", "--porcelain"], in: demo).isEmpty)
    let tree = try TestSupport.git(["ls-tree", "-r", "--name-only", "feature/greeter"], in: demo)
    for file in ["src/core.sh", "src/en.sh", "src/fr.sh", "tests/en.sh", "tests/fr.sh", "run-tests.sh"] {
      #expect(tree.contains(file + "\n"), "\(file) is not on feature/greeter")
    }
    #expect(try TestSupport.read("\(demo)/src/fr.sh").contains("greet \"Bonjour\""))
    #expect(try TestSupport.git(["branch", "--list", "kitty/*"], in: demo).isEmpty)
    #expect(
      try TestSupport.git(["worktree", "list", "--porcelain"], in: demo).components(separatedBy: "worktree ").count == 2
    )
    // main was never written to.
    #expect(try TestSupport.git(["rev-list", "--count", "main"], in: demo) == "1\n")

    // WP03 failed its first review and was reworked: it went back from review to in_progress once.
    let rows = try TestSupport.read("\(demo)/kitty-specs/\(slug)/status.events.jsonl").split(separator: "\n")
      .compactMap { try? GoldenJSON.parse(String($0)) }
    let rework = rows.filter {
      $0["wp_id"] as? String == "WP03" && $0["to_lane"] as? String == "in_progress"
        && ["in_review", "for_review"].contains($0["from_lane"] as? String ?? "")
    }
    #expect(rework.count == 1)
    let others = rows.filter {
      $0["wp_id"] as? String != "WP03" && $0["to_lane"] as? String == "in_progress"
        && ["in_review", "for_review"].contains($0["from_lane"] as? String ?? "")
    }
    #expect(others.isEmpty)
  }
}
