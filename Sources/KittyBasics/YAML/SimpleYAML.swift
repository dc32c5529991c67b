/// A fast reader for the block-style YAML that spec-kitty writes in WP frontmatter: mappings, block
/// sequences of scalars or small mappings, empty or one-line flow sequences, plain and quoted scalars,
/// comments. Anything else (anchors, tags, block scalars, multi-line scalars, nested flow) returns nil and the
/// caller falls back to the full YAML parser, so this only ever speeds up, never changes, what is read.
enum SimpleYAML {
  struct Line {
    let indent: Int
    let text: Substring  // without indentation and trailing comment/space
    let number: Int
  }

  static func parse(_ source: String) -> JSONValue? {
    var lines: [Line] = []
    var number = 0
    for rawBytes in source.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
      number += 1
      if rawBytes.contains(0x09) { return nil }
      // Bytes, not Characters: Substring's character views break graphemes, and this runs on every line of
      // every WP file a read verb loads (1,000 files on a cold read of a large mission).
      var line = Substring(rawBytes)
      if line.utf8.last == 0x0D { line = Substring(line.utf8.dropLast()) }
      let indent = line.utf8.prefix { $0 == 0x20 }.count
      let body = Substring(line.utf8.dropFirst(indent))
      guard let first = body.utf8.first, first != UInt8(ascii: "#") else { continue }
      if first == UInt8(ascii: "%") || body.utf8.elementsEqual("---".utf8) || body.utf8.elementsEqual("...".utf8) {
        return nil
      }
      guard let stripped = stripComment(body) else { return nil }
      lines.append(Line(indent: indent, text: stripped, number: number))
    }
    if lines.isEmpty { return .null }
    var index = 0
    guard lines[0].indent == 0, let value = parseMapping(&lines, &index, indent: 0), index == lines.count else {
      return nil
    }
    return value
  }

  /// Removes a trailing ` # comment` outside quotes; nil when quoting is unbalanced.
  static func stripComment(_ text: Substring) -> Substring? {
    // Frontmatter lines are nearly always ASCII, where bytes are characters and grapheme breaking is wasted work.
    text.utf8.allSatisfy({ $0 < 0x80 }) ? stripASCIIComment(text) : stripCommentByCharacter(text)
  }

  /// `stripComment` for any text, character by character.
  static func stripCommentByCharacter(_ text: Substring) -> Substring? {
    var inSingle = false
    var inDouble = false
    var previous: Character = " "
    var escaped = false
    for index in text.indices {
      let c = text[index]
      if inDouble {
        if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inDouble = false }
      } else if inSingle {
        if c == "'" { inSingle = false }
      } else if c == "#" && previous == " " {
        return trimTrailing(text[..<index])
      } else if c == "'" && (previous == " " || previous == "[" || previous == "," || index == text.startIndex) {
        inSingle = true
      } else if c == "\"" && (previous == " " || previous == "[" || previous == "," || index == text.startIndex) {
        inDouble = true
      }
      previous = c
    }
    return trimTrailing(text)
  }

  /// `stripComment` for ASCII text, byte by byte.
  static func stripASCIIComment(_ text: Substring) -> Substring? {
    let bytes = text.utf8
    var inSingle = false
    var inDouble = false
    var previous = UInt8(ascii: " ")
    var escaped = false
    for index in bytes.indices {
      let c = bytes[index]
      let opensQuote =
        previous == UInt8(ascii: " ") || previous == UInt8(ascii: "[") || previous == UInt8(ascii: ",")
        || index == bytes.startIndex
      if inDouble {
        if escaped {
          escaped = false
        } else if c == UInt8(ascii: "\\") {
          escaped = true
        } else if c == UInt8(ascii: "\"") {
          inDouble = false
        }
      } else if inSingle {
        if c == UInt8(ascii: "'") { inSingle = false }
      } else if c == UInt8(ascii: "#") && previous == UInt8(ascii: " ") {
        return trimTrailing(text[..<index])
      } else if c == UInt8(ascii: "'") && opensQuote {
        inSingle = true
      } else if c == UInt8(ascii: "\"") && opensQuote {
        inDouble = true
      }
      previous = c
    }
    return trimTrailing(text)
  }

  static func trimTrailing(_ text: Substring) -> Substring {
    var end = text.utf8.endIndex
    while end > text.utf8.startIndex, text.utf8[text.utf8.index(before: end)] == 0x20 {
      end = text.utf8.index(before: end)
    }
    return Substring(text.utf8[..<end])
  }

  /// Splits `key: rest` (rest may be empty); nil when the line is not a mapping entry we handle.
  static func splitKey(_ text: Substring) -> (String, Substring)? {
    let bytes = text.utf8
    guard let first = bytes.first, !notAKeyStart.contains(first) else { return nil }
    guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return nil }
    let after = bytes.index(after: colon)
    guard after == bytes.endIndex || bytes[after] == 0x20 else { return nil }
    let key = bytes[..<colon]
    if key.contains(0x23) || key.last == 0x20 { return nil }
    let rest = Substring(bytes[after...].drop { $0 == 0x20 })
    return (String(Substring(key)), rest)
  }

  /// First bytes of a line that is not a `key: value` entry we read.
  static let notAKeyStart: [UInt8] = Array("-[{\"'?&*!|>".utf8)
  /// First bytes of a plain scalar that YAML gives a meaning we do not read.
  static let notAPlainStart: [UInt8] = Array("&*!|>%@`{}[]".utf8)

  static func isItem(_ text: Substring) -> Bool {
    let bytes = text.utf8
    guard bytes.first == UInt8(ascii: "-") else { return false }
    let second = bytes.index(after: bytes.startIndex)
    return second == bytes.endIndex || bytes[second] == 0x20
  }

  static func parseMapping(_ lines: inout [Line], _ index: inout Int, indent: Int) -> JSONValue? {
    var object = JSONObject()
    while index < lines.count, lines[index].indent == indent {
      let line = lines[index]
      guard let (key, rest) = splitKey(line.text) else { return nil }
      if object.contains(key) { return nil }  // duplicate keys: let the full parser report them
      index += 1
      if !rest.isEmpty {
        guard let value = scalarOrFlow(rest) else { return nil }
        object[key] = value
        continue
      }
      // Block value: a sequence at the same or deeper indentation, or a deeper mapping; else null.
      if index < lines.count, isItem(lines[index].text), lines[index].indent >= indent {
        guard let seq = parseSequence(&lines, &index, indent: lines[index].indent) else { return nil }
        object[key] = seq
      } else if index < lines.count, lines[index].indent > indent {
        guard let map = parseMapping(&lines, &index, indent: lines[index].indent) else { return nil }
        object[key] = map
      } else {
        object[key] = .null
      }
    }
    if index < lines.count, lines[index].indent > indent { return nil }
    return .object(object)
  }

  static func parseSequence(_ lines: inout [Line], _ index: inout Int, indent: Int) -> JSONValue? {
    var items: [JSONValue] = []
    while index < lines.count, lines[index].indent == indent, isItem(lines[index].text) {
      let line = lines[index]
      let rest = Substring(line.text.utf8.dropFirst(2).drop { $0 == 0x20 })
      index += 1
      if rest.isEmpty { return nil }
      if let (key, value) = splitKey(rest) {
        // "- key: value" starts a mapping whose other keys sit at indent + 2.
        let itemIndent = indent + 2
        var object = JSONObject()
        if value.isEmpty { return nil }
        guard let first = scalarOrFlow(value) else { return nil }
        object[key] = first
        if index < lines.count, lines[index].indent == itemIndent {
          guard case .object(let more)? = parseMapping(&lines, &index, indent: itemIndent) else { return nil }
          for (k, v) in more {
            if object.contains(k) { return nil }
            object[k] = v
          }
        }
        items.append(.object(object))
      } else {
        guard let value = scalarOrFlow(rest) else { return nil }
        items.append(value)
      }
    }
    return .array(items)
  }

  static func scalarOrFlow(_ text: Substring) -> JSONValue? {
    if text.utf8.first == UInt8(ascii: "[") {
      guard text.hasSuffix("]") else { return nil }
      let inner = String(text.dropFirst().dropLast()).trimmingWhitespace
      if inner.isEmpty { return .array([]) }
      var items: [JSONValue] = []
      for part in splitFlow(Substring(inner)) {
        let item = String(part).trimmingWhitespace
        if item.isEmpty || item.hasPrefix("[") || item.hasPrefix("{") { return nil }
        guard let value = scalar(Substring(item), inFlow: true) else { return nil }
        items.append(value)
      }
      return .array(items)
    }
    if text == "{}" { return .object(JSONObject()) }
    return scalar(text, inFlow: false)
  }

  /// Splits a flow sequence body on commas outside quotes.
  static func splitFlow(_ text: Substring) -> [Substring] {
    var parts: [Substring] = []
    var start = text.startIndex
    var inSingle = false
    var inDouble = false
    for index in text.indices {
      let c = text[index]
      if c == "'" && !inDouble { inSingle.toggle() }
      if c == "\"" && !inSingle { inDouble.toggle() }
      if c == "," && !inSingle && !inDouble {
        parts.append(text[start..<index])
        start = text.index(after: index)
      }
    }
    parts.append(text[start...])
    return parts
  }

  static func scalar(_ text: Substring, inFlow: Bool) -> JSONValue? {
    if text.utf8.first == UInt8(ascii: "'") {
      guard text.count >= 2, text.hasSuffix("'") else { return nil }
      let body = text.dropFirst().dropLast()
      // '' is an escaped quote; a lone ' inside means we misread the line.
      var result = ""
      var iterator = body.makeIterator()
      while let c = iterator.next() {
        if c == "'" {
          guard iterator.next() == "'" else { return nil }
        }
        result.append(c)
      }
      return .string(result)
    }
    if text.utf8.first == UInt8(ascii: "\"") {
      guard text.count >= 2, text.hasSuffix("\""), let value = try? JSONParser.parse(String(text)),
        case .string = value
      else { return nil }
      return value
    }
    let bytes = text.utf8
    if let first = bytes.first, notAPlainStart.contains(first) { return nil }
    if bytes.last == 0x3A || zip(bytes, bytes.dropFirst()).contains(where: { $0 == 0x3A && $1 == 0x20 }) { return nil }
    if inFlow && bytes.contains(where: { $0 == 0x7B || $0 == 0x7D || $0 == 0x5D }) { return nil }
    return YAML.resolvePlain(String(text))
  }
}

import Foundation
