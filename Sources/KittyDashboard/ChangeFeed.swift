import Foundation
import KittyCore

/// What changed in the repository, as the browser needs to know it: a mission's files, the run state, or a log.
public struct Change: Sendable, Hashable {
  public enum Topic: Sendable, Hashable {
    case missions
    case mission(String)
    case run
    case log(mission: String, wp: String, name: String)
  }
  public var topic: Topic

  public init(_ topic: Topic) { self.topic = topic }

  var json: JSONValue {
    switch topic {
    case .missions: return ["kind": "missions"]
    case .mission(let slug): return ["kind": "mission", "mission": .string(slug)]
    case .run: return ["kind": "run"]
    case .log(let mission, let wp, let name):
      return ["kind": "log", "mission": .string(mission), "wp": .string(wp), "name": .string(name)]
    }
  }
}

/// Hands every change to every connected client as server-sent events. Each client has a small buffer of its
/// own: a slow client loses old messages (it refetches on the next one), never slows the others.
public actor ChangeFeed {
  private var clients: [UInt64: AsyncStream<String>.Continuation] = [:]
  private var nextID: UInt64 = 0
  private var closed = false

  public init() {}

  public var clientCount: Int { clients.count }

  /// A new client's stream of SSE frames; it ends when the feed closes or the client goes.
  public func subscribe() -> AsyncStream<String> {
    let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(32))
    if closed {
      continuation.finish()
      return stream
    }
    let id = nextID
    nextID += 1
    clients[id] = continuation
    continuation.onTermination = { _ in Task { await self.remove(id) } }
    continuation.yield("retry: 1000\nevent: hello\ndata: {}\n\n")
    return stream
  }

  private func remove(_ id: UInt64) { clients[id] = nil }

  /// One SSE `change` event carrying every change of a batch.
  public func publish(_ changes: Set<Change>) {
    guard !changes.isEmpty else { return }
    let items = changes.map(\.json).sorted { JSONWriter.sortedLine.string($0) < JSONWriter.sortedLine.string($1) }
    let frame = "event: change\ndata: \(JSONWriter.sortedLine.string(["changes": .array(items)]))\n\n"
    for continuation in clients.values { continuation.yield(frame) }
  }

  /// A comment line: keeps proxies from timing the stream out and finds clients that went away.
  public func heartbeat() {
    for continuation in clients.values { continuation.yield(": ping\n\n") }
  }

  /// Ends every stream (the server is stopping).
  public func close() {
    closed = true
    for continuation in clients.values { continuation.finish() }
    clients = [:]
  }
}
