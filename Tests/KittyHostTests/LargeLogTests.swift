import Foundation
import KittyCore
import KittyHost
import KittyTestSupport
import Testing

/// A 50 MB event log of valid rows is read, not refused: the verbs answer with the fold of all of it.
@Suite struct LargeLogTests {
  @Test func fiftyMegabyteValidLog() throws {
    let repo = try TestSupport.cloneFixture("lanes-fresh")
    let path = "\(repo)/kitty-specs/demo-feature-01M806VT/status.events.jsonl"
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    handle.seekToEndOfFile()
    // Annotations on WP01: each is a note; 165k rows of ~340 bytes is ~50 MB.
    var block = ""
    var count = 0
    for i in 0..<165_000 {
      let id = String(format: "01M9%022d", i)
      block +=
        #"{"actor": "bulk", "at": "2026-11-22T00:00:00.000000+00:00", "delta": {"note": "bulk note number \#(i) padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding"}, "event_id": "\#(id)", "kind": "annotation", "wp_id": "WP01"}"#
        + "\n"
      count += 1
      if count % 5000 == 0 {
        handle.write(Data(block.utf8))
        block = ""
      }
    }
    handle.write(Data(block.utf8))
    try handle.close()
    let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
    #expect(size > 50_000_000)
    let response = OrchestratorAPI.run(["list-ready", "--mission", "demo-feature-01M806VT"], currentDirectory: repo)
    #expect(response.envelope.success)
    #expect(response.envelope.data["ready_work_packages"]?.arrayValue?.count == 1)
  }
}
