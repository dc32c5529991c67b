import Foundation

/// A Bloom filter over event ids: what a checkpoint read back from disk remembers of the ids it folded. A new
/// row whose id may have been seen makes the read fall back to a full fold, which is always right; a false
/// positive only costs that fold.
struct EventIDFilter: Sendable, Equatable {
  var bits: [UInt64]
  var count: Int

  init(expected: Int) {
    var words = 1 << 10
    while words * 64 < max(expected, 1) * 24 { words *= 2 }
    bits = Array(repeating: 0, count: words)
    count = 0
  }

  init(bits: [UInt64], count: Int) {
    self.bits = bits
    self.count = count
  }

  /// Past this many ids the false positives grow: a full fold makes a larger filter.
  var isFull: Bool { count * 16 > bits.count * 64 }

  static func hash(_ key: LogKey) -> (UInt64, UInt64) {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    if let packed = key.packed {
      for word in [packed.0, packed.1, packed.2, packed.3, UInt64(packed.count)] {
        h = (h ^ word) &* 0x100_0000_01b3
        h ^= h >> 29
      }
    } else {
      for byte in key.string.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
    }
    let second = (h ^ (h >> 31)) &* 0x9E37_79B9_7F4A_7C15
    return (h, second | 1)
  }

  /// The `index`th of the key's eight bit positions (computed in place: an array of them per row was
  /// a third of the cost of extending a fold).
  private static func position(_ index: UInt64, of hash: (UInt64, UInt64), total: UInt64) -> Int {
    Int((hash.0 &+ index &* hash.1) % total)
  }

  func mightContain(_ key: LogKey) -> Bool {
    let hash = Self.hash(key)
    let total = UInt64(bits.count * 64)
    for index in 0..<UInt64(8) {
      let position = Self.position(index, of: hash, total: total)
      if bits[position >> 6] & (1 << UInt64(position & 63)) == 0 { return false }
    }
    return true
  }

  mutating func insert(_ key: LogKey) {
    let hash = Self.hash(key)
    let total = UInt64(bits.count * 64)
    bits.withUnsafeMutableBufferPointer { words in
      for index in 0..<UInt64(8) {
        let position = Self.position(index, of: hash, total: total)
        words[position >> 6] |= 1 << UInt64(position & 63)
      }
    }
    count += 1
  }
}

/// Checkpoints kept on disk between processes (the orchestrator-api read verbs are one process per call), one
/// file per event log in a private directory (the git directory's `kitty/fold/`). A file that is missing,
/// unreadable or from another version is ignored: the read folds in full and writes a new one.
public struct FoldCheckpointStore: Sendable {
  public let directory: String
  static let version = 1

  public init(directory: String) {
    self.directory = directory
  }

  /// The checkpoint file of the log at `logPath`.
  public func file(for logPath: String, annotations: Bool) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in logPath.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return "\(directory)/\(String(hash, radix: 16))-\(annotations ? "a" : "t").fold"
  }

  /// Rows appended past the stored checkpoint are folded again by each read until this many bytes of them have
  /// gathered: writing a checkpoint (the fold of every WP and the id filter) costs more than reading a few hundred
  /// rows again.
  static let saveThreshold = 256 << 10

  /// The fold of the log at `path`, from the stored checkpoint when it still matches; stores the new one after a
  /// full fold, or once the rows appended since the stored one pass `saveThreshold` bytes.
  public func fold(path: String, annotations: Bool) throws(EventLogError) -> (
    checkpoint: FoldCheckpoint, path: IncrementalFold.Path
  ) {
    let file = self.file(for: path, annotations: annotations)
    let previous = load(file)
    let previousSize = previous?.size ?? 0
    let result = try IncrementalFold.fold(path: path, annotations: annotations, previous: consume previous)
    switch result.path {
    case .unchanged: break
    case .extended where result.checkpoint.size - previousSize < Self.saveThreshold: break
    case .full, .extended: save(result.checkpoint, to: file)
    }
    return result
  }

  // MARK: encoding: one JSON line (everything but the filter), then the filter's words.

  func save(_ checkpoint: FoldCheckpoint, to file: String) {
    // Annotations are not stored: a checkpoint with them lives in memory only (the dashboard's).
    guard !checkpoint.includesAnnotations, checkpoint.identity.size >= 0 else { return }
    let id = checkpoint.identity
    let states: [JSONValue] = checkpoint.states.map { state in
      var object: JSONObject = [
        "lane": .string(state.lane), "actor": .string(state.actor),
        "at": .optional(state.lastTransitionKey?.string), "id": .optional(state.lastEventKey?.string),
        "force": .int(state.forceCount), "runtime": .object(state.runtime), "rollback": .bool(state.setByRollback),
      ]
      if let slot = state.reviewResultSlot { object["review"] = slot }
      if let cancellation = state.cancellation {
        object["cancel"] = .array([cancellation.reason, .string(cancellation.source)])
      }
      return .object(object)
    }
    let header: JSONValue = [
      "version": .int(Self.version), "device": .string(String(id.device)), "inode": .string(String(id.inode)),
      "size": .int(id.size), "head": .string(String(id.headDigest)), "tail": .string(String(id.tailDigest)),
      "newline": .bool(id.endsWithNewline), "ids": .strings(checkpoint.ids), "states": .array(states),
      "last_at": .optional(checkpoint.lastKey?.at.string), "last_id": .optional(checkpoint.lastKey?.id.string),
      "first_slug": .optional(checkpoint.firstSlug), "count": .int(checkpoint.eventCount),
      "retrospective": .bool(checkpoint.hasRetrospectiveRows), "filter_count": .int(checkpoint.filter.count),
      "filter_words": .int(checkpoint.filter.bits.count),
    ]
    var data = Data((JSONWriter.sortedLine.string(header) + "\n").utf8)
    checkpoint.filter.bits.withUnsafeBytes { data.append(contentsOf: $0) }
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    // A cache: renamed into place (readers never see half a file), not synced (a lost one is rebuilt; Foundation's
    // createFile syncs the file, which cost every read verb that saved one ~2 ms).
    let isNew = !FileManager.default.fileExists(atPath: file)
    guard (try? AtomicFile.write(data, to: file, durable: false)) != nil else { return }
    if isNew { prune() }
  }

  /// Keeps the newest `limit` checkpoints: one per event log ever read, so old clones' go first.
  func prune(limit: Int = 256) { CacheFiles.prune(directory, keeping: limit) }

  func load(_ file: String) -> FoldCheckpoint? {
    // Read through a raw buffer: Data's own subscripts check exclusivity on every byte, which made finding the
    // newline past a quarter megabyte of header cost more than parsing it.
    guard let data = FileManager.default.contents(atPath: file) else { return nil }
    return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> FoldCheckpoint? in
      let bytes = raw.bindMemory(to: UInt8.self)
      guard let newline = bytes.firstIndex(of: 0x0A) else { return nil }
      var parser = JSONParser(bytes: bytes, start: 0, end: newline)
      guard case .object(let header)? = try? parser.parseDocument() else { return nil }
      let filter = UnsafeRawBufferPointer(rebasing: raw[(newline + 1)...])
      return Self.decode(header, filter: filter)
    }
  }

  private static func decode(_ h: JSONObject, filter: UnsafeRawBufferPointer) -> FoldCheckpoint? {
    guard h["version"]?.intValue == Self.version,
      let device = h["device"]?.stringValue.flatMap({ UInt64($0) }),
      let inode = h["inode"]?.stringValue.flatMap({ UInt64($0) }), let size = h["size"]?.intValue,
      let head = h["head"]?.stringValue.flatMap({ UInt64($0) }),
      let tail = h["tail"]?.stringValue.flatMap({ UInt64($0) }),
      let ids = h["ids"]?.arrayValue?.compactMap(\.stringValue), let states = h["states"]?.arrayValue,
      ids.count == states.count, let count = h["count"]?.intValue,
      let words = h["filter_words"]?.intValue, let filterCount = h["filter_count"]?.intValue,
      filter.count == words * 8
    else { return nil }
    let bits = [UInt64](unsafeUninitializedCapacity: words) { buffer, initialized in
      UnsafeMutableRawBufferPointer(buffer).copyMemory(from: filter)
      initialized = words
    }
    var decoded: [WPState] = []
    decoded.reserveCapacity(states.count)
    for item in states {
      guard let lane = item["lane"]?.stringValue, let actor = item["actor"]?.stringValue else { return nil }
      var state = WPState.blank
      state.lane = lane
      state.actor = actor
      state.lastTransitionKey = item["at"]?.stringValue.map(LogKey.init)
      state.lastEventKey = item["id"]?.stringValue.map(LogKey.init)
      state.forceCount = item["force"]?.intValue ?? 0
      state.runtime = item["runtime"]?.objectValue ?? [:]
      state.setByRollback = item["rollback"]?.boolValue ?? false
      state.reviewResultSlot = item["review"]
      if let cancel = item["cancel"]?.arrayValue, cancel.count == 2, let source = cancel[1].stringValue {
        state.cancellation = (cancel[0], source)
      }
      decoded.append(state)
    }
    var slotOf: [String: Int] = [:]
    for (slot, id) in ids.enumerated() { slotOf[id] = slot }
    let lastKey = h["last_at"]?.stringValue.flatMap { at in h["last_id"]?.stringValue.map { (LogKey(at), LogKey($0)) } }
    return FoldCheckpoint(
      identity: .init(
        device: device, inode: inode, size: size, headDigest: head, tailDigest: tail,
        endsWithNewline: h["newline"]?.boolValue ?? false),
      includesAnnotations: false, ids: ids, states: decoded, slotOf: slotOf, seen: nil,
      filter: EventIDFilter(bits: bits, count: filterCount), lastKey: lastKey, firstSlug: h["first_slug"]?.stringValue,
      eventCount: count, annotations: [:], annotated: [:], hasRetrospectiveRows: h["retrospective"]?.boolValue ?? false)
  }
}

/// The files of a cache directory (one per log or tasks directory ever read).
enum CacheFiles {
  /// Keeps the `limit` most recently modified files of `directory`.
  static func prune(_ directory: String, keeping limit: Int) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    guard names.count > limit else { return }
    let dated: [(String, Date)] = names.map { name in
      let path = "\(directory)/\(name)"
      let date = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? nil
      return (path, date ?? .distantPast)
    }
    for (path, _) in dated.sorted(by: { $0.1 < $1.1 }).prefix(names.count - limit) { unlink(path) }
  }
}
