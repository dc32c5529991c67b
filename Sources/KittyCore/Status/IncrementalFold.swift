import Foundation

/// A validated snapshot of the fold of one event log, so that a reader that comes back after a writer appended
/// rows reads only those rows. It is keyed by the log's identity (device and inode) and size, and checked
/// against digests of the log's first and last 4 KiB before that size: a log that was replaced (a `git pull`,
/// the merge driver, an atomic rewrite), truncated or edited in place near either end is folded again in full.
public struct FoldCheckpoint: Sendable {
  /// What the checkpoint was folded from.
  struct Identity: Sendable, Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int
    var headDigest: UInt64
    var tailDigest: UInt64
    /// A log whose last row had no newline may be continued by the next append: such a checkpoint is not extended.
    var endsWithNewline: Bool
  }

  var identity: Identity
  public let includesAnnotations: Bool
  var ids: [String]
  var states: [WPState]
  var slotOf: [String: Int]
  /// Every event id folded: exactly in memory; as a filter only after a round trip through the disk.
  var seen: LogKeySet?
  var filter: EventIDFilter
  var lastKey: (at: LogKey, id: LogKey)?
  var firstSlug: String?
  var eventCount: Int
  /// The annotations folded (with `includesAnnotations`), by WP, in log order.
  var annotations: [String: [AnnotationEvent]]
  /// Each annotated WP's state with its annotations applied, kept up to date by the fold: a snapshot after a few
  /// appended rows applies again only the annotations of the WPs those rows touched.
  var annotated: [String: WPState]
  public internal(set) var hasRetrospectiveRows: Bool

  /// The fold as `StatusReducer.reduce` would give it for the whole log.
  public var snapshot: StatusSnapshot {
    StatusReducer.snapshot(
      ids: ids, folded: states, annotated: includesAnnotations ? annotated : [:], firstSlug: firstSlug,
      lastAt: lastKey?.at.string, lastEventID: lastKey?.id.string, eventCount: eventCount)
  }

  /// Applies again the annotations of `wps` onto their folded states.
  mutating func annotate(_ wps: some Sequence<String>) {
    for wp in wps {
      guard let group = annotations[wp] else { continue }
      annotated[wp] = StatusReducer.annotate(slotOf[wp].map { states[$0] }, group)
    }
  }

  /// Bytes of the log the checkpoint covers.
  public var size: Int { identity.size }
}

/// The incremental read path: extends a checkpoint by the rows appended since, or folds the whole log when the
/// checkpoint does not match the file any more.
public enum IncrementalFold {
  /// How a fold was obtained (for tests and benchmarks).
  public enum Path: Sendable, Equatable {
    case full
    case unchanged
    case extended(rows: Int)
  }

  static let digestSpan = 4096

  /// The fold of the log at `path`, reusing `previous` when the log only grew since.
  public static func fold(path: String, annotations: Bool, previous: consuming FoldCheckpoint?) throws(EventLogError)
    -> (checkpoint: FoldCheckpoint, path: Path)
  {
    if let checkpoint = consume previous, checkpoint.includesAnnotations == annotations,
      let extended = try extend(consume checkpoint, path: path)
    {
      return extended
    }
    return (try full(path: path, annotations: annotations), .full)
  }

  /// Folds the whole log.
  public static func full(path: String, annotations: Bool, parts: Int? = nil) throws(EventLogError)
    -> FoldCheckpoint
  {
    // The identity is taken before the read: rows appended during the read are read again next time.
    let identity = try self.identity(path: path)?.identity
    var checkpoint: FoldCheckpoint
    if let streamed = try streamed(path: path, annotations: annotations, parts: parts) {
      checkpoint = streamed
    } else {
      checkpoint = try held(path: path, annotations: annotations, parts: parts)
    }
    checkpoint.identity = identity ?? .empty
    checkpoint.annotate(Array(checkpoint.annotations.keys))
    // Rows past the identity's size were read but are not covered: they must not count as folded.
    if let identity, try self.identity(path: path)?.size != identity.size {
      checkpoint.identity.size = -1
    }
    return checkpoint
  }

  /// Parts read ahead of the fold by `streamed`: one per core being read and one ready, a fraction of a large
  /// log's rows (each part held is ~1/16 of them).
  static var streamWave: Int { max(2, ProcessInfo.processInfo.activeProcessorCount + 1) }

  /// Folds each part of the log as soon as it is read and forgets its rows, so a large log is never held whole
  /// (the dashboard's first fold of 100,000 rows held them all: ~60 MB). nil when a row sorts before one already
  /// folded (a log not in time order, e.g. after a merge): only `held`, which sorts all rows, folds that one.
  static func streamed(path: String, annotations: Bool, parts: Int?) throws(EventLogError) -> FoldCheckpoint? {
    // Sized from the file (spec-kitty's rows are 200-700 bytes): growing the id set and the hashes from small
    // copied and zeroed them several times over.
    var info = stat()
    let size = stat(path, &info) == 0 ? Int(info.st_size) : 0
    // An estimate on the low side: the set doubles its slots at half load, so an overestimate costs twice the
    // memory (the dashboard's peak), an underestimate one more doubling.
    let expected = min(max(size / 512, 1 << 12), 1 << 22)
    var seen = LogKeySet(minimumCapacity: expected)
    var folded = StatusReducer.Folded()
    // The filter's size depends on the count: the ids' hashes wait for it (a quarter of the ids' size).
    var hashes: [(UInt64, UInt64)] = []
    hashes.reserveCapacity(expected)
    var firstSlug: String?
    var lastKey: (at: LogKey, id: LogKey)?
    var notes: [AnnotationEvent] = []
    var retrospective = false
    var inOrder = true
    _ = try EventLogReader.forEachPart(path: path, annotations: annotations, parts: parts, wave: streamWave) {
      outcome in
      notes.append(contentsOf: outcome.annotations)
      if outcome.retrospective { retrospective = true }
      guard inOrder else { return }
      // Through the buffer: copying each event would retain and release all of its fields. Each event is compared
      // with the previous one folded from this part in place; the last key is copied once per part.
      outcome.transitions.withUnsafeBufferPointer { buffer in
        var previous: UnsafePointer<TransitionEvent>?
        for index in buffer.indices {
          let event = buffer.baseAddress! + index
          guard seen.insert(event.pointee.eventID) else { continue }
          let outOfOrder =
            if let previous {
              precedes(event.pointee.at, event.pointee.eventID, previous.pointee.at, previous.pointee.eventID)
            } else if let last = lastKey {
              precedes(event.pointee.at, event.pointee.eventID, last.at, last.id)
            } else {
              false
            }
          if outOfOrder {
            inOrder = false
            return
          }
          folded.fold(event)
          hashes.append(EventIDFilter.hash(event.pointee.eventID))
          if firstSlug == nil { firstSlug = event.pointee.missionSlug }
          previous = event
        }
        if let previous { lastKey = (previous.pointee.at, previous.pointee.eventID) }
      }
    }
    guard inOrder else { return nil }
    var filter = EventIDFilter(expected: hashes.count * 2)
    for hash in hashes { filter.insert(hash: hash) }
    return FoldCheckpoint(
      identity: .empty, includesAnnotations: annotations, ids: folded.ids, states: folded.states,
      slotOf: folded.slotOf, seen: seen, filter: filter, lastKey: lastKey, firstSlug: firstSlug,
      eventCount: hashes.count, annotations: Dictionary(grouping: notes, by: \.wpID), annotated: [:],
      hasRetrospectiveRows: retrospective)
  }

  /// Whether `(at, id)` sorts before `(lastAt, lastID)` (fold order), without the generic tuple comparison.
  @inline(__always) static func precedes(_ at: LogKey, _ id: LogKey, _ lastAt: LogKey, _ lastID: LogKey) -> Bool {
    at < lastAt || (at == lastAt && id < lastID)
  }

  /// Folds the whole log with all its rows in memory, sorted into fold order first.
  static func held(path: String, annotations: Bool, parts: Int?) throws(EventLogError) -> FoldCheckpoint {
    let stream = try EventLogReader.read(path: path, annotations: annotations, parts: parts)
    let parts = stream.transitionParts
    var seen = LogKeySet(minimumCapacity: parts.reduce(0) { $0 + $1.count })
    let order = StatusReducer.foldOrder(parts, seen: &seen)
    let folded = StatusReducer.foldTransitions(parts, in: order)
    var filter = EventIDFilter(expected: order.count * 2)
    for ref in order { filter.insert(parts[ref.part][ref.index].eventID) }
    let last = order.last.map { parts[$0.part][$0.index] }
    return FoldCheckpoint(
      identity: .empty, includesAnnotations: annotations, ids: folded.ids, states: folded.states,
      slotOf: folded.slotOf,
      seen: seen, filter: filter, lastKey: last.map { ($0.at, $0.eventID) },
      firstSlug: order.first.map { parts[$0.part][$0.index].missionSlug }, eventCount: order.count,
      annotations: Dictionary(grouping: stream.annotations, by: \.wpID), annotated: [:],
      hasRetrospectiveRows: stream.hasRetrospectiveRows)
  }

  /// nil when the log is not the one the checkpoint was made from, or not only appended to.
  static func extend(_ previous: consuming FoldCheckpoint, path: String) throws(EventLogError) -> (
    FoldCheckpoint, Path
  )? {
    guard previous.identity.size >= 0, previous.identity.endsWithNewline || previous.identity.size == 0,
      let (then, size) = try identity(path: path, upTo: previous.identity.size)
    else { return nil }
    let before = previous.identity
    guard then == before, size >= before.size else { return nil }
    if size == before.size { return (previous, .unchanged) }

    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    let outcome = EventLogReader.readPart(
      fd: fd, range: before.size..<size, path: path, keepAnnotations: previous.includesAnnotations)
    // A bad row: the full read reports it with the line number of the whole file.
    if outcome.error != nil { return nil }

    // Moved, not copied: when the caller gave up the checkpoint, the id filter and the states are then extended in
    // place instead of being copied first (half a megabyte of filter per read).
    var next = consume previous
    var fresh: [TransitionEvent] = []
    for event in outcome.transitions {
      if next.seen != nil {
        guard next.seen!.insert(event.eventID) else { continue }
      } else if next.filter.mightContain(event.eventID) || next.filter.isFull {
        // Maybe a duplicate of a folded row (first wins): only the full fold can tell.
        return nil
      }
      next.filter.insert(event.eventID)
      fresh.append(event)
    }
    fresh.sort { ($0.at, $0.eventID) < ($1.at, $1.eventID) }
    // A row that sorts before what was folded changes the fold order: fold again in full.
    if let first = fresh.first, let last = next.lastKey, (first.at, first.eventID) < (last.at, last.id) {
      return nil
    }
    fresh.withUnsafeBufferPointer { buffer in
      for index in buffer.indices {
        let event = buffer.baseAddress! + index
        let slot: Int
        if let known = next.slotOf[event.pointee.wpID] {
          slot = known
        } else {
          slot = next.states.count
          next.slotOf[event.pointee.wpID] = slot
          next.ids.append(event.pointee.wpID)
          next.states.append(.blank)
        }
        if StatusReducer.shouldApply(event, over: &next.states[slot]) {
          StatusReducer.apply(event, to: &next.states[slot])
        }
      }
    }
    if next.firstSlug == nil { next.firstSlug = fresh.first?.missionSlug }
    if let last = fresh.last { next.lastKey = (last.at, last.eventID) }
    next.eventCount += fresh.count
    for annotation in outcome.annotations { next.annotations[annotation.wpID, default: []].append(annotation) }
    next.annotate(Set(fresh.map(\.wpID)).union(outcome.annotations.map(\.wpID)))
    if outcome.retrospective { next.hasRetrospectiveRows = true }
    guard let (identity, _) = try self.identity(path: path, upTo: size) else { return nil }
    next.identity = identity
    return (next, .extended(rows: outcome.lines))
  }

  /// The log's identity as of its first `upTo` bytes (default: all of them), with digests of the first 4 KiB and
  /// of the 4 KiB before that size, and the file's real size; nil when the file does not exist.
  static func identity(path: String, upTo requested: Int? = nil) throws(EventLogError)
    -> (identity: FoldCheckpoint.Identity, size: Int)?
  {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
      if errno == ENOENT { return nil }
      throw .unreadable(path: path, detail: String(cString: strerror(errno)))
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, detail: String(cString: strerror(errno))) }
    let size = Int(info.st_size)
    let end = min(requested ?? size, size)
    func digest(_ range: Range<Int>) -> (UInt64, UInt8?) {
      var bytes = [UInt8](repeating: 0, count: range.count)
      let got = bytes.withUnsafeMutableBytes { raw in
        raw.count == 0 ? 0 : pread(fd, raw.baseAddress!, raw.count, off_t(range.lowerBound))
      }
      var hash: UInt64 = 0xcbf2_9ce4_8422_2325
      for byte in bytes.prefix(max(got, 0)) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
      return (hash ^ UInt64(got), got > 0 ? bytes[got - 1] : nil)
    }
    let (head, _) = digest(0..<min(digestSpan, end))
    let (tail, lastByte) = digest(max(0, end - digestSpan)..<end)
    let identity = FoldCheckpoint.Identity(
      device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: end, headDigest: head, tailDigest: tail,
      endsWithNewline: lastByte == 0x0A)
    return (identity, size)
  }
}

extension FoldCheckpoint.Identity {
  /// A log that did not exist: any later file is folded in full.
  static let empty = FoldCheckpoint.Identity(
    device: 0, inode: 0, size: -1, headDigest: 0, tailDigest: 0, endsWithNewline: false)
}
