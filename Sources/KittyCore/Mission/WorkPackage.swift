import Foundation

/// A work package prompt file (`tasks/WP01-*.md`): YAML frontmatter plus the markdown body.
public struct WorkPackage: Sendable, Equatable {
  public var id: String
  public var title: String
  public var dependencies: [String]
  public var subtasks: [String]
  public var ownedFiles: [String]
  public var executionMode: String?
  /// Absolute path of the prompt file.
  public var path: String
  /// The whole frontmatter, in file order.
  public var frontmatter: JSONObject
  public var body: String

  public var fileName: String { (path as NSString).lastPathComponent }
  public var isPlanningArtifact: Bool { executionMode == "planning_artifact" }
}

/// Why a WP file could not be read.
public enum WorkPackageError: Error, Sendable, Equatable, CustomStringConvertible {
  case unreadable(file: String, detail: String)
  case notUTF8(file: String)
  case missingFrontmatter(file: String)
  case invalidYAML(file: String, detail: String)
  case invalidField(file: String, field: String, detail: String)
  case unknownFields(file: String, fields: [String])
  case idMismatch(file: String, fileID: String, frontmatterID: String)

  public var description: String {
    switch self {
    case .unreadable(let file, let detail): return "\(file): cannot read: \(detail)"
    case .notUTF8(let file): return "\(file) is not valid UTF-8"
    case .missingFrontmatter(let file): return "\(file) has no YAML frontmatter (a block between '---' lines)"
    case .invalidYAML(let file, let detail): return "\(file): frontmatter is not valid YAML: \(detail)"
    case .invalidField(let file, let field, let detail): return "\(file): frontmatter field '\(field)' \(detail)"
    case .unknownFields(let file, let fields):
      return "\(file): unknown frontmatter field(s) \(fields.joined(separator: ", ")) (spec-kitty forbids extra keys)"
    case .idMismatch(let file, let fileID, let frontmatterID):
      return "\(file): WP ID mismatch: filename \(fileID) vs frontmatter \(frontmatterID)"
    }
  }
}

extension WorkPackage {
  /// Every frontmatter key spec-kitty 3.2.7's WP model accepts (it forbids others).
  public static let knownFields: Set<String> = [
    "work_package_id", "title", "work_package_title", "dependencies", "subtasks", "requirement_refs",
    "owned_files", "authoritative_surface", "create_intent", "execution_mode", "scope", "task_type", "phase",
    "phases", "priority", "planning_base_branch", "merge_target_branch", "branch_strategy", "base_branch",
    "base_commit", "created_at", "agent", "model", "agent_profile", "role", "assignee", "shell_pid",
    "shell_pid_created_at", "history", "lane", "review_status", "reviewed_by", "approved_by", "reviewer",
    "reviewer_agent", "reviewer_shell_pid", "review_feedback", "review_feedback_file", "tracker_refs", "tags",
    "subtitle", "description", "estimated_duration", "activity_log", "mission_id", "mission_number",
    "mission_slug", "feature_slug", "status", "wp_code",
  ]

  /// `WP` followed by two or more digits (spec-kitty reads exactly two; more is accepted here).
  public static func isValidID(_ id: String) -> Bool {
    let scalars = Array(id.unicodeScalars)
    guard scalars.count >= 4, scalars[0] == "W", scalars[1] == "P" else { return false }
    return scalars[2...].allSatisfy { $0.properties.numericType != nil && ("0"..."9").contains($0) }
  }

  /// The WP id a prompt file name declares (`WP01-core.md` -> `WP01`), nil when it names none.
  public static func id(fromFileName name: String) -> String? {
    if name.utf8.allSatisfy({ $0 < 0x80 }) { return asciiID(fromFileName: name) }
    guard name.hasSuffix(".md"), name.hasPrefix("WP") else { return nil }
    let stem = name.dropLast(3)
    var digits = ""
    var rest = stem.dropFirst(2)
    while let c = rest.first, c.isASCII, c.isNumber {
      digits.append(c)
      rest = rest.dropFirst()
    }
    guard digits.count >= 2 else { return nil }
    if let next = rest.first, !["-", "_", "."].contains(next) { return nil }
    return "WP" + digits
  }

  /// `id(fromFileName:)` for an ASCII name, over its bytes (a read lists a thousand of them).
  static func asciiID(fromFileName name: String) -> String? {
    let bytes = name.utf8
    guard bytes.count >= 5, name.hasPrefix("WP"), name.hasSuffix(".md") else { return nil }
    let stem = bytes.dropFirst(2).dropLast(3)
    let digits = stem.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    guard digits.count >= 2 else { return nil }
    if let next = stem.dropFirst(digits.count).first,
      next != UInt8(ascii: "-") && next != UInt8(ascii: "_") && next != UInt8(ascii: ".")
    {
      return nil
    }
    return "WP" + String(decoding: digits, as: UTF8.self)
  }

  /// Splits `---\n<yaml>\n---\n<body>` (a leading BOM is ignored); nil when the file has no frontmatter block.
  static func splitFrontmatter(_ text: String) -> (yaml: String, body: String)? {
    var utf8 = Substring(text).utf8
    if utf8.starts(with: [0xEF, 0xBB, 0xBF]) { utf8 = utf8.dropFirst(3) }
    // The opening line must be `---` (trailing spaces allowed).
    guard let firstNewline = utf8.firstIndex(of: 0x0A),
      isDelimiter(utf8[utf8.startIndex..<firstNewline])
    else { return nil }
    var lineStart = utf8.index(after: firstNewline)
    let yamlStart = lineStart
    while lineStart < utf8.endIndex {
      let lineEnd = utf8[lineStart...].firstIndex(of: 0x0A) ?? utf8.endIndex
      if isDelimiter(utf8[lineStart..<lineEnd]) {
        let yaml = String(Substring(utf8[yamlStart..<lineStart]))
        let bodyStart = lineEnd < utf8.endIndex ? utf8.index(after: lineEnd) : lineEnd
        return (String(yaml.dropLast()), String(Substring(utf8[bodyStart...])))
      }
      guard lineEnd < utf8.endIndex else { break }
      lineStart = utf8.index(after: lineEnd)
    }
    return nil
  }

  /// A `---` line, allowing surrounding spaces and a carriage return.
  static func isDelimiter(_ line: Substring.UTF8View.SubSequence) -> Bool {
    var bytes = line[...]
    while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
    while let last = bytes.last, last == 0x20 || last == 0x09 || last == 0x0D { bytes = bytes.dropLast() }
    return bytes.elementsEqual([0x2D, 0x2D, 0x2D])
  }

  /// Reads and validates one prompt file.
  public static func load(path: String) throws(WorkPackageError) -> WorkPackage {
    let name = (path as NSString).lastPathComponent
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .unreadable(file: name, detail: "no such file or not readable")
    }
    guard let text = String(data: data, encoding: .utf8) else { throw .notUTF8(file: name) }
    return try parse(text: text, path: path)
  }

  public static func parse(text: String, path: String) throws(WorkPackageError) -> WorkPackage {
    let name = (path as NSString).lastPathComponent
    guard let (yaml, body) = splitFrontmatter(text) else { throw .missingFrontmatter(file: name) }
    let value: JSONValue
    do {
      value = try YAML.parse(yaml)
    } catch {
      throw .invalidYAML(file: name, detail: error.message)
    }
    guard case .object(let front) = value else {
      throw .invalidYAML(file: name, detail: "the frontmatter is not a mapping")
    }
    let unknown = front.keys.filter { !knownFields.contains($0) }
    if !unknown.isEmpty { throw .unknownFields(file: name, fields: unknown) }

    guard let id = front["work_package_id"]?.stringValue, !id.isEmpty else {
      throw .invalidField(file: name, field: "work_package_id", detail: "is required")
    }
    guard isValidID(id) else {
      throw .invalidField(file: name, field: "work_package_id", detail: "must look like WP01 (got '\(id)')")
    }
    if let fileID = self.id(fromFileName: name), fileID != id {
      throw .idMismatch(file: name, fileID: fileID, frontmatterID: id)
    }
    let title = (front["title"] ?? front["work_package_title"])?.stringValue ?? ""
    let dependencies = try stringList(front["dependencies"], field: "dependencies", file: name, splitCommas: true)
    for dep in dependencies where !isValidID(dep) {
      throw .invalidField(file: name, field: "dependencies", detail: "lists '\(dep)', which is not a WP id")
    }
    let subtasks = try stringList(front["subtasks"], field: "subtasks", file: name, splitCommas: false)
    let owned = try stringList(front["owned_files"], field: "owned_files", file: name, splitCommas: false)
    return WorkPackage(
      id: id, title: title, dependencies: dependencies, subtasks: subtasks, ownedFiles: owned,
      executionMode: front["execution_mode"]?.stringValue, path: path, frontmatter: front, body: body)
  }

  /// A list of strings; `dependencies` also accepts the string form "WP01, WP02".
  static func stringList(_ value: JSONValue?, field: String, file: String, splitCommas: Bool)
    throws(WorkPackageError) -> [String]
  {
    switch value {
    case nil, .null?: return []
    case .string(let text)? where splitCommas:
      let trimmed = text.trimmingWhitespace
      if trimmed == "[]" { return [] }
      return trimmed.split(separator: ",").map { String($0).trimmingWhitespace }.filter { !$0.isEmpty }
    case .array(let items)?:
      var result: [String] = []
      for item in items {
        switch item {
        case .string(let s): result.append(s.trimmingWhitespace)
        case .int(let i): result.append(String(i))
        case .object(let o):
          // Subtasks may be written as mappings with an id.
          if let id = (o["id"] ?? o["subtask_id"])?.stringValue {
            result.append(id)
          } else {
            throw .invalidField(file: file, field: field, detail: "has an entry that is not a string")
          }
        default: throw .invalidField(file: file, field: field, detail: "has an entry that is not a string")
        }
      }
      return result
    default:
      throw .invalidField(file: file, field: field, detail: "must be a list")
    }
  }
}
