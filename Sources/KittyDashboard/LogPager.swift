import Foundation
import KittyBasics
import KittyCore

/// Reads one page of a log file by byte offset, so a log larger than memory is served a page at a time and a
/// tail only reads its last page. Pages end on a line boundary where one is near, and never split a UTF-8
/// character (the client asks for the next page at `next_offset`).
public enum LogPager {
  public struct Page: Sendable, Equatable {
    public var offset: Int
    public var nextOffset: Int
    public var size: Int
    public var text: String

    public var json: JSONValue {
      [
        "offset": .int(offset), "next_offset": .int(nextOffset), "size": .int(size), "text": .string(text),
        "eof": .bool(nextOffset >= size),
      ]
    }
  }

  public static let maximumPage = 1 << 20

  /// `offset` nil: the last `limit` bytes, starting after a newline. nil when the file cannot be opened.
  public static func page(path: String, offset requested: Int?, limit requestedLimit: Int) -> Page? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    let size = Int(info.st_size)
    let limit = max(1, min(requestedLimit, maximumPage))
    let tail = requested == nil
    var offset = min(max(requested ?? (size - limit), 0), size)
    var buffer = [UInt8](repeating: 0, count: min(limit, size - offset))
    let got = buffer.withUnsafeMutableBytes { raw in
      raw.count == 0 ? 0 : pread(fd, raw.baseAddress!, raw.count, off_t(offset))
    }
    guard got >= 0 else { return nil }
    buffer.removeLast(buffer.count - got)
    // A tail that starts mid-line drops the partial first line (unless it is the only line).
    if tail, offset > 0, let newline = buffer.firstIndex(of: 0x0A), newline + 1 < buffer.count {
      buffer.removeFirst(newline + 1)
      offset += newline + 1
    }
    // A page that ends mid-file ends after its last newline, or at least before a split character.
    if offset + buffer.count < size {
      if let newline = buffer.lastIndex(of: 0x0A), newline > buffer.count / 2 {
        buffer.removeLast(buffer.count - newline - 1)
      } else {
        var cut = buffer.count
        while cut > 0, cut > buffer.count - 4, buffer[cut - 1] & 0xC0 == 0x80 { cut -= 1 }
        if cut > 0, buffer[cut - 1] >= 0xC0 { cut -= 1 }
        if cut > 0 { buffer.removeLast(buffer.count - cut) }
      }
    }
    return Page(
      offset: offset, nextOffset: offset + buffer.count, size: size, text: String(decoding: buffer, as: UTF8.self))
  }
}

/// Runs `git` for text the dashboard shows (diffs): scrubbed environment, a time-out, output cut at `limit`.
enum GitText {
  struct Output: Sendable {
    var text: String
    var truncated: Bool
  }

  static func run(_ arguments: [String], in directory: String, limit: Int) async -> Output? {
    let file = NSTemporaryDirectory() + "kitty-dashboard-git-\(getpid())-\(UUID().uuidString.prefix(8))"
    defer { unlink(file) }
    var request = ProcessRequest(
      argv: ["git"] + arguments, directory: directory, environment: ProcessEnvironment.scrubbed(),
      timeout: .seconds(20))
    request.outputFile = file
    request.errorFile = "/dev/null"
    guard case .success(let result) = await ProcessRunner.run(request), result.status.isSuccess,
      let page = LogPager.page(path: file, offset: 0, limit: limit)
    else { return nil }
    return Output(text: page.text, truncated: page.nextOffset < page.size)
  }
}
