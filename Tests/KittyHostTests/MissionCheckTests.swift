import Foundation
import KittyCore
import KittyHost
import KittyTestSupport
import Testing

/// `git kitty mission check`: conflicts between approved lanes, and between a lane and the target, predicted by
/// in-memory merges; nothing on disk changes.
@Suite struct MissionCheckTests {
  static let slug = WriteFixture.slug

  /// WP01 approved (src/core.sh), then WP02 (lane-b) and WP03 (lane-c) approved, each writing its own version of
  /// `src/shared.sh`: two lanes editing one file.
  static func twoLanesEditingOneFile() throws -> String {
    let repo = try WriteFixture.clone()
    try MergeMissionTests.approve("WP01", lane: "lane-a", file: "src/core.sh", content: "core\n", in: repo)
    try MergeMissionTests.approve("WP02", lane: "lane-b", file: "src/shared.sh", content: "left\n", in: repo)
    try MergeMissionTests.approve("WP03", lane: "lane-c", file: "src/shared.sh", content: "right\n", in: repo)
    return repo
  }

  static func check(_ repo: String, _ extra: [String] = []) throws -> TestSupport.CommandResult {
    try GitKittyBinary.run(["mission", "check", slug] + extra, in: repo)
  }

  @Test func twoLanesEditingOneFileConflict() throws {
    let repo = try Self.twoLanesEditingOneFile()
    let before = try RepositoryState.capture(repo)
    let check = try NativeHost(repository: HostRepository.locate(from: repo)).checkMission(Self.slug)
    #expect(check.report.target == "develop")
    #expect(check.report.checked.map(\.id) == ["lane-a", "lane-b", "lane-c"])
    #expect(check.report.missing.isEmpty)
    #expect(check.report.conflicts.count == 1, "\(check.report.conflicts)")
    let conflict = try #require(check.report.conflicts.first)
    #expect(conflict.between == ["lane-b", "lane-c"])
    #expect(conflict.wpIDs == ["WP02", "WP03"])
    #expect(conflict.paths == ["src/shared.sh"])
    let after = try RepositoryState.capture(repo)
    #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")

    // The command: human and --json, exit 1.
    let human = try Self.check(repo)
    #expect(human.status == 1, "\(human.stdout)\(human.stderr)")
    #expect(human.stdout.contains("CONFLICT lane-b x lane-c [WP02, WP03]: src/shared.sh"), "\(human.stdout)")
    #expect(human.stdout.contains("3 approved lane(s) checked against develop"))
    let json = try Self.check(repo, ["--json"])
    #expect(json.status == 1)
    let object = try #require(try JSONParser.parse(json.stdout).objectValue, "\(json.stdout)")
    #expect(object["ok"] == .bool(false))
    #expect(object["target_branch"] == "develop")
    let conflicts = object["conflicts"]?.arrayValue ?? []
    #expect(conflicts.count == 1)
    #expect(conflicts.first?["paths"] == .strings(["src/shared.sh"]))
    #expect(conflicts.first?["wp_ids"] == .strings(["WP02", "WP03"]))
    #expect(json.stderr.isEmpty, "\(json.stderr)")
  }

  /// A lane that conflicts with what the target gained meanwhile is named with the target.
  @Test func aLaneConflictingWithTheTarget() throws {
    let repo = try WriteFixture.clone()
    try MergeMissionTests.approve("WP01", lane: "lane-a", file: "src/core.sh", content: "core\n", in: repo)
    try TestSupport.write("someone else's core\n", to: "\(repo)/src/core.sh")
    try TestSupport.git(["add", "src/core.sh"], in: repo)
    try TestSupport.git(["commit", "-q", "-m", "meanwhile"], in: repo)
    let check = try NativeHost(repository: HostRepository.locate(from: repo)).checkMission(Self.slug)
    #expect(check.report.conflicts.map(\.between) == [["lane-a", "develop"]])
    #expect(check.report.conflicts.first?.paths == ["src/core.sh"])
  }

  @Test func independentLanesAreClean() throws {
    let repo = try WriteFixture.clone()
    try MergeMissionTests.approve("WP01", lane: "lane-a", file: "src/core.sh", content: "core\n", in: repo)
    try MergeMissionTests.approve("WP02", lane: "lane-b", file: "src/left.sh", content: "left\n", in: repo)
    try MergeMissionTests.approve("WP03", lane: "lane-c", file: "src/right.sh", content: "right\n", in: repo)
    let result = try Self.check(repo)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.hasSuffix("no conflict predicted\n"), "\(result.stdout)")
    let nothing = try Self.check(try WriteFixture.clone(), ["--json"])
    #expect(nothing.status == 0)
    #expect(try JSONParser.parse(nothing.stdout)["lanes_checked"] == .array([]))
  }

  @Test func anUnknownMissionIsOneLineAndExitOne() throws {
    let repo = try WriteFixture.clone()
    let result = try GitKittyBinary.run(["mission", "check", "no-such-mission"], in: repo)
    #expect(result.status == 1)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    #expect(result.stderr.contains("no-such-mission"))
  }
}
