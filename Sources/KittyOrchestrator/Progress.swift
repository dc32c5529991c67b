import Foundation
import Synchronization
import KittyCore
import KittyExecutors

/// Something that happened during a run.
public struct ProgressEvent: Sendable {
  public var kind: String
  public var wpID: String?
  public var message: String
  public var fields: JSONObject = [:]

  public init(_ kind: String, wp: String? = nil, _ message: String, fields: JSONObject = [:]) {
    self.kind = kind
    self.wpID = wp
    self.message = message
    self.fields = fields
  }
}

/// Where progress goes: a live table on a terminal, one line per event otherwise, NDJSON with `--json`.
public protocol ProgressSink: AnyObject, Sendable {
  func emit(_ event: ProgressEvent, state: RunState)
  func finish(state: RunState)
}

/// One line per event on stderr (stdout stays free for machine output).
public final class LineProgress: ProgressSink, Sendable {
  private let lock = Mutex(())
  public init() {}
  public func emit(_ event: ProgressEvent, state: RunState) {
    lock.withLock { _ in write(event) }
  }

  private func write(_ event: ProgressEvent) {
    let time = String(Timestamp.isoNow().dropFirst(11).prefix(8))
    let wp = event.wpID.map { "\($0) " } ?? ""
    FileHandle.standardError.write(Data("[\(time)] \(wp)\(event.message)\n".utf8))
  }
  public func finish(state: RunState) {}
}

/// NDJSON on stdout: one object per event.
public final class JSONProgress: ProgressSink, Sendable {
  private let lock = Mutex(())
  public init() {}
  public func emit(_ event: ProgressEvent, state: RunState) {
    lock.withLock { _ in write(event, state: state) }
  }

  private func write(_ event: ProgressEvent, state: RunState) {
    var object: JSONObject = [
      "at": .string(Timestamp.isoNow()), "run_id": .string(state.runID), "event": .string(event.kind),
      "wp_id": .optional(event.wpID), "message": .string(event.message),
    ]
    for (key, value) in event.fields { object[key] = value }
    print(JSONWriter.pythonDefault.string(.object(object)))
    fflush(nil)
  }
  public func finish(state: RunState) {}
}

/// A table redrawn in place on a terminal: WP, lane/phase, agent, attempt, elapsed, last log line.
public final class TableProgress: ProgressSink, Sendable {
  private struct Screen {
    var drawnLines = 0
    var recent: [String] = []
  }
  private let screen = Mutex(Screen())
  private let color: Bool

  public init(color: Bool) {
    self.color = color
  }

  public func emit(_ event: ProgressEvent, state: RunState) {
    screen.withLock { screen in
      screen.recent.append("\(event.wpID.map { "\($0) " } ?? "")\(event.message)")
      if screen.recent.count > 4 { screen.recent.removeFirst(screen.recent.count - 4) }
      redraw(state, &screen)
    }
  }

  public func finish(state: RunState) {
    screen.withLock { redraw(state, &$0) }
  }

  private func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

  private func redraw(_ state: RunState, _ screen: inout Screen) {
    var out = ""
    if screen.drawnLines > 0 { out += "\u{1B}[\(screen.drawnLines)F\u{1B}[J" }
    var lines = [paint("git kitty orchestrate \(state.mission)  run \(state.runID.prefix(10))  \(state.state)", "1")]
    lines.append(
      String(format: "%-6@ %-13@ %-12@ %-8@ %-8@ %@", "WP", "phase", "agent", "attempt", "elapsed", "last output"))
    for wp in state.wps.keys.sorted() {
      let s = state.wps[wp]!
      let elapsed = s.startedAt.flatMap(Self.seconds(since:)).map { Self.duration($0) } ?? ""
      let last = s.log.flatMap(LogTail.lastLine).map { String($0.prefix(50)) } ?? (s.lastError ?? "")
      let phase =
        s.phase == .done
        ? paint(s.phase.rawValue, "32")
        : s.phase.isStuck ? paint(s.phase.rawValue, "31") : s.phase.rawValue
      lines.append(
        "\(wp.padding(toLength: 6, withPad: " ", startingAt: 0)) \(phase.padding(toLength: color ? 13 + (phase.count - s.phase.rawValue.count) : 13, withPad: " ", startingAt: 0)) "
          + "\((s.agent ?? "-").padding(toLength: 12, withPad: " ", startingAt: 0)) "
          + "\(String(s.attempt).padding(toLength: 8, withPad: " ", startingAt: 0)) "
          + "\(elapsed.padding(toLength: 8, withPad: " ", startingAt: 0)) \(last)")
    }
    lines += state.predictedConflicts.map { paint("predicted conflict: " + $0, "33") }
    lines += screen.recent.map { "  " + $0 }
    out += lines.joined(separator: "\n") + "\n"
    screen.drawnLines = lines.count
    FileHandle.standardError.write(Data(out.utf8))
  }

  static func seconds(since iso: String) -> Double? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    guard let date = formatter.date(from: iso) ?? ISO8601DateFormatter().date(from: iso) else { return nil }
    return Date().timeIntervalSince(date)
  }

  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds)
    return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
  }
}
