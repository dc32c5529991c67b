import Foundation

/// Writing whole texts to file descriptors and appending to files (logs), retrying short writes.
public enum FileAppend {
  /// Writes all of `text` to `fd`; stops quietly at an error (a log that cannot be written must not stop a run).
  public static func write(_ fd: Int32, _ text: String) {
    guard fd >= 0 else { return }
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeMutableBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
      if written <= 0 { return }
      offset += written
    }
  }

  /// Appends `text` to the file at `path`, creating it (and its directory) when missing.
  public static func append(_ text: String, to path: String) {
    try? FileManager.default.createDirectory(atPath: FilePaths.directory(of: path), withIntermediateDirectories: true)
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return }
    defer { close(fd) }
    write(fd, text)
  }

  /// Replaces the file at `path` with `text` in place (truncate, write; not synced), creating it (and its
  /// directory): for copies kept for logs, where neither a temporary file nor an fsync is worth its cost (Foundation's
  /// writes sync the file even when not atomic). False when the file cannot be opened.
  @discardableResult
  public static func replace(_ path: String, with text: String) -> Bool {
    try? FileManager.default.createDirectory(atPath: FilePaths.directory(of: path), withIntermediateDirectories: true)
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    write(fd, text)
    return true
  }
}
