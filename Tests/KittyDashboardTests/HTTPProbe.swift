import Foundation

/// A minimal HTTP/1.1 client over a loopback socket, so a test sees exactly what the server sends (status,
/// headers, a streamed body as it arrives) without a client library in between.
struct HTTPProbe {
  struct Reply {
    var status: Int
    var headers: [String: String]
    var body: String
    var json: [String: Any] {
      (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
  }

  let port: Int

  static func connect(port: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ProbeError("socket failed") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {
      close(fd)
      throw ProbeError("connect failed")
    }
    return fd
  }

  static func send(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    var sent = 0
    while sent < bytes.count {
      let n = bytes.withUnsafeMutableBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, 0) }
      if n <= 0 { return }
      sent += n
    }
  }

  func requestText(
    _ method: String, _ target: String, headers: [String: String] = [:], body: String? = nil
  ) -> String {
    var head = "\(method) \(target) HTTP/1.1\r\nConnection: close\r\n"
    var all = headers
    if all["Host"] == nil { all["Host"] = "127.0.0.1:\(port)" }
    if let body { all["Content-Length"] = String(body.utf8.count) }
    for (name, value) in all.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
    return head + "\r\n" + (body ?? "")
  }

  /// Sends one request and reads the whole reply (the server closes the connection).
  func request(_ target: String, headers: [String: String] = [:]) throws -> Reply {
    try request("GET", target, headers: headers)
  }

  func request(_ method: String, _ target: String, headers: [String: String] = [:], body: String? = nil)
    throws -> Reply
  {
    let fd = try Self.connect(port: port)
    defer { close(fd) }
    Self.send(fd, requestText(method, target, headers: headers, body: body))
    var data = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
      if n <= 0 { break }
      data += buffer[0..<n]
    }
    return try Self.parse(data)
  }

  static func parse(_ data: [UInt8]) throws -> Reply {
    let text = String(decoding: data, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { throw ProbeError("no header end in \(text.prefix(200))") }
    let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
    let status = Int(lines[0].split(separator: " ")[1]) ?? 0
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    var body = String(text[split.upperBound...])
    if headers["transfer-encoding"] == "chunked" { body = dechunk(body) }
    return Reply(status: status, headers: headers, body: body)
  }

  static func dechunk(_ text: String) -> String {
    var bytes = Substring(text)
    var out = ""
    while let line = bytes.range(of: "\r\n") {
      guard let size = Int(bytes[..<line.lowerBound], radix: 16), size > 0 else { break }
      let start = line.upperBound
      let utf8 = bytes.utf8
      let end = utf8.index(start, offsetBy: size)
      out += String(bytes[start..<end])
      bytes = bytes[end...].dropFirst(2)
    }
    return out
  }
}

/// A server-sent event stream held open: `waitFor` reads until a text appears or the time is up.
final class EventStreamProbe {
  let fd: Int32
  private(set) var received = ""

  init(port: Int, target: String) throws {
    fd = try HTTPProbe.connect(port: port)
    HTTPProbe.send(fd, HTTPProbe(port: port).requestText("GET", target))
  }

  deinit { close(fd) }

  /// Whether `text` arrived within `seconds` (counted from now).
  func waitFor(_ text: String, seconds: Double) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while !received.contains(text) {
      let left = deadline.timeIntervalSinceNow
      if left <= 0 { return false }
      var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard poll(&poller, 1, Int32(left * 1000) + 1) > 0 else { continue }
      let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
      if n <= 0 { return received.contains(text) }
      received += String(decoding: buffer[0..<n], as: UTF8.self)
    }
    return true
  }
}

struct ProbeError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
