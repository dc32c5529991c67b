import Foundation

/// What the read verbs need of a mission's prompt files (id, title, dependencies, subtasks, owned files, execution
/// mode), kept between processes so that a call parses only the files that changed: one file per tasks directory,
/// beside the fold checkpoints. A prompt file is parsed again when its inode, size, modification or change time
/// differs from what the index holds. Frontmatter and body are not kept: work packages read through the index have
/// an empty `frontmatter` and `body`.
public struct PromptFileIndex: Sendable {
  public let directory: String
  static let version = 2
  static let magic: UInt64 = 0x7470_6D6F_7270_746B  // "ktprompt", little-endian
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
      self.init(info)
    }

    /// The stamp of `name` in the open directory `directory` (no walk of the directory's path per file).
    init?(directory: Int32, name: String) {
      var info = stat()
      guard fstatat(directory, name, &info, 0) == 0 else { return nil }
      self.init(info)
    }

    private init(_ info: stat) {
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
    let names = mission.promptFileNames()
    let files = names.map { "\(mission.tasksDirectory)/\($0.name)" }
    var packages: [WorkPackage?] = []
    var stamps: [Stamp?] = []
    var misses: [Int] = []
    packages.reserveCapacity(files.count)
    let directory = open(mission.tasksDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    defer { if directory >= 0 { close(directory) } }
    for (index, file) in names.enumerated() {
      let stamp = directory >= 0 ? Stamp(directory: directory, name: file.name) : Stamp(path: files[index])
      stamps.append(stamp)
      if let stamp, let entry = known[file.name], entry.stamp == stamp {
        packages.append(entry.workPackage)
      } else {
        packages.append(nil)
        misses.append(index)
      }
    }
    let parsed = ParallelMap.run(misses, minimumPerTask: 64) { index in
      Result { () throws(WorkPackageError) in try WorkPackage.load(path: files[index]) }
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

  // MARK: encoding: magic, version, length and checksum of the body, then the entries in BinaryWriter's form.
  // (Version 1 was one JSON line per file: parsing it was a third of a read verb's work on 1,000 WPs.)

  func save(_ entries: [Entry], to file: String) {
    let now = Int64(Date().timeIntervalSince1970 * 1_000_000_000)
    let kept = entries.filter { now - $0.stamp.modified > Self.racyWindow }
    var body = BinaryWriter(capacity: 128 * kept.count + 64)
    body.count(kept.count)
    for entry in kept {
      let wp = entry.workPackage
      body.string(FilePathName.last(wp.path))
      body.int(entry.stamp.inode)
      body.int(entry.stamp.size)
      body.int(Int(entry.stamp.modified))
      body.int(Int(entry.stamp.changed))
      body.string(wp.id)
      body.string(wp.title)
      for list in [wp.dependencies, wp.subtasks, wp.ownedFiles] { body.strings(list) }
      body.optionalString(wp.executionMode)
    }
    var sum = BinaryChecksum()
    body.bytes.withUnsafeBytes { sum.add($0) }
    var prefix = BinaryWriter(capacity: 32 + body.bytes.count)
    prefix.uint64(Self.magic)
    prefix.int(Self.version)
    prefix.int(body.bytes.count)
    prefix.uint64(sum.value)
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    // A cache: renamed into place (readers never see half a file), not synced (a lost one is rebuilt).
    let isNew = !FileManager.default.fileExists(atPath: file)
    var data = Data(prefix.bytes)
    data.append(contentsOf: body.bytes)
    guard (try? AtomicFile.write(data, to: file, durable: false)) != nil else { return }
    // One file per tasks directory ever read: old clones' go first.
    if isNew { CacheFiles.prune(directory, keeping: 256) }
  }

  /// The index's entries by file name; empty when the file is missing, damaged or from another version.
  func load(_ file: String, tasksDirectory: String) -> [String: Entry] {
    guard let data = FileManager.default.contents(atPath: file), data.count >= 32 else { return [:] }
    return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [String: Entry] in
      let all = raw.bindMemory(to: UInt8.self)
      var head = BinaryReader(all)
      guard head.uint64() == Self.magic, head.int() == Self.version, let length = head.int(),
        length == all.count - 32, let checksum = head.uint64()
      else { return [:] }
      let body = UnsafeBufferPointer(rebasing: all[32...])
      var sum = BinaryChecksum()
      sum.add(UnsafeRawBufferPointer(body))
      guard sum.value == checksum else { return [:] }
      var r = BinaryReader(body)
      guard let count = r.count(), count <= body.count else { return [:] }
      var entries: [String: Entry] = [:]
      entries.reserveCapacity(count)
      for _ in 0..<count {
        guard let name = r.string(), let inode = r.int(), let size = r.int(), let modified = r.int(),
          let changed = r.int(), let id = r.string(), let title = r.string(), let dependencies = r.strings(),
          let subtasks = r.strings(), let owned = r.strings(), let mode = r.optionalString()
        else { return [:] }
        let wp = WorkPackage(
          id: id, title: title, dependencies: dependencies, subtasks: subtasks, ownedFiles: owned,
          executionMode: mode, path: "\(tasksDirectory)/\(name)", frontmatter: [:], body: "")
        entries[name] = Entry(
          stamp: Stamp(inode: inode, size: size, modified: Int64(modified), changed: Int64(changed)), workPackage: wp)
      }
      return r.isAtEnd ? entries : [:]
    }
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
