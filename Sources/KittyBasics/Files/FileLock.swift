import Foundation

/// An exclusive `flock(2)` on a file, the same kind of lock Python's `filelock.FileLock` takes, so git-kitty
/// and spec-kitty exclude each other on the same lock file. Released on `unlock()` or deinit.
public final class FileLock {
  public let path: String
  private var descriptor: Int32 = -1

  public enum Failure: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, detail: String)
    case timedOut(path: String, seconds: Double)

    public var description: String {
      switch self {
      case .cannotOpen(let path, let detail): return "cannot open lock file \(path): \(detail)"
      case .timedOut(let path, let seconds):
        return "timed out after \(seconds)s waiting for the lock \(path), held by another process"
      }
    }
  }

  /// Takes the lock, polling every 20 ms up to `timeout` seconds (nil waits for ever).
  public init(path: String, timeout: Double? = 30) throws(Failure) {
    self.path = path
    try? FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .cannotOpen(path: path, detail: String(cString: strerror(errno))) }
    let deadline = timeout.map { Date().addingTimeInterval($0) }
    while flock(fd, LOCK_EX | LOCK_NB) != 0 {
      if errno != EWOULDBLOCK && errno != EINTR {
        let detail = String(cString: strerror(errno))
        close(fd)
        throw .cannotOpen(path: path, detail: detail)
      }
      if let deadline, Date() >= deadline {
        close(fd)
        throw .timedOut(path: path, seconds: timeout ?? 0)
      }
      usleep(20_000)  // usleep: flock has no timed wait; LOCK_NB polling honours the time-out
    }
    descriptor = fd
  }

  public func unlock() {
    guard descriptor >= 0 else { return }
    flock(descriptor, LOCK_UN)
    close(descriptor)
    descriptor = -1
  }

  deinit { unlock() }
}
