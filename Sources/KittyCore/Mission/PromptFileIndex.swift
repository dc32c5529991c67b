import Foundation

/// What the read verbs need of a mission's prompt files (id, title, dependencies, subtasks, owned files, execution
/// mode), kept between processes so that a call parses only the files that changed: one file per tasks directory,
/// beside the fold checkpoints. A prompt file is parsed again when its inode, size, modification or change time
/// differs from what the index holds. Frontmatter and body are not kept: work packages read through the index have
/// an empty `frontmatter` and `body`.
public struct PromptFileIndex: Sendable {
  public let directory: String
  static let version = 1
  /// A file modified this recently (nanoseconds) may be written again within the same timestamp tick without its
  /// times moving (git's "racily clean" entries): it is not indexed, and is parsed again next time. (A write sets
  /// the modification time to now, so a file whose modification time is older cannot hide a write this way.)
  static let racyWindow: Int64 = 2_000_000_000

  public init(directory: String) {
    self.directory = directory
  }

  /// The index file of the tasks directory `tasksDirectory`.
  public func file(for tasksDirectory: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in tasksDirectory.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return "\(directory)/\(String(hash, radix: 16)).prompts"
  }

  /// What identifies a version of a file: a rewrite changes the change time even when size and mtime are kept.
  struct Stamp: Equatable {
    var inode: Int
    var size: Int
    var modified: Int64
    var changed: Int64

    init?(path: String) {
      var info = stat()
      guard stat(path, &info) == 0 else { return nil }
      inode = Int(info.st_ino)
      size = Int(info.st_size)
      modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
      changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
    }

    init(inode: Int, size: Int, modified: Int64, changed: Int64) {
      self.inode = inode
      self.size = size
      self.modified = modified
      self.changed = changed
    }
  }

  struct Entry {
    var stamp: Stamp
    var workPackage: WorkPackage
  }

  /// The mission's work packages, as `Mission.workPackages()` gives them but without frontmatter and body: the
  /// same files, order, validation and first error; only the files that changed since the last call are parsed.
  public func workPackages(of mission: Mission) throws(MissionError) -> [WorkPackage] {
    let indexFile = file(for: mission.tasksDirectory)
    let known = load(indexFile, tasksDirectory: mission.tasksDirectory)
    let files = mission.promptFiles()
    var packages: [WorkPackage?] = []
    var stamps: [Stamp?] = []
    var misses: [Int] = []
    packages.reserveCapacity(files.count)
    for (index, file) in files.enumerated() {
      let stamp = Stamp(path: file.path)
      stamps.append(stamp)
      if let stamp, let entry = known[FilePathName.last(file.path)], entry.stamp == stamp {
        packages.append(entry.workPackage)
      } else {
        packages.append(nil)
        misses.append(index)
      }
    }
    let parsed = ParallelMap.run(misses, minimumPerTask: 64) { index in
      Result { () throws(WorkPackageError) in try WorkPackage.load(path: files[index].path) }
    }
    for (index, result) in zip(misses, parsed) {
      switch result {
      case .success(let wp): packages[index] = Self.outline(wp)
      case .failure(let error): throw .invalidWorkPackage(error)
      }
    }
    let outlines = packages.map { $0! }
    if !misses.isEmpty || known.count != files.count {
      // A file whose stamp could not be taken is not indexed: it is parsed every time.
      let entries = zip(stamps, outlines).compactMap { stamp, wp in stamp.map { Entry(stamp: $0, workPackage: wp) } }
      save(entries, to: indexFile)
    }
    return outlines
  }

  /// A work package without what the index does not keep.
  static func outline(_ wp: WorkPackage) -> WorkPackage {
    var outline = wp
    outline.frontmatter = [:]
    outline.body = ""
    return outline
  }

  // MARK: encoding: a version line, then one JSON array per file.

  func save(_ entries: [Entry], to file: String) {
    let now = Int64(Date().timeIntervalSince1970 * 1_000_000_000)
    var text = JSONWriter.sortedLine.string(["version": .int(Self.version)]) + "\n"
    for entry in entries where now - entry.stamp.modified > Self.racyWindow {
      let wp = entry.workPackage
      let row: JSONValue = [
        .string(FilePathName.last(wp.path)), .int(entry.stamp.inode), .int(entry.stamp.size),
        .int(Int(entry.stamp.modified)), .int(Int(entry.stamp.changed)), .string(wp.id), .string(wp.title),
        .strings(wp.dependencies), .strings(wp.subtasks), .strings(wp.ownedFiles), .optional(wp.executionMode),
      ]
      text += JSONWriter.sortedLine.string(row) + "\n"
    }
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    // A cache: renamed into place (readers never see half a file), not synced (a lost one is rebuilt).
    let isNew = !FileManager.default.fileExists(atPath: file)
    guard (try? AtomicFile.write(Data(text.utf8), to: file, durable: false)) != nil else { return }
    // One file per tasks directory ever read: old clones' go first.
    if isNew { CacheFiles.prune(directory, keeping: 256) }
  }

  /// The index's entries by file name; empty when the file is missing, unreadable or from another version.
  func load(_ file: String, tasksDirectory: String) -> [String: Entry] {
    guard let data = FileManager.default.contents(atPath: file) else { return [:] }
    // Each line parsed in place in one buffer: no copy per line.
    return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [String: Entry] in
      let bytes = raw.bindMemory(to: UInt8.self)
      var lines: [Range<Int>] = []
      var start = 0
      while start < bytes.count {
        let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
        if end > start { lines.append(start..<end) }
        start = end + 1
      }
      func parse(_ line: Range<Int>) -> JSONValue? {
        var parser = JSONParser(bytes: bytes, start: line.lowerBound, end: line.upperBound)
        return try? parser.parseDocument()
      }
      guard let header = lines.first, case .object(let h)? = parse(header), h["version"]?.intValue == Self.version
      else { return [:] }
      var entries: [String: Entry] = [:]
      entries.reserveCapacity(lines.count - 1)
      for line in lines.dropFirst() {
        guard case .array(let row)? = parse(line), let entry = Self.entry(row, tasksDirectory: tasksDirectory) else {
          return [:]
        }
        entries[entry.name] = entry.entry
      }
      return entries
    }
  }

  /// One index line: the file's name and its entry.
  private static func entry(_ row: [JSONValue], tasksDirectory: String) -> (name: String, entry: Entry)? {
    guard row.count == 11,
      let name = row[0].stringValue, let inode = row[1].intValue, let size = row[2].intValue,
      let modified = row[3].intValue, let changed = row[4].intValue, let id = row[5].stringValue,
      let title = row[6].stringValue, let dependencies = row[7].arrayValue?.compactMap(\.stringValue),
      let subtasks = row[8].arrayValue?.compactMap(\.stringValue),
      let owned = row[9].arrayValue?.compactMap(\.stringValue)
    else { return nil }
    let wp = WorkPackage(
      id: id, title: title, dependencies: dependencies, subtasks: subtasks, ownedFiles: owned,
      executionMode: row[10].stringValue, path: "\(tasksDirectory)/\(name)", frontmatter: [:], body: "")
    let entry = Entry(
      stamp: Stamp(inode: inode, size: size, modified: Int64(modified), changed: Int64(changed)), workPackage: wp)
    return (name, entry)
  }
}

/// The last component of a path, without Foundation's path normalisation.
enum FilePathName {
  static func last(_ path: String) -> String {
    // Over UTF-8 bytes: `String.lastIndex(of:)` walks grapheme clusters, a thousand times per read.
    let utf8 = path.utf8
    guard let slash = utf8.lastIndex(of: UInt8(ascii: "/")) else { return path }
    return String(path[utf8.index(after: slash)...])
  }
}
