import Foundation

/// The dependency declarations of a mission's `tasks.md`, read as spec-kitty 3.2.7's finalize-tasks reads them
/// (`core/dependency_parser.py`): the file is cut into one section per WP heading (`## WP01`, `## Work Package
/// WP01: …`, `### Work Package 1 — …`), and each section declares dependencies as `Depends on WP01, WP02`,
/// `**Dependencies**: WP01` (also in a `|` table cell), or a bullet list under a `### Dependencies` heading.
public enum TasksMarkdown {
  public static let fileName = "tasks.md"

  /// Each WP section's dependencies, in the order the sections appear (a WP with a section but no declaration
  /// maps to `[]`).
  public static func dependencies(_ text: String) -> [(wpID: String, dependencies: [String])] {
    sections(text).map { ($0.wpID, sectionDependencies($0.body)) }
  }

  /// tasks.md does not name the same WPs as the prompt files.
  public struct CoverageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var missing: [String]
    public var extra: [String]
    public var description: String {
      var parts = [
        "tasks.md work package coverage is incomplete: its WP sections do not match the WP files, so the "
          + "dependencies it declares would be unreliable"
      ]
      if !missing.isEmpty { parts.append("no section for \(missing.joined(separator: ", "))") }
      if !extra.isEmpty { parts.append("sections for \(extra.joined(separator: ", ")) have no WP file") }
      parts.append("use headings such as '## WP01', '## Work Package WP01' or '## Work Package 1 — Title'")
      return parts.joined(separator: "; ")
    }
  }

  /// The dependencies finalize-tasks records where tasks.md decides them: a WP whose frontmatter lists none
  /// (no `dependencies` key, or an empty list) takes its tasks.md section's; a non-empty frontmatter list wins.
  /// Returns only the WPs whose dependencies change.
  public static func resolvedDependencies(_ packages: [WorkPackage], tasksText: String) throws(CoverageError)
    -> [String: [String]]
  {
    let parsed = dependencies(tasksText)
    let expected = packages.map(\.id)
    let sectioned = Set(parsed.map(\.wpID))
    let missing = expected.filter { !sectioned.contains($0) }
    let extra = sectioned.subtracting(expected).sorted()
    if !missing.isEmpty || !extra.isEmpty { throw CoverageError(missing: missing, extra: extra) }
    let declared = Dictionary(parsed.map { ($0.wpID, $0.dependencies) }, uniquingKeysWith: { _, last in last })
    var changes: [String: [String]] = [:]
    for wp in packages where wp.dependencies.isEmpty {
      if let fromTasks = declared[wp.id], !fromTasks.isEmpty { changes[wp.id] = fromTasks }
    }
    return changes
  }

  // MARK: sections

  /// A heading line that names a WP: `WP01`, or `Work Package WP01`, or `Work Package 1` (one or two digits,
  /// then nothing, a space, a dash or a colon).
  static func wpID(ofHeading title: String) -> String? {
    if let match = first(explicitHeading, in: title) { return match[1] }
    let prefix = "Work Package "
    guard title.hasPrefix(prefix) else { return nil }
    let suffix = Array(title.dropFirst(prefix.count))
    var digits = 0
    while digits < suffix.count && digits < 2 && suffix[digits].isWholeNumber { digits += 1 }
    if digits == 0 { return nil }
    if digits < suffix.count && suffix[digits].isWholeNumber { return nil }
    if digits < suffix.count, !(suffix[digits].isWhitespace || "—:-".contains(suffix[digits])) { return nil }
    guard let number = Int(String(suffix[..<digits])) else { return nil }
    return number < 10 ? "WP0\(number)" : "WP\(number)"
  }

  /// Sections from the line after each WP heading to the next WP heading; the last one stops at the first `## `
  /// heading that is neither a WP nor a Dependencies heading (so trailing notes declare nothing).
  static func sections(_ text: String) -> [(wpID: String, body: String)] {
    let ns = text as NSString
    var headings: [(wpID: String, start: Int, bodyStart: Int)] = []
    var offset = 0
    for raw in lines(text) {
      let length = (raw as NSString).length
      let next = offset + length + (offset + length < ns.length ? 1 : 0)
      let line = raw.hasSuffix("\r") ? String(raw.unicodeScalars.dropLast()) : raw
      var title: String?
      if line.hasPrefix("## ") {
        title = String(line.dropFirst(3))
      } else if line.hasPrefix("### ") {
        title = String(line.dropFirst(4))
      }
      if let title, let id = wpID(ofHeading: title.trimmingCharacters(in: .whitespaces)) {
        headings.append((id, offset, next))
      }
      offset = next
    }
    var result: [(wpID: String, body: String)] = []
    for (index, heading) in headings.enumerated() {
      var end = ns.length
      if index + 1 < headings.count {
        end = headings[index + 1].start
      } else {
        let tail = NSRange(location: heading.bodyStart, length: ns.length - heading.bodyStart)
        for match in anyLevelTwoHeading.matches(in: text, range: tail) {
          let lineEnd = ns.range(
            of: "\n", range: NSRange(location: match.range.location, length: ns.length - match.range.location))
          let lineRange = NSRange(
            location: match.range.location,
            length: (lineEnd.location == NSNotFound ? ns.length : lineEnd.location) - match.range.location)
          let line = ns.substring(with: lineRange)
          if wpID(ofHeading: String(line.dropFirst(3)).trimmingCharacters(in: .whitespacesAndNewlines)) != nil {
            continue
          }
          if first(dependenciesHeading, in: line.trimmingCharacters(in: .whitespacesAndNewlines)) != nil { continue }
          end = match.range.location
          break
        }
      }
      let body = ns.substring(with: NSRange(location: heading.bodyStart, length: max(0, end - heading.bodyStart)))
      // Python's dict: a WP named twice keeps its first place and its last section.
      if let existing = result.firstIndex(where: { $0.wpID == heading.wpID }) {
        result[existing].body = body
      } else {
        result.append((heading.wpID, body))
      }
    }
    return result
  }

  // MARK: declarations

  static func sectionDependencies(_ section: String) -> [String] {
    var found: [String] = []
    for match in matches(dependsOn, in: section) { found += wpIDs(in: match.groups[1]) }

    let colonMatches = (matches(colonLine, in: section) + matches(colonCell, in: section))
      .sorted { $0.location < $1.location }
    for match in colonMatches {
      if first(dependenciesHeading, in: match.groups[0].trimmingCharacters(in: .whitespacesAndNewlines)) != nil {
        continue
      }
      found += colonValue(match.groups[1])
    }

    let ns = section as NSString
    for heading in dependenciesHeading.matches(in: section, range: NSRange(location: 0, length: ns.length)) {
      let after = ns.substring(from: heading.range.location + heading.range.length)
      for line in lines(after) {
        let stripped = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if stripped.isEmpty { continue }
        if stripped.hasPrefix("#") { break }
        guard let bullet = first(bulletWP, in: String(line)) else { break }
        found.append(bullet[1])
      }
    }
    var seen = Set<String>()
    return found.filter { seen.insert($0).inserted }
  }

  /// The right side of a `Dependencies:` line: none, a `Depends on …` phrase, or a list of ids that ends the
  /// value (or is followed by `.`, `;`, `(` or `#`).
  static func colonValue(_ value: String) -> [String] {
    let stripped = value.trimmingCharacters(in: .whitespacesAndNewlines)
    let lower = stripped.lowercased()
    if stripped.isEmpty || lower == "[]" || lower.hasPrefix("none") || lower.hasPrefix("no deps")
      || lower.hasPrefix("no dependencies")
    {
      return []
    }
    if let match = first(dependsOn, in: stripped, anchored: true) { return wpIDs(in: match[1]) }
    if let match = first(idListValue, in: stripped, anchored: true) { return wpIDs(in: match[1]) }
    return []
  }

  /// `WP` and two digits, case-sensitive (a case-insensitive declaration may match `wp01`, which then counts
  /// for nothing, as in spec-kitty).
  static func wpIDs(in text: String) -> [String] {
    matches(wpIDPattern, in: text).map { $0.groups[0] }
  }

  /// The text split at each line feed (a carriage return stays at the end of its line; Swift's "\r\n"
  /// character would otherwise hide the line feed).
  static func lines(_ text: String) -> [String] {
    text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map {
      String(String.UnicodeScalarView($0))
    }
  }

  // MARK: patterns (spec-kitty's, verbatim)

  static let explicitHeading = regex(#"^(?:Work Package\s+)?(WP\d{2})(?:\b|:)"#)
  static let anyLevelTwoHeading = regex(#"^## "#, [.anchorsMatchLines])
  static let dependsOn = regex(
    #"^\s*(?:[-*]\s*)?Depends?\s+on\s+(WP\d{2}(?:\s*,\s*WP\d{2})*)\b"#, [.caseInsensitive, .anchorsMatchLines])
  static let colonLine = regex(
    #"^\s*(?:[-*]\s*)?\*?\*?Dependencies\*?\*?\s*:\s*([^|\n]*)"#, [.caseInsensitive, .anchorsMatchLines])
  static let colonCell = regex(#"\|\s*\*?\*?Dependencies\*?\*?\s*:\s*([^|\n]*)"#, [.caseInsensitive])
  static let dependenciesHeading = regex(
    #"^#{1,4}\s*\*?\*?Dependencies\*?\*?\s*$"#, [.caseInsensitive, .anchorsMatchLines])
  static let bulletWP = regex(#"^\s*[-*]\s*(WP\d{2})"#)
  static let idListValue = regex(#"^(WP\d{2}(?:\s*,\s*WP\d{2})*)\b(?=\s*(?:$|[.;(#]))"#, [.caseInsensitive])
  static let wpIDPattern = regex(#"WP\d{2}"#)

  static func regex(_ pattern: String, _ options: NSRegularExpression.Options = []) -> NSRegularExpression {
    // The patterns are constants: a failure here is a programming error caught by the tests.
    try! NSRegularExpression(pattern: pattern, options: options)
  }

  /// The groups of the first match (at the start only, when `anchored`).
  static func first(_ pattern: NSRegularExpression, in text: String, anchored: Bool = false) -> [String]? {
    let ns = text as NSString
    guard
      let match = pattern.firstMatch(
        in: text, options: anchored ? [.anchored] : [], range: NSRange(location: 0, length: ns.length))
    else { return nil }
    return groups(match, ns)
  }

  /// Every match: where it starts, and its groups.
  static func matches(_ pattern: NSRegularExpression, in text: String) -> [(location: Int, groups: [String])] {
    let ns = text as NSString
    return pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)).map {
      ($0.range.location, groups($0, ns))
    }
  }

  static func groups(_ match: NSTextCheckingResult, _ ns: NSString) -> [String] {
    (0..<match.numberOfRanges).map { index in
      let range = match.range(at: index)
      return range.location == NSNotFound ? "" : ns.substring(with: range)
    }
  }
}
