import Foundation

/// The union of event logs' rows by `event_id`, ordered by `(at, event_id)`; rows without an id are kept once. Like
/// spec-kitty's merge driver it refuses when one `event_id` carries two different payloads or a line is not a JSON
/// object: either would lose rows. Used by `git kitty merge-driver event-log` and by git-kitty's in-memory merges
/// (which libgit2 cannot hand to a merge driver).
public enum EventLogUnion {
  public struct Failure: Error, CustomStringConvertible {
    public let description: String
  }

  /// `logs`: each log's name (for messages) and text, ancestor first.
  public static func merge(_ logs: [(name: String, text: String)]) throws(Failure) -> String {
    var rows: [(key: (String, String), line: String)] = []
    var payloads: [String: String] = [:]
    var seenLines = Set<String>()
    for (name, text) in logs {
      for raw in text.split(separator: "\n") {
        let line = raw.trimmingCharacters(in: .whitespaces)
        if line.isEmpty { continue }
        guard case .object(let object)? = try? JSONParser.parse(line) else {
          throw Failure(description: "\(name) holds a line that is not a JSON object: \(line.prefix(80))")
        }
        let id = object["event_id"]?.stringValue
        if let id {
          let payload = JSONWriter.sortedLine.string(.object(object))
          if let known = payloads[id] {
            guard known == payload else {
              throw Failure(
                description: "event \(id) has different contents on the two sides; merge the event log by hand")
            }
            continue
          }
          payloads[id] = payload
        } else {
          guard seenLines.insert(line).inserted else { continue }
        }
        let at = object["at"]?.stringValue ?? object["timestamp"]?.stringValue ?? ""
        rows.append(((at, id ?? ""), line))
      }
    }
    let ordered = rows.enumerated().sorted { a, b in
      if a.element.key != b.element.key { return a.element.key < b.element.key }
      return a.offset < b.offset
    }
    return ordered.map { $0.element.line }.joined(separator: "\n") + (ordered.isEmpty ? "" : "\n")
  }

  /// A resolver for in-memory merges: the union for `kitty-specs/<slug>/status.events.jsonl`; nil (a conflict) for
  /// every other path and for logs the union refuses.
  public static func resolveStatusLog(path: String, base: Data?, ours: Data?, theirs: Data?) -> Data? {
    guard path.hasPrefix("\(MissionPaths.specsDirectory)/"), path.hasSuffix("/\(MissionPaths.eventsFile)") else {
      return nil
    }
    // The ancestor adds nothing to a union of two logs that only grow, and a virtual ancestor (libgit2's merge of
    // several merge bases, e.g. lanes that both merged the planning commit) can hold conflict markers: left out.
    var texts: [(name: String, text: String)] = []
    for (name, data) in [("ours", ours), ("theirs", theirs)] {
      guard let data else { continue }
      guard let text = String(data: data, encoding: .utf8) else { return nil }  // unreadable: leave the conflict
      texts.append(("\(name) \(path)", text))
    }
    guard let merged = try? merge(texts) else { return nil }
    return Data(merged.utf8)
  }
}
