import Foundation

/// Writes JSON exactly as Python's `json.dumps` does, so files git-kitty writes are byte-identical
/// to spec-kitty's: `", "`/`": "` separators, `indent` pretty-printing, `sort_keys`, `ensure_ascii`.
public struct JSONWriter: Sendable {
  public var indent: Int?
  public var sortKeys: Bool
  public var ensureASCII: Bool

  public init(indent: Int? = nil, sortKeys: Bool = false, ensureASCII: Bool = true) {
    self.indent = indent
    self.sortKeys = sortKeys
    self.ensureASCII = ensureASCII
  }

  /// `json.dumps(value)`: compact one-line form with Python's default separators.
  public static let pythonDefault = JSONWriter()
  /// `json.dumps(value, sort_keys=True)`: the event-log line form.
  public static let sortedLine = JSONWriter(sortKeys: true)
  /// `json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)`: status.json.
  public static let snapshotFile = JSONWriter(indent: 2, sortKeys: true, ensureASCII: false)

  public func string(_ value: JSONValue) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(256)
    write(value, level: 0, into: &out)
    return String(decoding: out, as: UTF8.self)
  }

  func write(_ value: JSONValue, level: Int, into out: inout [UInt8]) {
    switch value {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
    case .int(let i): out.append(contentsOf: String(i).utf8)
    case .double(let d): out.append(contentsOf: JSONWriter.pythonFloat(d).utf8)
    case .string(let s): writeString(s, into: &out)
    case .array(let items):
      if items.isEmpty {
        out.append(contentsOf: "[]".utf8)
        return
      }
      out.append(UInt8(ascii: "["))
      for (i, item) in items.enumerated() {
        if i > 0 { out.append(contentsOf: itemSeparator) }
        newline(level + 1, into: &out)
        write(item, level: level + 1, into: &out)
      }
      newline(level, into: &out)
      out.append(UInt8(ascii: "]"))
    case .object(let object):
      if object.isEmpty {
        out.append(contentsOf: "{}".utf8)
        return
      }
      out.append(UInt8(ascii: "{"))
      let entries = sortKeys ? object.entries.sorted { JSONWriter.pythonLess($0.key, $1.key) } : object.entries
      for (i, entry) in entries.enumerated() {
        if i > 0 { out.append(contentsOf: itemSeparator) }
        newline(level + 1, into: &out)
        writeString(entry.key, into: &out)
        out.append(contentsOf: ": ".utf8)
        write(entry.value, level: level + 1, into: &out)
      }
      newline(level, into: &out)
      out.append(UInt8(ascii: "}"))
    }
  }

  private var itemSeparator: [UInt8] { indent == nil ? Self.compactSeparator : Self.indentedSeparator }
  private static let compactSeparator = Array(", ".utf8)
  private static let indentedSeparator = [UInt8(ascii: ",")]

  private func newline(_ level: Int, into out: inout [UInt8]) {
    guard let indent else { return }
    out.append(0x0A)
    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
  }

  /// Python compares str keys by code point.
  static func pythonLess(_ a: String, _ b: String) -> Bool {
    // UTF-8 keeps code point order byte by byte.
    a.utf8.lexicographicallyPrecedes(b.utf8)
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)

  private func writeString(_ s: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    // Most strings need no escape: copy their bytes at once, and take the per-scalar path only for the others.
    let plain = s.utf8.allSatisfy { byte in
      byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && (byte < 0x80 || !ensureASCII)
    }
    if plain {
      out.append(contentsOf: s.utf8)
      out.append(UInt8(ascii: "\""))
      return
    }
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out.append(contentsOf: "\\\"".utf8)
      case "\\": out.append(contentsOf: "\\\\".utf8)
      case "\n": out.append(contentsOf: "\\n".utf8)
      case "\r": out.append(contentsOf: "\\r".utf8)
      case "\t": out.append(contentsOf: "\\t".utf8)
      case "\u{08}": out.append(contentsOf: "\\b".utf8)
      case "\u{0C}": out.append(contentsOf: "\\f".utf8)
      default:
        let v = scalar.value
        if v < 0x20 {
          appendUnicodeEscape(UInt16(v), into: &out)
        } else if v < 0x80 || !ensureASCII {
          out.append(contentsOf: String(scalar).utf8)
        } else if v < 0x10000 {
          appendUnicodeEscape(UInt16(v), into: &out)
        } else {
          let offset = v - 0x10000
          appendUnicodeEscape(UInt16(0xD800 + (offset >> 10)), into: &out)
          appendUnicodeEscape(UInt16(0xDC00 + (offset & 0x3FF)), into: &out)
        }
      }
    }
    out.append(UInt8(ascii: "\""))
  }

  private func appendUnicodeEscape(_ unit: UInt16, into out: inout [UInt8]) {
    out.append(contentsOf: "\\u".utf8)
    for shift in stride(from: 12, through: 0, by: -4) {
      out.append(JSONWriter.hexDigits[Int((unit >> UInt16(shift)) & 0xF)])
    }
  }

  /// Python's `repr(float)`: shortest round-trip digits, exponent form outside 1e-4 ..< 1e16.
  static func pythonFloat(_ d: Double) -> String {
    if d.isNaN { return "NaN" }
    if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
    if d == d.rounded(), abs(d) < 1e16 {
      return String(format: "%.1f", d)
    }
    var text = "\(d)"
    // Swift writes "1e-05" and "1e+16" like Python; make sure an exponent always carries a sign.
    if let e = text.firstIndex(of: "e"), text[text.index(after: e)] != "-", text[text.index(after: e)] != "+" {
      text.insert("+", at: text.index(after: e))
    }
    return text
  }
}
