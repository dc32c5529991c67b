import Foundation

/// Edits one top-level key of a prompt file's YAML frontmatter as text, leaving every other byte alone (comments,
/// key order and quoting stay the author's).
public enum FrontmatterEdit {
  /// `text` with `key` set to the block list `values`: the key's line and its value lines (indented, or list
  /// items) are replaced, or the key is added before the closing `---`. Nil when the file has no frontmatter.
  public static func settingList(_ key: String, to values: [String], in text: String) -> String? {
    var lines = TasksMarkdown.lines(text)
    guard let opening = lines.first, isDelimiter(opening.hasPrefix("\u{FEFF}") ? String(opening.dropFirst()) : opening),
      let closing = lines.indices.dropFirst().first(where: { isDelimiter(lines[$0]) })
    else { return nil }
    let lineEnd = opening.hasSuffix("\r") ? "\r" : ""
    let replacement = ["\(key):" + (values.isEmpty ? " []" : "") + lineEnd] + values.map { "- \($0)" + lineEnd }
    if let keyLine = (1..<closing).first(where: { lines[$0].hasPrefix(key + ":") }) {
      var end = keyLine + 1
      while end < closing, let first = lines[end].first, first == " " || first == "\t" || first == "-" { end += 1 }
      lines.replaceSubrange(keyLine..<end, with: replacement)
    } else {
      lines.insert(contentsOf: replacement, at: closing)
    }
    return lines.joined(separator: "\n")
  }

  /// A `---` line, as the WP reader recognises it.
  static func isDelimiter(_ line: String) -> Bool {
    WorkPackage.isDelimiter(Substring(line).utf8[...])
  }
}
