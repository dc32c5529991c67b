import Foundation
import HTTPTypes
import Hummingbird

/// Who may talk to the dashboard: a request must carry the session token (in the URL printed at start, as a
/// cookie the index page sets, or in `X-Kitty-Token`) and name this server in its Host header (a page on another
/// site that rebinds a name to 127.0.0.1 is refused). Actions also need a token of a page this server served
/// and an Origin header of this server.
public struct AccessGuard: Sendable {
  public let token: String
  public let port: Int
  public let boundHost: String

  public init(token: String, port: Int, boundHost: String) {
    self.token = token
    self.port = port
    self.boundHost = boundHost
  }

  /// 32 random bytes, hex.
  public static func makeToken() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<4).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(16) }.joined()
  }

  var cookieName: String { "kitty_token_\(port)" }

  var allowedHosts: Set<String> {
    var hosts: Set<String> = ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"]
    hosts.insert(boundHost.contains(":") ? "[\(boundHost)]:\(port)" : "\(boundHost):\(port)")
    return hosts
  }

  var allowedOrigins: Set<String> { Set(allowedHosts.map { "http://\($0)" }) }

  func presentedToken(_ request: Request) -> String? {
    if let query = request.uri.queryParameters["token"] { return String(query) }
    if let header = request.headers[HTTPField.Name("X-Kitty-Token")!] { return header }
    return request.cookies[cookieName]?.value
  }

  func hostAllowed(_ request: Request) -> Bool {
    guard let host = request.head.authority else { return false }
    return allowedHosts.contains(host.lowercased())
  }

  func tokenValid(_ request: Request) -> Bool {
    guard let presented = presentedToken(request) else { return false }
    return Self.constantTimeEqual(presented, token)
  }

  func originAllowed(_ request: Request) -> Bool {
    guard let origin = request.headers[.origin] else { return false }
    return allowedOrigins.contains(origin.lowercased())
  }

  static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let (x, y) = (Array(a.utf8), Array(b.utf8))
    guard x.count == y.count else { return false }
    return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
  }
}

/// Refuses a request without the session token or with a foreign Host header, before any route runs.
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
  let options: DashboardOptions
  let portBox: PortBox

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws -> Response
  {
    let access = AccessGuard(token: options.token, port: await portBox.port, boundHost: options.host)
    guard access.hostAllowed(request) else {
      return Responses.error(.forbidden, "this dashboard answers only to its own address")
    }
    guard access.tokenValid(request) else {
      return Responses.error(.unauthorized, "a valid token is required: open the URL git kitty dashboard printed")
    }
    return try await next(request, context)
  }
}

/// The page tokens of index pages this server served: an action must carry one (a form elsewhere cannot).
public actor PageTokens {
  private var tokens: [String] = []

  public init() {}

  public func issue() -> String {
    let token = AccessGuard.makeToken()
    tokens.append(token)
    if tokens.count > 256 { tokens.removeFirst(tokens.count - 256) }
    return token
  }

  public func isValid(_ token: String?) -> Bool {
    guard let token else { return false }
    return tokens.contains { AccessGuard.constantTimeEqual($0, token) }
  }
}

extension String {
  fileprivate func leftPadded(_ width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
