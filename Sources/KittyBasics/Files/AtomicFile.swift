import Foundation

/// Writes files so that readers see either the old or the new content, never a mix, and the change survives
/// a crash: write a temporary file in the same directory, fsync it, rename it over the target, fsync the directory.
public enum AtomicFile {
  public struct Failure: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let detail: String
    public var description: String { "cannot write \(path): \(detail)" }

    package init(path: String, detail: String) {
      self.path = path
      self.detail = detail
    }
  }

  /// Removes the temporary files that writers killed mid-write (kill -9) left in `directory`: those whose
  /// process is gone. Returns their names.
  @discardableResult
  public static func removeStaleTemporaries(in directory: String) -> [String] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
    var removed: [String] = []
    for name in names where name.hasPrefix(".") {
      guard let range = name.range(of: ".tmp-", options: .backwards) else { continue }
      let rest = name[range.upperBound...].split(separator: "-")
      guard rest.count == 2, let pid = Int32(rest[0]), UInt32(rest[1]) != nil else { continue }
      if kill(pid, 0) == 0 || errno == EPERM { continue }  // its writer is still running
      if unlink("\(directory)/\(name)") == 0 { removed.append(name) }
    }
    return removed
  }

  /// `durable: false` skips both fsyncs: still atomic for readers and across a killed process, but a power loss may
  /// lose the change (the orchestrator's run state, rewritten many times per WP, is such a file).
  public static func write(_ data: Data, to path: String, mode: mode_t = 0o644, durable: Bool = true)
    throws(Failure)
  {
    let (directory, name) = split(path)
    guard !name.isEmpty else { throw Failure(path: path, detail: "the path names no file") }
    let temp = "\(directory)/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    guard fd >= 0 else { throw Failure(path: path, detail: String(cString: strerror(errno))) }
    var written = 0
    let ok = data.withUnsafeBytes { raw -> Bool in
      while written < raw.count {
        let n = Foundation.write(fd, raw.baseAddress! + written, raw.count - written)
        if n < 0 {
          if errno == EINTR { continue }
          return false
        }
        written += n
      }
      return !durable || fsync(fd) == 0
    }
    let detail = ok ? "" : String(cString: strerror(errno))
    close(fd)
    KillPoint.reach("atomic-temp-written:\(name)")
    guard ok, rename(temp, path) == 0 else {
      let reason = ok ? String(cString: strerror(errno)) : detail
      unlink(temp)
      throw Failure(path: path, detail: reason)
    }
    let dirFD = durable ? open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1
    if dirFD >= 0 {
      fsync(dirFD)
      close(dirFD)
    }
  }

  /// The directory and the file name of `path`. A bare name (git hands merge drivers `.merge_file_XXXX`) lives in
  /// the current directory, never in `/`; NSString's path methods trap on some short relative names.
  static func split(_ path: String) -> (directory: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let name = String(path[path.index(after: slash)...])
    let directory = String(path[..<slash])
    return (directory.isEmpty ? "/" : directory, name)
  }

  public static func write(_ text: String, to path: String) throws(Failure) {
    try write(Data(text.utf8), to: path)
  }
}
