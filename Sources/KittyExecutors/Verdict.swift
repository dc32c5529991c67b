import Foundation
import KittyCore

/// A reviewer's verdict: from the verdict file the prompt names, else from a `KITTY_VERDICT:` line or a
/// `{"verdict": …}` object in its final message (structured CLIs) or at the end of its output (text CLIs).
/// Markdown around the marker (`**KITTY_VERDICT: approved**`, backticks, a quote, a heading) is tolerated.
public struct Verdict: Sendable, Equatable, Codable {
  public var approved: Bool
  public var feedback: String

  public init(approved: Bool, feedback: String) {
    self.approved = approved
    self.feedback = feedback
  }

  public static func read(verdictFile: String?) -> Verdict? {
    guard let verdictFile, let data = FileManager.default.contents(atPath: verdictFile) else { return nil }
    return fromJSON(String(decoding: data, as: UTF8.self))
  }

  /// `{"verdict": "approved"|"changes_requested", "feedback": "…"}`.
  static func fromJSON(_ text: String) -> Verdict? {
    guard let value = try? JSONParser.parse(text.trimmingWhitespace), let word = value["verdict"]?.stringValue,
      let approved = decision(word)
    else { return nil }
    return Verdict(approved: approved, feedback: value["feedback"]?.stringValue ?? "")
  }

  static func decision(_ word: String) -> Bool? {
    switch word.lowercased() {
    case "approved", "approve": return true
    case "changes_requested", "changes-requested", "request_changes", "rejected": return false
    default: return nil
    }
  }

  /// The verdict in a message: the last marker line (with the lines after it as feedback), else the last JSON
  /// object with a `verdict` key (fenced or not).
  public static func parse(message: String) -> Verdict? {
    let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for index in lines.indices.reversed() {
      guard let (approved, rest) = marker(lines[index]) else { continue }
      let after = lines[(index + 1)...].filter { !$0.hasPrefix("=== ") }.joined(separator: "\n")
      let feedback = [rest, after].filter { !$0.trimmingWhitespace.isEmpty }.joined(separator: "\n")
      return Verdict(approved: approved, feedback: feedback.trimmingWhitespace)
    }
    // A JSON verdict object anywhere in the message: try each `{` from the end.
    var search = message.endIndex
    while let open = message[..<search].lastIndex(of: "{") {
      if let close = message[open...].lastIndex(of: "}"), let verdict = fromJSON(String(message[open...close])) {
        return verdict
      }
      search = open
    }
    return nil
  }

  /// `KITTY_VERDICT: approved` at the start of a line once markdown decoration is stripped; returns the decision
  /// and any text after the word on the same line.
  static func marker(_ line: String) -> (Bool, String)? {
    let decoration = CharacterSet(charactersIn: "*_`>#- \t")
    let stripped = line.trimmingCharacters(in: decoration)
    guard stripped.uppercased().hasPrefix("KITTY_VERDICT") else { return nil }
    var rest = stripped.dropFirst("KITTY_VERDICT".count)
    rest = rest.drop { " :*_`".contains($0) }
    let word = rest.prefix { $0.isLetter || $0 == "_" || $0 == "-" }
    guard let approved = decision(String(word)) else { return nil }
    let tail = rest.dropFirst(word.count).trimmingCharacters(in: CharacterSet(charactersIn: "*_`.:;,— -\t"))
    return (approved, tail)
  }
}

/// The end of a log file, read without loading the whole file.
public enum LogTail {
  public static func read(_ path: String, bytes: Int) -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()) ?? 0
    let start = size > UInt64(bytes) ? size - UInt64(bytes) : 0
    try? handle.seek(toOffset: start)
    let data = (try? handle.readToEnd()) ?? Data()
    return String(decoding: data, as: UTF8.self)
  }

  /// The last non-empty line that is not a git-kitty marker.
  public static func lastLine(_ path: String) -> String? {
    read(path, bytes: 2048).split(separator: "\n").reversed().first {
      !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("=== ")
    }.map(String.init)
  }
}
