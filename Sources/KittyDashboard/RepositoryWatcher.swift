import Dispatch
import Foundation
import KittyCore

/// Watches the files the dashboard shows with inotify (no polling): `kitty-specs/` and each mission's directory,
/// `tasks/` and coordination status directory, `.kittify/` (the run state is renamed into place) and the agent
/// logs under `.kittify/logs/<mission>/<WP>/`. Whoever writes -- the orchestrator, a hook, spec-kitty, a
/// `git pull` -- the kernel reports it; new directories are watched as they appear.
public actor RepositoryWatcher {
  /// What a watched directory holds, to turn a file event into a `Change`.
  enum Place: Equatable {
    case specs
    case mission(String)
    case kittify
    case logs
    case missionLogs(String)
    case wpLogs(String, String)
  }

  public let root: String
  private let fd: Int32
  private var places: [Int32: Place] = [:]
  private var source: (any DispatchSourceRead)?

  public init(root: String) throws(DashboardError) {
    self.root = root
    fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    if fd < 0 { throw .unreadable("inotify_init1 failed: \(String(cString: strerror(errno)))") }
  }

  static let mask = UInt32(
    IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE_SELF
      | IN_MOVE_SELF | IN_ATTRIB)

  private func watch(_ path: String, _ place: Place) {
    let wd = inotify_add_watch(fd, path, Self.mask | UInt32(IN_ONLYDIR))
    if wd >= 0 { places[wd] = place }
  }

  /// Adds a watch on every directory that exists now (adding one twice is harmless: same descriptor).
  func rescan() {
    let specs = "\(root)/\(MissionPaths.specsDirectory)"
    watch(specs, .specs)
    for slug in MissionLocator.missionDirectories(specs) {
      watch("\(specs)/\(slug)", .mission(slug))
      watch("\(specs)/\(slug)/\(MissionPaths.tasksDirectory)", .mission(slug))
      let coord = "\(root)/.worktrees/\(slug)-coord/\(MissionPaths.specsDirectory)/\(slug)"
      watch(coord, .mission(slug))
    }
    watch("\(root)/.kittify", .kittify)
    let logs = "\(root)/.kittify/logs"
    watch(logs, .logs)
    for slug in Self.directories(logs) {
      watch("\(logs)/\(slug)", .missionLogs(slug))
      for wp in Self.directories("\(logs)/\(slug)") { watch("\(logs)/\(slug)/\(wp)", .wpLogs(slug, wp)) }
    }
  }

  static func directories(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { name in
      var isDirectory: ObjCBool = false
      return FileManager.default.fileExists(atPath: "\(path)/\(name)", isDirectory: &isDirectory)
        && isDirectory.boolValue
    }
  }

  /// Starts watching and calls `deliver` with each batch of changes (events within `coalesce` of the first
  /// one of a batch are delivered together). Returns when the task is cancelled.
  public func run(coalesce: Duration = .milliseconds(20), deliver: @escaping @Sendable (Set<Change>) async -> Void)
    async
  {
    rescan()
    let (bytes, continuation) = AsyncStream.makeStream(of: [UInt8].self)
    let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: DispatchQueue(label: "kitty.dashboard.watch"))
    let fd = self.fd
    source.setEventHandler {
      var buffer = [UInt8](repeating: 0, count: 64 << 10)
      while true {
        let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if got <= 0 { break }
        continuation.yield(Array(buffer[0..<got]))
      }
    }
    source.setCancelHandler { close(fd) }
    self.source = source
    source.resume()
    await withTaskCancellationHandler {
      var pending = Set<Change>()
      var deadline: ContinuousClock.Instant?
      // One batch: wait for the first event, then gather what arrives within `coalesce`.
      var iterator = bytes.makeAsyncIterator()
      while let chunk = await iterator.next() {
        pending.formUnion(changes(in: chunk))
        if deadline == nil { deadline = .now + coalesce }
        if let due = deadline, ContinuousClock.now < due {
          try? await Task.sleep(until: due)
        }
        deadline = nil
        if !pending.isEmpty {
          let batch = pending
          pending = []
          await deliver(batch)
        }
      }
      self.source?.cancel()
      self.source = nil
    } onCancel: {
      continuation.finish()
    }
  }

  /// Parses `struct inotify_event` records: wd, mask, cookie, len, then `len` bytes of name.
  func changes(in bytes: [UInt8]) -> Set<Change> {
    var result = Set<Change>()
    var offset = 0
    var needRescan = false
    while offset + 16 <= bytes.count {
      func word(_ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
      }
      let wd = Int32(bitPattern: word(offset))
      let mask = word(offset + 4)
      let length = Int(word(offset + 12))
      let nameBytes = bytes[(offset + 16)..<min(offset + 16 + length, bytes.count)].prefix { $0 != 0 }
      let name = String(decoding: nameBytes, as: UTF8.self)
      offset += 16 + length
      if mask & UInt32(IN_Q_OVERFLOW) != 0 {
        needRescan = true
        result.insert(Change(.missions))
        result.insert(Change(.run))
        continue
      }
      if mask & UInt32(IN_IGNORED) != 0 {
        places[wd] = nil
        continue
      }
      if mask & UInt32(IN_ISDIR) != 0, mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 { needRescan = true }
      guard let place = places[wd] else { continue }
      switch place {
      case .specs:
        needRescan = true
        result.insert(Change(.missions))
      case .mission(let slug):
        result.insert(Change(.mission(slug)))
        result.insert(Change(.missions))
      case .kittify:
        // Only the run state: the lock file is opened for writing by every reader that asks who holds it
        // (this server included), and reacting to that would be a loop.
        if name == "orchestrator-run-state.json" { result.insert(Change(.run)) }
      case .logs, .missionLogs:
        needRescan = true
      case .wpLogs(let slug, let wp):
        result.insert(Change(.log(mission: slug, wp: wp, name: name)))
      }
    }
    if needRescan { rescan() }
    return result
  }
}
