import Foundation
import Yams

/// YAML documents read into `JSONValue`, so the rest of the code handles one tree type.
public enum YAML {
  public struct ParseError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
  }

  /// Parses one YAML document. An empty document is `.null`.
  public static func parse(_ text: String) throws(ParseError) -> JSONValue {
    do {
      guard let node = try Yams.compose(yaml: text) else { return .null }
      return convert(node)
    } catch {
      throw ParseError(message: describe(error))
    }
  }

  private static func describe(_ error: Error) -> String {
    let text = "\(error)"
    // Yams prefixes messages with the source snippet; keep the first line, which names line and column.
    return text.split(separator: "\n").first.map(String.init) ?? text
  }

  static func convert(_ node: Node) -> JSONValue {
    switch node {
    case .scalar(let scalar):
      switch node.tag.description {
      case Tag.Name.null.rawValue: return .null
      case Tag.Name.bool.rawValue: return node.bool.map { .bool($0) } ?? .string(scalar.string)
      case Tag.Name.int.rawValue: return node.int.map { .int($0) } ?? .string(scalar.string)
      case Tag.Name.float.rawValue: return node.float.map { .double($0) } ?? .string(scalar.string)
      default: return .string(scalar.string)
      }
    case .mapping(let mapping):
      var object = JSONObject()
      for (key, value) in mapping {
        let name = key.scalar?.string ?? "\(key)"
        object[name] = convert(value)
      }
      return .object(object)
    case .sequence(let sequence):
      return .array(sequence.map(convert))
    case .alias:
      return .null
    }
  }
}
