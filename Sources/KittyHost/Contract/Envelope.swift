import Foundation
import KittyCore

/// The one JSON line every orchestrator-api call prints (host-contract §1).
public struct Envelope: Sendable, Equatable {
  public static let contractVersion = "1.5.0"
  public static let minimumProviderVersion = "0.1.0"

  /// The envelope's `contract_version`: 1.5.0, or 1.0.0 for the seed-003 dialect.
  public var contractVersion = Envelope.contractVersion
  public var command: String
  public var success: Bool
  public var errorCode: ErrorCode?
  public var data: JSONObject
  public var timestamp: String
  public var correlationID: String

  public init(command: String, success: Bool, errorCode: ErrorCode?, data: JSONObject) {
    self.command = command
    self.success = success
    self.errorCode = errorCode
    self.data = data
    self.timestamp = Envelope.timestampNow()
    self.correlationID = Envelope.newCorrelationID()
  }

  public static func success(_ verb: String, _ data: JSONObject) -> Envelope {
    Envelope(command: "orchestrator-api.\(verb)", success: true, errorCode: nil, data: data)
  }

  /// A failure: `data` holds the structured fields, then `message` (always present, always canonical).
  public static func failure(_ verb: String?, _ failure: HostFailure) -> Envelope {
    var data = failure.fields
    data["message"] = nil
    data["message"] = .string(failure.message)
    return Envelope(
      command: "orchestrator-api.\(verb ?? "unknown")", success: false, errorCode: failure.code, data: data)
  }

  public var json: JSONValue {
    .object([
      "contract_version": .string(contractVersion),
      "command": .string(command),
      "timestamp": .string(timestamp),
      "correlation_id": .string(correlationID),
      "success": .bool(success),
      "error_code": .optional(errorCode?.rawValue),
      "data": .object(data),
    ])
  }

  /// `json.dumps(envelope)`: one line, Python's separators, non-ASCII escaped.
  public var line: String { JSONWriter.pythonDefault.string(json) }

  /// Python's `datetime.now(timezone.utc).isoformat()`.
  public static func timestampNow() -> String { Timestamp.isoNow() }

  /// `"corr-" + uuid4().hex`.
  public static func newCorrelationID() -> String {
    // The UUID's bytes in lower-case hex: what its string without dashes is, without NSString's replacing.
    let hex = Array("0123456789abcdef".utf8)
    var text = Array("corr-".utf8)
    text.reserveCapacity(37)
    withUnsafeBytes(of: UUID().uuid) { bytes in
      for byte in bytes {
        text.append(hex[Int(byte >> 4)])
        text.append(hex[Int(byte & 0x0F)])
      }
    }
    return String(decoding: text, as: UTF8.self)
  }
}
