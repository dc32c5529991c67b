import Foundation

/// Envelope comparison that normalises only what may differ between runs: the timestamp, the
/// correlation id, absolute repository paths and mission ids (given as substitutions).
public enum GoldenJSON {
  public static func parse(_ line: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
      throw TestFailure("not a JSON object: \(line)")
    }
    return object
  }

  /// Applies `substitutions` to every string in `value` (keys too).
  public static func substitute(_ value: Any, _ substitutions: [(String, String)]) -> Any {
    switch value {
    case let s as String:
      return substitutions.reduce(s) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    case let array as [Any]:
      return array.map { substitute($0, substitutions) }
    case let dict as [String: Any]:
      var out: [String: Any] = [:]
      for (k, v) in dict { out[substitute(k, substitutions) as! String] = substitute(v, substitutions) }
      return out
    default:
      return value
    }
  }

  /// Canonical text of a JSON value (sorted keys) for equality checks with readable failures.
  public static func canonical(_ value: Any) -> String {
    let data = try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
    return String(decoding: data, as: UTF8.self)
  }

  /// Checks the envelope frame: keys in spec-kitty's order, timestamp and correlation id shapes.
  public static func frameProblems(_ line: String) -> [String] {
    var problems: [String] = []
    let keys = ["contract_version", "command", "timestamp", "correlation_id", "success", "error_code", "data"]
    var position = line.startIndex
    for key in keys {
      guard let range = line.range(of: "\"\(key)\": ", range: position..<line.endIndex) else {
        problems.append("key \(key) missing or out of order")
        continue
      }
      position = range.upperBound
    }
    if line.range(of: #""timestamp": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00""#, options: .regularExpression)
      == nil
    {
      problems.append("timestamp format")
    }
    if line.range(of: #""correlation_id": "corr-[0-9a-f]{32}""#, options: .regularExpression) == nil {
      problems.append("correlation_id format")
    }
    if line.contains("\n") { problems.append("more than one line") }
    return problems
  }
}
