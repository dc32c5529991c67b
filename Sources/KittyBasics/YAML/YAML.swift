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
    if let fast = SimpleYAML.parse(text) { return fast }
    return try parseFully(text)
  }

  /// The full YAML parser (libyaml through Yams), used when the fast reader declines.
  static func parseFully(_ text: String) throws(ParseError) -> JSONValue {
    do {
      guard let node = try Yams.compose(yaml: text, .basic) else { return .null }
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

  /// YAML 1.2 core schema resolution of a plain scalar: null, bool, int, float, else string.
  static func resolvePlain(_ text: String) -> JSONValue {
    // Most plain scalars are words: only these first bytes can start a null, bool, number or special float
    // (comparing every scalar with the 25 spellings below was a visible part of reading 1,000 WP files).
    guard let lead = text.utf8.first else { return .null }
    switch lead {
    case UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"),
      UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "-"),
      UInt8(ascii: "0")...UInt8(ascii: "9"):
      break
    default: return .string(text)
    }
    switch text {
    case "", "~", "null", "Null", "NULL": return .null
    case "true", "True", "TRUE": return .bool(true)
    case "false", "False", "FALSE": return .bool(false)
    case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
    case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
    case ".nan", ".NaN", ".NAN": return .double(.nan)
    default: break
    }
    guard let first = text.unicodeScalars.first,
      first == "-" || first == "+" || first == "." || ("0"..."9").contains(first)
    else { return .string(text) }
    if let int = Int(text) { return .int(int) }
    if text.hasPrefix("0o"), let int = Int(text.dropFirst(2), radix: 8) { return .int(int) }
    if text.hasPrefix("0x"), let int = Int(text.dropFirst(2), radix: 16) { return .int(int) }
    let floatChars = Set("0123456789.eE+-")
    if text.allSatisfy({ floatChars.contains($0) }), text.contains(where: \.isNumber), let double = Double(text) {
      return .double(double)
    }
    return .string(text)
  }

  static func convert(_ node: Node) -> JSONValue {
    switch node {
    case .scalar(let scalar):
      // Quoted and block scalars are strings; plain ones resolve with YAML 1.2's core schema (as ruamel does).
      guard scalar.style == .plain || scalar.style == .any else { return .string(scalar.string) }
      if scalar.tag.description == Tag.Name.str.rawValue { return .string(scalar.string) }
      return resolvePlain(scalar.string)
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
