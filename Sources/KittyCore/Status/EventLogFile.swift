import Foundation
import KittyBasics

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

  /// Reads the log in line-aligned parts on several threads, at most `wave` parts ahead of the caller, and hands
  /// each part to `consume` in file order, then forgets it: a caller that keeps no rows holds one wave of them at
  /// most, and its work on one part overlaps the reading of the next ones.
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
    if count == 1 {
      let outcome = readPart(fd: fd, range: bounds[0]..<bounds[1], path: path, keepAnnotations: annotations)
      if let error = outcome.error { throw error }
      try consume(outcome)
      return true
    }
    // The caller folds part k while the workers read the next ones.
    try OrderedPipeline.run(count: count, ahead: wave) { part in
      readPart(fd: fd, range: bounds[part]..<bounds[part + 1], path: path, keepAnnotations: annotations)
    } consume: { (outcome: PartOutcome) throws(EventLogError) in
      if let error = outcome.error { throw error.shifted(by: linesBefore) }
      linesBefore += outcome.lines
      try consume(outcome)
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

  /// Streams `range` of the file in 256 KiB reads into one buffer, calling `handle` for each non-blank line;
  /// returns the number of lines in the range (a final line without a newline counts). The buffer is not
  /// zeroed (a zero-filled 1 MiB array per part cost its memset and page faults, ~8 % of a cold fold's CPU);
  /// only bytes `read` filled are ever looked at. It doubles for a line longer than itself.
  static func forEachLine(fd: Int32, range: Range<Int>, path: String, _ handle: LineHandler) throws(EventLogError)
    -> Int
  {
    var capacity = min(256 << 10, max(range.count, 1))
    var storage = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    defer { storage.deallocate() }
    var filled = 0
    var scanned = 0  // bytes of the current partial line already searched for a newline
    var lineNumber = 1
    var offset = range.lowerBound
    while true {
      if filled == capacity {
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        larger.update(from: storage, count: filled)
        storage.deallocate()
        storage = larger
        capacity *= 2
      }
      let want = min(capacity - filled, range.upperBound - offset)
      let got = want == 0 ? 0 : pread(fd, storage + filled, want, off_t(offset))
      if got < 0 {
        if errno == EINTR { continue }
        throw .unreadable(path: path, detail: String(cString: strerror(errno)))
      }
      offset += got
      let atEnd = got == 0
      filled += got
      let bytes = UnsafeBufferPointer(start: storage, count: filled)
      var lineStart = 0
      var searchFrom = scanned
      while let index = newline(in: bytes, from: searchFrom, to: filled) {
        try handleLine(bytes, lineStart, index, lineNumber, handle)
        lineNumber += 1
        lineStart = index + 1
        searchFrom = lineStart
      }
      if atEnd {
        if lineStart < filled {
          try handleLine(bytes, lineStart, filled, lineNumber, handle)
          lineNumber += 1
        }
        return lineNumber - 1
      }
      if lineStart > 0 {
        let remaining = filled - lineStart
        if remaining > 0 { memmove(storage, storage + lineStart, remaining) }
        filled = remaining
      }
      scanned = filled
    }
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
