import Foundation
import KittyCore
import KittyTestSupport
import Testing

/// The incremental fold equals the full fold after appends, and falls back to a full fold whenever the log was
/// not only appended to.
@Suite struct IncrementalFoldTests {
  typealias R = StatusReducerTests

  /// A log file in a fresh directory, removed by `cleanup`.
  struct LogFile {
    let directory = TestSupport.temporaryDirectory("fold")
    var path: String { "\(directory)/status.events.jsonl" }
    func write(_ lines: [String]) throws { try TestSupport.write(lines.map { $0 + "\n" }.joined(), to: path) }
    func append(_ lines: [String]) throws {
      let handle = try #require(FileHandle(forWritingAtPath: path))
      handle.seekToEndOfFile()
      handle.write(Data(lines.map { $0 + "\n" }.joined().utf8))
      try handle.close()
    }
    func fullFold(annotations: Bool = true) throws -> StatusSnapshot {
      var stream = try EventLogReader.read(path: path, annotations: annotations)
      if !annotations { stream.annotations = [] }
      return StatusReducer.reduce(stream)
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: directory) }
  }

  static func chain(_ wp: String, from n: Int, second: Int) -> [String] {
    let lanes = ["planned", "claimed", "in_progress", "for_review", "in_review", "approved", "done"]
    return (0..<lanes.count - 1).map { step in
      R.row(
        String(format: "01F%05d%@%02d", n, wp, step), wp, lanes[step], lanes[step + 1],
        at: String(format: "%02d.%06d", second, n * 10 + step))
    }
  }

  @Test func appendedRowsAreFoldedOnTheirOwnAndEqualTheFullFold() throws {
    let log = LogFile()
    defer { log.cleanup() }
    try log.write(
      Self.chain("WP01", from: 1, second: 10) + [
        R.note("01NXTE0000000000000000000A", "WP01", at: "10.5", #"{"note": "hi"}"#)
      ])
    let (first, firstPath) = try IncrementalFold.fold(path: log.path, annotations: true, previous: nil)
    #expect(firstPath == .full)
    #expect(first.snapshot == (try log.fullFold()))
    let again = try IncrementalFold.fold(path: log.path, annotations: true, previous: first)
    #expect(again.path == .unchanged)

    try log.append(
      Self.chain("WP02", from: 2, second: 20) + [
        R.note("01NXTE0000000000000000000B", "WP02", at: "20.9", #"{"agent": "claude"}"#)
      ])
    let (second, secondPath) = try IncrementalFold.fold(path: log.path, annotations: true, previous: first)
    #expect(secondPath == .extended(rows: 7))
    let full = try log.fullFold()
    #expect(second.snapshot == full)
    #expect(second.snapshot.workPackages["WP02"]?.lane == "done")
    #expect(second.snapshot.workPackages["WP02"]?.runtime["agent"] == .string("claude"))
    #expect(second.snapshot.eventCount == 12)
    #expect(second.snapshot.lastEventID == full.lastEventID)
  }

  @Test func aDuplicateEventIDInTheAppendedRowsIsIgnoredAsInTheFullFold() throws {
    let log = LogFile()
    defer { log.cleanup() }
    let rows = Self.chain("WP01", from: 1, second: 10)
    try log.write(Array(rows.prefix(3)))
    let (first, _) = try IncrementalFold.fold(path: log.path, annotations: false, previous: nil)
    // The first row again (same event id, later in the file), then the rest.
    try log.append([rows[0].replacingOccurrences(of: "10.000010", with: "59.000000")] + rows.dropFirst(3))
    let (second, path) = try IncrementalFold.fold(path: log.path, annotations: false, previous: first)
    #expect(path == .extended(rows: 4))
    #expect(second.snapshot == (try log.fullFold(annotations: false)))
    #expect(second.snapshot.eventCount == 6)
  }

  @Test func aRowThatSortsBeforeTheFoldedOnesMeansAFullFold() throws {
    let log = LogFile()
    defer { log.cleanup() }
    try log.write(Self.chain("WP01", from: 1, second: 30))
    let (first, _) = try IncrementalFold.fold(path: log.path, annotations: false, previous: nil)
    try log.append(Self.chain("WP02", from: 2, second: 5))
    let (second, path) = try IncrementalFold.fold(path: log.path, annotations: false, previous: first)
    #expect(path == .full)
    #expect(second.snapshot == (try log.fullFold(annotations: false)))
  }

  @Test func aRewrittenTruncatedOrReplacedLogIsFoldedAgainInFull() throws {
    let log = LogFile()
    defer { log.cleanup() }
    let rows = Self.chain("WP01", from: 1, second: 10)
    try log.write(rows)
    let (first, _) = try IncrementalFold.fold(path: log.path, annotations: false, previous: nil)

    // Edited in place (same inode, same size or longer): the digests differ.
    let handle = try #require(FileHandle(forUpdatingAtPath: log.path))
    let text = rows.map { $0 + "\n" }.joined().replacingOccurrences(of: "\"actor\": \"a\"", with: "\"actor\": \"b\"")
    handle.write(Data(text.utf8))
    try handle.close()
    let (edited, editedPath) = try IncrementalFold.fold(path: log.path, annotations: false, previous: first)
    #expect(editedPath == .full)
    #expect(edited.snapshot.workPackages["WP01"]?.actor == "b")

    // Truncated: shorter than the checkpoint.
    try log.write(Array(rows.prefix(2)))
    let (truncated, truncatedPath) = try IncrementalFold.fold(path: log.path, annotations: false, previous: edited)
    #expect(truncatedPath == .full)
    #expect(truncated.snapshot.workPackages["WP01"]?.lane == "in_progress")

    // Replaced by another file (a git pull, an atomic rewrite) that is longer: another inode.
    let other = "\(log.directory)/other.jsonl"
    try TestSupport.write((rows + Self.chain("WP02", from: 2, second: 20)).map { $0 + "\n" }.joined(), to: other)
    #expect(rename(other, log.path) == 0)
    let (replaced, replacedPath) = try IncrementalFold.fold(path: log.path, annotations: false, previous: truncated)
    #expect(replacedPath == .full)
    #expect(replaced.snapshot == (try log.fullFold(annotations: false)))
  }

  @Test func aLastRowWithoutNewlineIsNotExtendedAcross() throws {
    let log = LogFile()
    defer { log.cleanup() }
    let rows = Self.chain("WP01", from: 1, second: 10)
    try TestSupport.write(rows.joined(separator: "\n"), to: log.path)
    let (first, _) = try IncrementalFold.fold(path: log.path, annotations: false, previous: nil)
    try log.append([""] + Self.chain("WP02", from: 2, second: 20))
    let (second, path) = try IncrementalFold.fold(path: log.path, annotations: false, previous: first)
    #expect(path == .full)
    #expect(second.snapshot == (try log.fullFold(annotations: false)))
  }

  @Test func aBadAppendedRowIsReportedWithItsLineInTheWholeFile() throws {
    let log = LogFile()
    defer { log.cleanup() }
    try log.write(Self.chain("WP01", from: 1, second: 10))
    let (first, _) = try IncrementalFold.fold(path: log.path, annotations: false, previous: nil)
    try log.append(["{not json"])
    #expect(throws: EventLogError.self) {
      _ = try IncrementalFold.fold(path: log.path, annotations: false, previous: first)
    }
    do {
      _ = try IncrementalFold.fold(path: log.path, annotations: false, previous: first)
    } catch {
      #expect("\(error)".contains("7"), "line 7 of the file: \(error)")
    }
  }

  @Test func aStoredCheckpointIsExtendedByTheNextProcessAndEqualsTheFullFold() throws {
    let log = LogFile()
    defer { log.cleanup() }
    let store = FoldCheckpointStore(directory: "\(log.directory)/store")
    try log.write(Self.chain("WP01", from: 1, second: 10))
    let first = try store.fold(path: log.path, annotations: false)
    #expect(first.path == .full)
    #expect(try store.fold(path: log.path, annotations: false).path == .unchanged)
    try log.append(Self.chain("WP02", from: 2, second: 20))
    // A new store value reads only the file, as a new process would.
    let second = try FoldCheckpointStore(directory: store.directory).fold(path: log.path, annotations: false)
    #expect(second.path == .extended(rows: 6))
    #expect(second.checkpoint.snapshot == (try log.fullFold(annotations: false)))
    // A row whose id was folded before: after the round trip only the filter knows it, so the fold starts over.
    let rows = Self.chain("WP03", from: 3, second: 30)
    try log.append(
      [Self.chain("WP01", from: 1, second: 10)[0].replacingOccurrences(of: "10.000010", with: "31.0")] + rows)
    let third = try store.fold(path: log.path, annotations: false)
    #expect(third.path == .full)
    #expect(third.checkpoint.snapshot == (try log.fullFold(annotations: false)))
    // A damaged checkpoint file is ignored.
    for name in try FileManager.default.contentsOfDirectory(atPath: store.directory) {
      try TestSupport.write("{\"version\": 1}\n", to: "\(store.directory)/\(name)")
    }
    try log.append(Self.chain("WP04", from: 4, second: 40))
    let fourth = try store.fold(path: log.path, annotations: false)
    #expect(fourth.path == .full)
    #expect(fourth.checkpoint.snapshot == (try log.fullFold(annotations: false)))
  }

  @Test func aTruncatedOrDamagedBinaryCheckpointFallsBackToTheFullFold() throws {
    let log = LogFile()
    defer { log.cleanup() }
    let store = FoldCheckpointStore(directory: "\(log.directory)/store")
    try log.write(Self.chain("WP01", from: 1, second: 10) + Self.chain("WP02", from: 2, second: 20))
    _ = try store.fold(path: log.path, annotations: false)
    let file = store.file(for: log.path, annotations: false)
    let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
    let expected = try log.fullFold(annotations: false)
    #expect(
      try FoldCheckpointStore(directory: store.directory).fold(path: log.path, annotations: false).path
        == .unchanged)
    var damaged: [[UInt8]] = stride(from: 0, to: good.count, by: max(1, good.count / 40)).map { Array(good.prefix($0)) }
    for offset in stride(from: 0, to: good.count, by: max(1, good.count / 60)) {
      var copy = good
      copy[offset] ^= 0xFF
      damaged.append(copy)
    }
    damaged.append(good + [0, 0, 0, 0, 0, 0, 0, 0])
    for bytes in damaged {
      try Data(bytes).write(to: URL(fileURLWithPath: file))
      let read = try FoldCheckpointStore(directory: store.directory).fold(path: log.path, annotations: false)
      #expect(read.checkpoint.snapshot == expected, "a damaged checkpoint of \(bytes.count) bytes")
    }
  }

  @Test func aStoredCheckpointIsRewrittenOnlyOnceEnoughRowsGathered() throws {
    let log = LogFile()
    defer { log.cleanup() }
    let store = FoldCheckpointStore(directory: "\(log.directory)/store")
    try log.write(Self.chain("WP01", from: 1, second: 10))
    _ = try store.fold(path: log.path, annotations: false)
    let file = store.file(for: log.path, annotations: false)
    let stored = try Data(contentsOf: URL(fileURLWithPath: file))
    try log.append(Self.chain("WP02", from: 2, second: 20))
    #expect(try store.fold(path: log.path, annotations: false).path == .extended(rows: 6))
    #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == stored, "a few rows do not rewrite the checkpoint")
    // The next process reads those rows again, and the ones after them.
    try log.append(Self.chain("WP03", from: 3, second: 30))
    let again = try store.fold(path: log.path, annotations: false)
    #expect(again.path == .extended(rows: 12))
    #expect(again.checkpoint.snapshot == (try log.fullFold(annotations: false)))
    // Past the threshold the checkpoint moves on.
    var rows: [String] = []
    var n = 4
    while rows.joined().utf8.count < 300 << 10 {
      rows += Self.chain(String(format: "WP%02d", n % 90 + 4), from: n, second: 40 + n / 1000)
      n += 1
    }
    try log.append(rows)
    _ = try store.fold(path: log.path, annotations: false)
    #expect(try Data(contentsOf: URL(fileURLWithPath: file)) != stored)
    let last = try store.fold(path: log.path, annotations: false)
    #expect(last.path == .unchanged)
    #expect(last.checkpoint.snapshot == (try log.fullFold(annotations: false)))
  }

  @Test func aFullFoldReadInPartsEqualsTheFoldOfAllRows() throws {
    let log = LogFile()
    defer { log.cleanup() }
    // In time order, with a duplicate id in a later part (first wins) and annotations: folded part by part.
    var rows: [String] = []
    for n in 1...12 {
      rows += Self.chain(String(format: "WP%02d", n % 5 + 1), from: n, second: n * 4)
      rows.append(
        R.note(String(format: "01NXTE00000000000000000%03d", n), "WP01", at: "\(n * 4 + 1)", #"{"note": "n"}"#))
    }
    rows.append(rows[3].replacingOccurrences(of: "\"to_lane\": \"in_review\"", with: "\"to_lane\": \"blocked\""))
    try log.write(rows)
    for parts in [1, 3, 7, 16] {
      let folded = try IncrementalFold.full(path: log.path, annotations: true, parts: parts)
      #expect(folded.snapshot == (try log.fullFold()), "\(parts) parts")
      #expect(folded.snapshot.eventCount == 72)
    }
    // Not in time order: a later part holds a row that sorts first; the fold of all rows sorts it into place.
    try log.append(Self.chain("WP09", from: 99, second: 1))
    for parts in [1, 3, 7, 16] {
      let folded = try IncrementalFold.full(path: log.path, annotations: false, parts: parts)
      #expect(folded.snapshot == (try log.fullFold(annotations: false)), "\(parts) parts, out of order")
      #expect(folded.snapshot.workPackages["WP09"]?.lane == "done")
    }
  }

  /// The file is read through a 256 KiB buffer: rows longer than it (the buffer grows), rows straddling reads,
  /// blank and CRLF lines and a last row without a newline read as they do from memory, in 1 or 5 parts.
  @Test func rowsLongerThanTheReadBufferReadAsFromMemory() throws {
    let log = LogFile()
    defer { log.cleanup() }
    var rows: [String] = []
    for n in 1...40 {
      let reason = String(repeating: "r", count: n % 7 == 0 ? 300_000 + n * 1_000 : n * 997)
      rows += Self.chain("WP\(n % 9 + 1)", from: n, second: n).map {
        $0.replacingOccurrences(of: #""reason": null"#, with: #""reason": "\#(reason)""#)
      }
    }
    let text = rows.enumerated().map { $0.offset % 5 == 0 ? $0.element + "\r\n\n" : $0.element + "\n" }.joined()
    try TestSupport.write(String(text.dropLast()), to: log.path)
    let expected = StatusReducer.reduce(try EventLogReader.read(text: String(text.dropLast())))
    for parts in [1, 5] {
      let stream = try EventLogReader.read(path: log.path, parts: parts)
      #expect(stream.transitionParts.joined().count == rows.count, "\(parts) parts")
      #expect(StatusReducer.reduce(stream) == expected, "\(parts) parts")
    }
  }

  @Test func manyRandomAppendsAgreeWithTheFullFold() throws {
    let log = LogFile()
    defer { log.cleanup() }
    var generator = SystemRandomNumberGenerator()
    try log.write([])
    var checkpoint: FoldCheckpoint?
    var extended = 0
    var second = 0
    for round in 0..<25 {
      var rows: [String] = []
      for _ in 0..<Int.random(in: 1...6, using: &generator) {
        second += 1
        let wp = String(format: "WP%02d", Int.random(in: 1...5, using: &generator))
        rows += Self.chain(wp, from: round * 100 + second, second: second % 60).prefix(
          Int.random(in: 1...6, using: &generator))
      }
      try log.append(rows)
      let result = try IncrementalFold.fold(path: log.path, annotations: true, previous: checkpoint)
      #expect(result.checkpoint.snapshot == (try log.fullFold()), "round \(round)")
      if case .extended = result.path { extended += 1 }
      checkpoint = result.checkpoint
    }
    #expect(extended > 10, "most rounds only append")
  }
}
