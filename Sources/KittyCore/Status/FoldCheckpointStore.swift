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

  mutating func insert(_ key: LogKey) { insert(hash: Self.hash(key)) }

  /// Inserts a key by its `hash(_:)`.
  mutating func insert(hash: (UInt64, UInt64)) {
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
  static let version = 2

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

  // MARK: encoding: a fixed prefix, the fold in `BinaryWriter`'s form, then the filter's words.
  //
  // The prefix is a magic, the version, the header's length and a checksum of header and filter (a damaged file
  // reads as no checkpoint, never as another fold), so the filter's words are read straight into
  // their array. (Version 1 was a JSON line: decoding a thousand WPs' states from it was most of a read verb's fold.)

  static let magic: UInt64 = 0x646C_6679_7474_696B  // "kittyfld", little-endian
  static let prefixSize = 32

  func save(_ checkpoint: FoldCheckpoint, to file: String) {
    // Annotations are not stored: a checkpoint with them lives in memory only (the dashboard's).
    guard !checkpoint.includesAnnotations, checkpoint.identity.size >= 0 else { return }
    let id = checkpoint.identity
    var header = BinaryWriter(capacity: 64 * checkpoint.states.count + 256)
    header.uint64(id.device)
    header.uint64(id.inode)
    header.int(id.size)
    header.uint64(id.headDigest)
    header.uint64(id.tailDigest)
    header.bool(id.endsWithNewline)
    header.int(checkpoint.eventCount)
    header.bool(checkpoint.hasRetrospectiveRows)
    header.int(checkpoint.filter.count)
    header.optionalString(checkpoint.firstSlug)
    header.optionalString(checkpoint.lastKey?.at.string)
    header.optionalString(checkpoint.lastKey?.id.string)
    header.count(checkpoint.ids.count)
    for (wp, state) in zip(checkpoint.ids, checkpoint.states) {
      header.string(wp)
      header.string(state.lane)
      header.string(state.actor)
      header.optionalString(state.lastTransitionKey?.string)
      header.optionalString(state.lastEventKey?.string)
      header.int(state.forceCount)
      header.bool(state.setByRollback)
      header.object(state.runtime)
      header.bool(state.reviewResultSlot != nil)
      if let slot = state.reviewResultSlot { header.json(slot) }
      header.bool(state.cancellation != nil)
      if let cancellation = state.cancellation {
        header.json(cancellation.reason)
        header.string(cancellation.source)
      }
    }
    header.align(8)
    var prefix = BinaryWriter(capacity: Self.prefixSize)
    prefix.uint64(Self.magic)
    prefix.int(Self.version)
    prefix.int(header.bytes.count)
    var sum = BinaryChecksum()
    header.bytes.withUnsafeBytes { sum.add($0) }
    checkpoint.filter.bits.withUnsafeBytes { sum.add($0) }
    prefix.uint64(sum.value)
    var data = Data(capacity: Self.prefixSize + header.bytes.count + checkpoint.filter.bits.count * 8)
    data.append(contentsOf: prefix.bytes)
    data.append(contentsOf: header.bytes)
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
    let fd = open(file, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { return nil }
    var prefix = [UInt8](repeating: 0, count: Self.prefixSize)
    guard CacheFiles.read(fd, into: &prefix, at: 0) else { return nil }
    let (headerSize, words, checksum) = prefix.withUnsafeBufferPointer { bytes -> (Int, Int, UInt64) in
      var reader = BinaryReader(bytes)
      guard reader.uint64() == Self.magic, reader.int() == Self.version, let size = reader.int(), size >= 0,
        size % 8 == 0, Int(info.st_size) - Self.prefixSize - size > 0,
        (Int(info.st_size) - Self.prefixSize - size) % 8 == 0, let checksum = reader.uint64()
      else { return (-1, 0, 0) }
      return (size, (Int(info.st_size) - Self.prefixSize - size) / 8, checksum)
    }
    guard headerSize >= 0 else { return nil }
    var header = [UInt8](repeating: 0, count: headerSize)
    guard CacheFiles.read(fd, into: &header, at: Self.prefixSize) else { return nil }
    var failed = false
    let bits = [UInt64](unsafeUninitializedCapacity: words) { buffer, initialized in
      buffer.initialize(repeating: 0)
      initialized = words
      failed = !CacheFiles.read(fd, into: UnsafeMutableRawBufferPointer(buffer), at: Self.prefixSize + headerSize)
    }
    guard !failed else { return nil }
    var sum = BinaryChecksum()
    header.withUnsafeBytes { sum.add($0) }
    bits.withUnsafeBytes { sum.add($0) }
    guard sum.value == checksum else { return nil }
    return header.withUnsafeBufferPointer { Self.decode(BinaryReader($0), bits: bits) }
  }

  private static func decode(_ input: BinaryReader, bits: [UInt64]) -> FoldCheckpoint? {
    var r = input
    guard let device = r.uint64(), let inode = r.uint64(), let size = r.int(), let head = r.uint64(),
      let tail = r.uint64(), let newline = r.bool(), let count = r.int(), let retrospective = r.bool(),
      let filterCount = r.int(), let firstSlug = r.optionalString(), let lastAt = r.optionalString(),
      let lastID = r.optionalString(), let wps = r.count(), wps <= r.bytes.count
    else { return nil }
    func key(_ reader: inout BinaryReader) -> LogKey?? {
      guard let present = reader.bool() else { return nil }
      guard present else { return .some(nil) }
      guard let bytes = reader.stringBytes() else { return nil }
      return .some(LogKey(bytes: bytes) ?? LogKey(String(decoding: bytes, as: UTF8.self)))
    }
    var ids: [String] = []
    var states: [WPState] = []
    var slotOf: [String: Int] = [:]
    ids.reserveCapacity(wps)
    states.reserveCapacity(wps)
    slotOf.reserveCapacity(wps)
    for slot in 0..<wps {
      guard let wp = r.string(), let lane = r.string(), let actor = r.string(), let at = key(&r),
        let event = key(&r), let force = r.int(), let rollback = r.bool(), let runtime = r.object(),
        let hasReview = r.bool()
      else { return nil }
      var state = WPState.blank
      state.lane = lane
      state.actor = actor
      state.lastTransitionKey = at
      state.lastEventKey = event
      state.forceCount = force
      state.setByRollback = rollback
      state.runtime = runtime
      if hasReview {
        guard let review = r.json() else { return nil }
        state.reviewResultSlot = review
      }
      guard let hasCancellation = r.bool() else { return nil }
      if hasCancellation {
        guard let reason = r.json(), let source = r.string() else { return nil }
        state.cancellation = (reason, source)
      }
      ids.append(wp)
      states.append(state)
      slotOf[wp] = slot
    }
    guard r.align(8), r.isAtEnd else { return nil }
    return FoldCheckpoint(
      identity: .init(
        device: device, inode: inode, size: size, headDigest: head, tailDigest: tail, endsWithNewline: newline),
      includesAnnotations: false, ids: ids, states: states, slotOf: slotOf, seen: nil,
      filter: EventIDFilter(bits: bits, count: filterCount),
      lastKey: lastAt.flatMap { at in lastID.map { (LogKey(at), LogKey($0)) } }, firstSlug: firstSlug,
      eventCount: count, annotations: [:], annotated: [:], hasRetrospectiveRows: retrospective)
  }
}

/// The files of a cache directory (one per log or tasks directory ever read).
enum CacheFiles {
  /// When `directory` holds more than `limit` files, removes the least recently modified down to three quarters
  /// of `limit`, so that a full cache prunes once per `limit / 4` new files instead of on every one. Dates come
  /// from `fstatat`: FileManager's attributes look up each file's owner and group names, which opened
  /// /etc/passwd and /etc/group once per file (500 opens, ~20 ms, on every new mission or worktree read).
  static func prune(_ directory: String, keeping limit: Int) {
    guard let names = DirectoryNames.list(directory), names.count > limit else { return }
    let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let dated: [(name: String, modified: Int64)] = names.map { name in
      var info = stat()
      guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return (name, .min) }
      return (name, Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }
    let keep = max(limit * 3 / 4, 1)
    for file in dated.sorted(by: { $0.modified < $1.modified }).prefix(names.count - keep) {
      unlinkat(fd, file.name, 0)
    }
  }
}

extension CacheFiles {
  /// Fills `buffer` from `offset` of the file; false when the file ends first or the read fails.
  static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Bool {
    var done = 0
    while done < buffer.count {
      let got = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
      if got < 0, errno == EINTR { continue }
      if got <= 0 { return false }
      done += got
    }
    return true
  }

  static func read(_ fd: Int32, into buffer: inout [UInt8], at offset: Int) -> Bool {
    buffer.withUnsafeMutableBytes { read(fd, into: $0, at: offset) }
  }
}
