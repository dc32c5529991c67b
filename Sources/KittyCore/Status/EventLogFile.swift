import Foundation

/// Reading the event log file: streamed in 1 MiB blocks, and split into line-aligned parts read on
/// several threads for large logs. Line numbers in errors are those of the whole file.
extension EventLogReader {
  /// Logs smaller than this are read on one thread.
  static let parallelThreshold = 4 << 20

  /// Several parts per core: the WP files are read at the same time on the same cores, so the threads finish
  /// unevenly, and with one part per thread the last part ran alone on one core for a quarter of the read.
  static var defaultParts: Int { min(16, ProcessInfo.processInfo.activeProcessorCount * 8) }

  /// Reads the stream; a missing file is an empty stream.
  /// With `annotations: false`, annotation rows are still validated but not kept (the read verbs fold
  /// transitions only, and a large log's annotations cost memory).
  public static func read(path: String, annotations: Bool = true, parts requested: Int? = nil) throws(EventLogError)
    -> EventStream
  {
    // The parts stay apart (see `EventStream.transitionParts`).
    var transitions: [[TransitionEvent]] = []
    var notes: [AnnotationEvent] = []
    var retrospective = false
    let exists = try forEachPart(path: path, annotations: annotations, parts: requested) { outcome in
      transitions.append(outcome.transitions)
      notes.append(contentsOf: outcome.annotations)
      retrospective = retrospective || outcome.retrospective
    }
    guard exists else { return EventStream() }
    var stream = EventStream(transitionParts: transitions, annotations: notes)
    stream.hasRetrospectiveRows = retrospective
    return stream
  }

  /// Reads the log in line-aligned parts, `wave` parts at a time on several threads, and hands each part to
  /// `consume` in file order, then forgets it: a caller that keeps no rows holds one wave of them at most.
  /// The first bad row in file order is thrown (with its line number in the whole file) before its part is
  /// handed over. False when the file does not exist.
  static func forEachPart(
    path: String, annotations: Bool, parts requested: Int? = nil, wave: Int = .max,
    _ consume: (PartOutcome) throws(EventLogError) -> Void
  ) throws(EventLogError) -> Bool {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
      if errno == ENOENT { return false }
      throw .unreadable(path: path, detail: String(cString: strerror(errno)))
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, detail: String(cString: strerror(errno))) }
    let size = Int(info.st_size)
    let parts = requested ?? (size >= parallelThreshold ? defaultParts : 1)
    let bounds = try partBoundaries(fd: fd, size: size, parts: parts, path: path)
    let count = bounds.count - 1
    var linesBefore = 0
    var first = 0
    while first < count {
      let width = min(count - first, max(wave, 1))
      let results = PartResults(count: width)
      let start = first
      DispatchQueue.concurrentPerform(iterations: width) { index in
        let part = start + index
        results.store(
          index, readPart(fd: fd, range: bounds[part]..<bounds[part + 1], path: path, keepAnnotations: annotations))
      }
      for index in 0..<width {
        let outcome = results.take(index)
        if let error = outcome.error { throw error.shifted(by: linesBefore) }
        linesBefore += outcome.lines
        try consume(outcome)
      }
      first += width
    }
    return true
  }

  struct PartOutcome: Sendable {
    var transitions: [TransitionEvent] = []
    var annotations: [AnnotationEvent] = []
    var retrospective = false
    var lines = 0
    var error: EventLogError?
  }

  /// Part starts: 0, then just after the first newline at or past each even split point, then the size.
  static func partBoundaries(fd: Int32, size: Int, parts: Int, path: String) throws(EventLogError) -> [Int] {
    var bounds = [0]
    var probe = [UInt8](repeating: 0, count: 64 << 10)
    for k in 1..<max(parts, 1) {
      var offset = max(size * k / parts, bounds.last!)
      var found: Int?
      while found == nil && offset < size {
        let got = probe.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(offset)) }
        if got < 0 { throw .unreadable(path: path, detail: String(cString: strerror(errno))) }
        if got == 0 { break }
        if let index = probe[0..<got].firstIndex(of: 0x0A) { found = offset + index + 1 }
        offset += got
      }
      bounds.append(min(found ?? size, size))
    }
    bounds.append(size)
    return bounds
  }

  /// Parses one line-aligned part of the file; line numbers are relative to the part.
  static func readPart(fd: Int32, range: Range<Int>, path: String, keepAnnotations: Bool) -> PartOutcome {
    var outcome = PartOutcome()
    outcome.transitions.reserveCapacity(range.count / 600)
    var interner = Interner()
    do throws(EventLogError) {
      outcome.lines = try forEachLine(fd: fd, range: range, path: path) {
        (bytes, start, end, lineNumber) throws(EventLogError) in
        switch try parseRow(bytes: bytes, start: start, end: end, line: lineNumber, interner: &interner) {
        case .transition(let event)?: outcome.transitions.append(event)
        case .annotation(let annotation)?: if keepAnnotations { outcome.annotations.append(annotation) }
        case .retrospective?: outcome.retrospective = true
        case nil: break
        }
      }
    } catch {
      outcome.error = error
    }
    return outcome
  }

  /// Streams `range` of the file in 1 MiB reads, calling `handle` for each non-blank line; returns the number
  /// of lines in the range (a final line without a newline counts).
  static func forEachLine(fd: Int32, range: Range<Int>, path: String, _ handle: LineHandler) throws(EventLogError)
    -> Int
  {
    let chunk = 1 << 20
    var buffer = [UInt8](repeating: 0, count: min(chunk, max(range.count, 1)))
    var filled = 0
    var scanned = 0  // bytes of the current partial line already searched for a newline
    var lineNumber = 1
    var offset = range.lowerBound
    while true {
      if filled == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
      let want = min(buffer.count - filled, range.upperBound - offset)
      let got =
        want == 0
        ? 0
        : buffer.withUnsafeMutableBytes { raw in
          pread(fd, raw.baseAddress! + filled, want, off_t(offset))
        }
      if got < 0 {
        if errno == EINTR { continue }
        throw .unreadable(path: path, detail: String(cString: strerror(errno)))
      }
      offset += got
      let atEnd = got == 0
      filled += got
      var consumed = 0
      var failure: EventLogError?
      buffer.withUnsafeBufferPointer { bytes in
        var lineStart = 0
        var searchFrom = scanned
        while let index = newline(in: bytes, from: searchFrom, to: filled) {
          do throws(EventLogError) {
            try handleLine(bytes, lineStart, index, lineNumber, handle)
          } catch {
            failure = error
            return
          }
          lineNumber += 1
          lineStart = index + 1
          searchFrom = lineStart
        }
        if atEnd && lineStart < filled {
          do throws(EventLogError) {
            try handleLine(bytes, lineStart, filled, lineNumber, handle)
          } catch {
            failure = error
            return
          }
          lineNumber += 1
          lineStart = filled
        }
        consumed = lineStart
      }
      if let failure { throw failure }
      if atEnd { return lineNumber - 1 }
      if consumed > 0 {
        buffer.withUnsafeMutableBufferPointer { b in
          let remaining = filled - consumed
          if remaining > 0 { _ = memmove(b.baseAddress!, b.baseAddress! + consumed, remaining) }
        }
        filled -= consumed
      }
      scanned = filled
    }
  }
}

/// Per-part results written by worker threads, each slot by exactly one worker.
private final class PartResults: @unchecked Sendable {  // @unchecked: PartOutcome is not Sendable; uses lock
  private var outcomes: [EventLogReader.PartOutcome]
  private let lock = NSLock()
  init(count: Int) { outcomes = Array(repeating: EventLogReader.PartOutcome(), count: count) }
  func store(_ index: Int, _ outcome: EventLogReader.PartOutcome) {
    lock.lock()
    outcomes[index] = outcome
    lock.unlock()
  }
  /// Hands the part over and forgets it.
  func take(_ index: Int) -> EventLogReader.PartOutcome {
    lock.lock()
    defer { lock.unlock() }
    let outcome = outcomes[index]
    outcomes[index] = EventLogReader.PartOutcome()
    return outcome
  }
}

extension EventLogError {
  /// The same error with its line number moved by `lines` (for parts read separately).
  func shifted(by lines: Int) -> EventLogError {
    guard lines != 0 else { return self }
    switch self {
    case .invalidJSON(let line, let detail): return .invalidJSON(line: line + lines, detail: detail)
    case .notAnObject(let line): return .notAnObject(line: line + lines)
    case .invalidStructure(let line, let detail): return .invalidStructure(line: line + lines, detail: detail)
    case .unknownKind(let line, let kind): return .unknownKind(line: line + lines, kind: kind)
    case .unknownLane(let line, let lane): return .unknownLane(line: line + lines, lane: lane)
    case .notUTF8(let line): return .notUTF8(line: line + lines)
    case .unreadable: return self
    }
  }
}
