import Foundation
import HTTPTypes
import Hummingbird
import KittyCore

/// How the dashboard answers: JSON bodies, errors as `{"error": "..."}` with the matching status.
enum Responses {
  static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
    text(JSONWriter(ensureASCII: false).string(value), type: "application/json; charset=utf-8", status: status)
  }

  static func text(_ text: String, type: String, status: HTTPResponse.Status = .ok) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = type
    headers[.cacheControl] = "no-store"
    headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
    headers[.contentSecurityPolicy] =
      "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
  }

  static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
    json(["error": .string(message)], status: status)
  }

  /// Runs a read or an action; a `DashboardError` becomes its status code.
  static func answer(_ body: () async throws(DashboardError) -> JSONValue) async throws -> Response {
    do {
      return json(try await body())
    } catch {
      switch error {
      case .notFound: return Responses.error(.notFound, error.description)
      case .badRequest: return Responses.error(.badRequest, error.description)
      case .refused: return Responses.error(.forbidden, error.description)
      case .unreadable: return Responses.error(.internalServerError, error.description)
      }
    }
  }

  /// A small JSON request body (actions), `{}` when absent or not an object.
  static func body(_ request: Request) async -> JSONObject {
    guard let buffer = try? await request.body.collect(upTo: 64 << 10),
      case .object(let object)? = try? JSONParser.parse([UInt8](buffer.readableBytesView))
    else { return [:] }
    return object
  }
}

extension Parameters {
  /// A route parameter, as a typed dashboard error when missing.
  func value(_ name: String) throws(DashboardError) -> String {
    guard let value = self.get(name) else { throw .badRequest("missing \(name)") }
    return value
  }
}
