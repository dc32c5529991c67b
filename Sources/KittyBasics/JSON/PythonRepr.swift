import Foundation

/// Python's `str()` of a value `json.loads` produced: strings as they are, `None`/`True`/`False`, and containers
/// as their `repr` (`{'a': [1, True]}`), which is what spec-kitty writes when it stringifies a field.
public enum PythonRepr {
  public static func str(_ value: JSONValue) -> String {
    if case .string(let text) = value { return text }
    return repr(value)
  }

  public static func repr(_ value: JSONValue) -> String {
    switch value {
    case .null: return "None"
    case .bool(let flag): return flag ? "True" : "False"
    case .int(let number): return String(number)
    case .double(let number): return JSONWriter.pythonFloat(number)
    case .string(let text): return quoted(text)
    case .array(let items): return "[" + items.map(repr).joined(separator: ", ") + "]"
    case .object(let object):
      return "{" + object.entries.map { "\(quoted($0.key)): \(repr($0.value))" }.joined(separator: ", ") + "}"
    }
  }

  /// `repr(str)`: single quotes unless the text has one and no double quote; backslash escapes for the quote,
  /// the backslash and control characters.
  static func quoted(_ text: String) -> String {
    let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
    var out = String(quote)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where Character(scalar) == quote: out += "\\" + String(quote)
      case _ where scalar.value < 0x20 || scalar.value == 0x7F:
        out += "\\x" + String(format: "%02x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    out.append(quote)
    return out
  }
}
