import Foundation
import KittyTestSupport
import Testing

@Suite struct PlanningArtifactMissionTests {
  /// A planning_artifact WP lives in lane-planning, which has no branch: merge-mission must merge the code lanes
  /// and mark the planning WP done instead of looking for a lane-planning branch.
  @Test func aMissionWithAPlanningArtifactWPIsOrchestratedAndMerged() throws {
    let repo = try Authoring.initialisedRepository()
    let slug = try Authoring.newMission(repo)
    try Authoring.writeWorkPackage(
      repo, slug, "WP01-core.md", owned: "src/core.sh",
      body:
        "```sh kitty-implement\nmkdir -p src && echo core > src/core.sh\n```\n\n```sh kitty-review\ntest -f src/core.sh\n```\n"
    )
    try Authoring.writeWorkPackage(
      repo, slug, "WP02-notes.md", dependencies: "[WP01]", owned: "docs/notes.md", mode: "planning_artifact",
      body:
        "```sh kitty-implement\nmkdir -p docs && echo notes > docs/notes.md\n```\n\n```sh kitty-review\ntest -f docs/notes.md\n```\n"
    )
    try TestSupport.git(["add", "-A"], in: repo)
    try TestSupport.git(["commit", "-q", "-m", "work packages"], in: repo)
    let finalized = try Authoring.run(["mission", "finalize", slug], in: repo)
    #expect(finalized.stdout.contains("lane-planning: WP02 after lane-a"))
    try Authoring.run(
      ["orchestrate", "--mission", slug, "--impl-agent", "script", "--review-agent", "script", "--merge"], in: repo)
    let state = try GoldenJSON.parse(
      try Authoring.run(["orchestrator-api", "mission-state", "--mission", slug], in: repo).stdout)
    let wps = try #require((state["data"] as? [String: Any])?["work_packages"] as? [[String: Any]])
    #expect(wps.map { $0["lane"] as? String } == ["done", "done"])
    #expect(try TestSupport.read("\(repo)/src/core.sh") == "core\n")
    #expect(try TestSupport.read("\(repo)/docs/notes.md") == "notes\n")
    #expect(try TestSupport.git(["branch", "--list", "kitty/mission-\(slug)*"], in: repo).isEmpty)
  }
}
