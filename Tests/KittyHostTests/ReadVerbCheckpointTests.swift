import Foundation
import KittyCore
import KittyHost
import KittyTestSupport
import Testing

/// The read verbs keep the fold of the event log in the user's cache and extend it on the next call.
@Suite struct ReadVerbCheckpointTests {
  @Test func missionStateKeepsItsFoldAndSeesTheNextTransition() throws {
    let repo = try TestSupport.cloneFixture("lanes-fresh")
    defer { try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent) }
    let mission = "demo-feature-01M806VT"
    let before = OrchestratorAPI.run(["mission-state", "--mission", mission], currentDirectory: repo)
    #expect(before.envelope.success)
    // The fold is kept in the user's cache, not in the repository (a read changes nothing there).
    let path = "\(repo)/kitty-specs/\(mission)/status.events.jsonl"
    let file = try HostRepository.locate(from: repo).foldCheckpoints.file(for: path, annotations: false)
    defer { unlink(file) }
    let prompts = try HostRepository.locate(from: repo).promptIndex.file(for: "\(repo)/kitty-specs/\(mission)/tasks")
    defer { unlink(prompts) }
    #expect(FileManager.default.fileExists(atPath: file))
    #expect(!FileManager.default.fileExists(atPath: "\(repo)/.git/kitty"))
    let stored = try #require(FileManager.default.contents(atPath: file))

    // Another writer appends a row (a copy of the log's last transition under a new id and a later time).
    let lines = try TestSupport.read(path).split(separator: "\n")
    let last = try #require(lines.last { $0.contains("\"to_lane\"") })
    var row = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
    row["event_id"] = "01ZZZZZZZZZZZZZZZZZZZZZZZZ"
    row["at"] = "2099-01-01T00:00:00.000000+00:00"
    let wp = try #require(row["wp_id"] as? String)
    row["from_lane"] = row["to_lane"]
    row["to_lane"] = "blocked"
    row["force"] = true
    let handle = try #require(FileHandle(forWritingAtPath: path))
    handle.seekToEndOfFile()
    handle.write(try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]))
    handle.write(Data("\n".utf8))
    try handle.close()

    let after = OrchestratorAPI.run(["mission-state", "--mission", mission], currentDirectory: repo)
    #expect(after.envelope.success)
    let lane = after.envelope.data["work_packages"]?.arrayValue?.first { $0["wp_id"]?.stringValue == wp }?["lane"]
    #expect(lane?.stringValue == "blocked")
    // One row does not rewrite the stored fold (FoldCheckpointStore.saveThreshold): the next call reads it again.
    #expect(FileManager.default.contents(atPath: file) == stored, "the stored fold was rewritten for one row")
    let again = OrchestratorAPI.run(["mission-state", "--mission", mission], currentDirectory: repo)
    let laneAgain = again.envelope.data["work_packages"]?.arrayValue?.first { $0["wp_id"]?.stringValue == wp }?["lane"]
    #expect(laneAgain?.stringValue == "blocked")
  }
}
