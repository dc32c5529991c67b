import Foundation
import KittyHost
import KittyTestSupport
import Testing

/// `git kitty merge-driver event-log %O %A %B` below git: the union of the three logs, or a refusal that leaves
/// %A alone so git reports a conflict.
@Suite struct EventLogMergeDriverUnitTests {
  private func row(_ id: String, at: String, to: String = "claimed") -> String {
    #"{"actor": "a", "at": "\#(at)", "event_id": "\#(id)", "force": false, "from_lane": "planned", "to_lane": "\#(to)", "wp_id": "WP01"}"#
  }

  private func files(_ base: [String]?, _ ours: [String]?, _ theirs: [String]?) throws -> (String, String, String) {
    let dir = TestSupport.temporaryDirectory("merge-driver")
    let paths = ["\(dir)/base", "\(dir)/ours", "\(dir)/theirs"]
    for (path, lines) in zip(paths, [base, ours, theirs]) {
      if let lines { try lines.map { $0 + "\n" }.joined().write(toFile: path, atomically: true, encoding: .utf8) }
    }
    return (paths[0], paths[1], paths[2])
  }

  @Test func unionOrderedByAtThenEventID() throws {
    let common = row("01A", at: "2030-01-01T00:00:00+00:00")
    let (base, ours, theirs) = try files(
      [common], [common, row("01C", at: "2030-01-01T00:00:02+00:00")],
      [common, row("01B", at: "2030-01-01T00:00:02+00:00"), row("01D", at: "2030-01-01T00:00:01+00:00")])
    let merged = try EventLogMergeDriver.merge(base: base, ours: ours, theirs: theirs)
    #expect(
      merged.split(separator: "\n").map(String.init) == [
        common, row("01D", at: "2030-01-01T00:00:01+00:00"), row("01B", at: "2030-01-01T00:00:02+00:00"),
        row("01C", at: "2030-01-01T00:00:02+00:00"),
      ])
  }

  /// git hands an empty ancestor when the two sides share none.
  @Test func anEmptyAncestorIsAnEmptyLog() throws {
    let (base, ours, theirs) = try files([], [row("01A", at: "1")], [row("01B", at: "2")])
    #expect(try EventLogMergeDriver.merge(base: base, ours: ours, theirs: theirs).split(separator: "\n").count == 2)
  }

  /// git always passes three files: a missing one is an error, never an empty log (that gave an empty result).
  @Test(arguments: [0, 1, 2]) func aMissingInputIsRefused(missing: Int) throws {
    var sides: [[String]?] = [[row("01A", at: "1")], [row("01A", at: "1")], [row("01B", at: "2")]]
    sides[missing] = nil
    let (base, ours, theirs) = try files(sides[0], sides[1], sides[2])
    defer { try? FileManager.default.removeItem(atPath: (base as NSString).deletingLastPathComponent) }
    let error = #expect(throws: MissionAuthor.Failure.self) {
      try EventLogMergeDriver.merge(base: base, ours: ours, theirs: theirs)
    }
    #expect(error?.message.contains("does not exist") == true)
    #expect(error?.message.contains([base, ours, theirs][missing]) == true)
  }

  /// The same event_id with different contents on the two sides: keeping either would lose the other.
  @Test func oneEventIDWithTwoPayloadsIsRefused() throws {
    let (base, ours, theirs) = try files(
      [], [row("01A", at: "2030-01-01T00:00:00+00:00", to: "claimed")],
      [row("01A", at: "2030-01-01T00:00:00+00:00", to: "in_progress")])
    #expect(throws: (any Error).self) { try EventLogMergeDriver.merge(base: base, ours: ours, theirs: theirs) }
  }

  @Test func theSamePayloadWithKeysInAnotherOrderIsOneEvent() throws {
    let reordered =
      #"{"wp_id": "WP01", "to_lane": "claimed", "from_lane": "planned", "force": false, "event_id": "01A", "at": "1", "actor": "a"}"#
    let (base, ours, theirs) = try files([], [row("01A", at: "1")], [reordered])
    #expect(try EventLogMergeDriver.merge(base: base, ours: ours, theirs: theirs) == row("01A", at: "1") + "\n")
  }

  /// A side that exists but cannot be read must not be merged as if it were empty.
  @Test func anUnreadableSideIsRefused() throws {
    let (base, ours, theirs) = try files([], [row("01A", at: "1")], nil)
    try Data([0xFF, 0xFE, 0x00, 0x7B]).write(to: URL(fileURLWithPath: theirs))
    #expect(throws: (any Error).self) { try EventLogMergeDriver.merge(base: base, ours: ours, theirs: theirs) }
  }
}
