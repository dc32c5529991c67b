import Foundation

/// Reads a whole file strictly: a file that does not exist is `nil`, and every other failure (no permission, a
/// directory, an I/O error) is an error. `FileManager.contents(atPath:)` answers `nil` for all of these, which
/// made writers treat an unreadable file as absent and overwrite it.
public enum FileBytes {
  public struct Failure: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    public let path: String
    public let detail: String
    public var description: String { "cannot read \(path): \(detail)" }
    public var errorDescription: String? { description }
  }

  /// The file's bytes, or nil when nothing exists at `path`.
  public static func read(_ path: String) throws(Failure) -> Data? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
      if errno == ENOENT { return nil }
      throw Failure(path: path, detail: String(cString: strerror(errno)))
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw Failure(path: path, detail: String(cString: strerror(errno))) }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw Failure(path: path, detail: "it is a directory") }
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let got = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress!, $0.count) }
      if got < 0 {
        if errno == EINTR { continue }
        throw Failure(path: path, detail: String(cString: strerror(errno)))
      }
      if got == 0 { return data }
      data.append(contentsOf: buffer[0..<got])
    }
  }
}
