import Foundation
import KittyCore
import KittyTestSupport
import Testing

/// status.json re-materialised from the event log must equal, byte for byte, what spec-kitty committed —
/// at every commit of every fixture repository that carries a mission.
@Suite struct StatusMaterializationTests {
  static let fixtures = ["lanes-fresh", "lanes-merged", "coord-accepted"]

  @Test(arguments: fixtures)
  func everyCommittedStatusFileIsReproduced(fixture: String) throws {
    let repo = try TestSupport.cloneFixture(fixture)
    let commits = try TestSupport.git(
      ["log", "--all", "--format=%H", "--", "kitty-specs/*/status.json"], in: repo
    ).split(separator: "\n").map(String.init)
    #expect(commits.count >= 1)
    var compared = 0
    for commit in commits {
      let paths = try TestSupport.git(["ls-tree", "-r", "--name-only", commit, "kitty-specs"], in: repo)
        .split(separator: "\n").map(String.init).filter { $0.hasSuffix("/status.json") }
      for statusPath in paths {
        let missionPath = (statusPath as NSString).deletingLastPathComponent
        let slug = (missionPath as NSString).lastPathComponent
        let scratch = TestSupport.temporaryDirectory("materialize")
        let dir = "\(scratch)/kitty-specs/\(slug)"
        for file in ["status.json", "status.events.jsonl", "meta.json"] {
          guard let text = try? TestSupport.git(["show", "\(commit):\(missionPath)/\(file)"], in: repo) else {
            continue
          }
          try TestSupport.write(text, to: "\(dir)/\(file)")
        }
        let expected = try TestSupport.read("\(dir)/status.json")
        // spec-kitty's coordination "husk" (no events on this branch) is not a materialisation.
        guard FileManager.default.fileExists(atPath: "\(dir)/status.events.jsonl") else { continue }
        let mission = try Mission(repoRoot: scratch, slug: slug)
        let actual = try mission.materializedStatus()
        #expect(actual == expected, "status.json of \(slug) at \(commit.prefix(8)) in \(fixture)")
        compared += 1
      }
    }
    #expect(compared >= 1)
    print("compared \(compared) status files in \(fixture)")
  }
}
