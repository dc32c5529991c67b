import Foundation
import KittyTestSupport
import Testing

@Suite struct DoctorCommandTests {
  @Test func doctorJSONIsTheOnlyStdoutAndWarningsExitZero() throws {
    let repo = try Authoring.initialisedRepository()
    let result = try Authoring.run(["doctor", "--json"], in: repo)
    let report = try GoldenJSON.parse(result.stdout)
    #expect(report["ok"] as? Bool == true)
    let checks = try #require(report["checks"] as? [[String: Any]])
    #expect(
      checks.map { $0["check"] as? String ?? "" } == [
        "libgit2", "git", "git-kitty", "agents", "spec-kitty", "sandbox", "executor", "repository",
        "protected branches", "hooks", "merge driver",
      ])
    #expect(checks.first { $0["check"] as? String == "merge driver" }?["status"] as? String == "ok")
    #expect(checks.first { $0["check"] as? String == "git-kitty" }?["detail"] as? String == GitKittyBinary.path)
  }

  @Test func doctorExitsOneWhenACheckFails() throws {
    let repo = try TestSupport.makeRepository()
    try TestSupport.write("protection: [oops\n", to: "\(repo)/.kittify/config.yaml")
    let result = try Authoring.run(["doctor"], in: repo, expectStatus: 1)
    #expect(result.stdout.contains("fail  protected branches"))
  }
}
