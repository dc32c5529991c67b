/// Why an event log could not be read. Messages follow spec-kitty's `StoreError` wording.
public enum EventLogError: Error, Sendable, Equatable, CustomStringConvertible {
  case invalidJSON(line: Int, detail: String)
  case notAnObject(line: Int)
  case invalidStructure(line: Int, detail: String)
  case unknownKind(line: Int, kind: String)
  case unknownLane(line: Int, lane: String)
  case notUTF8(line: Int)
  case unreadable(path: String, detail: String)

  public var description: String {
    switch self {
    case .invalidJSON(let line, let detail): return "Invalid JSON on line \(line): \(detail)"
    case .notAnObject(let line): return "Invalid event structure on line \(line): expected JSON object"
    case .invalidStructure(let line, let detail): return "Invalid event structure on line \(line): \(detail)"
    case .unknownKind(let line, let kind): return "Unknown event kind '\(kind)' on line \(line)"
    case .unknownLane(let line, let lane):
      return "Invalid event structure on line \(line): \(lane) is not a valid Lane"
    case .notUTF8(let line): return "Line \(line) of the event log is not valid UTF-8"
    case .unreadable(let path, let detail): return "Cannot read \(path): \(detail)"
    }
  }
}
