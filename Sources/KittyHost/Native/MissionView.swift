import Dispatch
import KittyCore

/// Everything the read verbs need about one mission, read once: WPs, graph, snapshot, lanes.
public struct MissionView: Sendable {
  public let mission: Mission
  public let workPackages: [WorkPackage]
  public let graph: DependencyGraph
  public let snapshot: StatusSnapshot
  public let lanes: LanesManifest?

  /// Reads and validates the mission. `includeAnnotations` folds annotation rows too (status.json);
  /// the orchestrator-api read verbs fold transitions only, as spec-kitty does.
  public init(mission: Mission, includeAnnotations: Bool = false, readLanes: Bool = false) throws(MissionError) {
    self.mission = mission
    // The prompt files and the event log are independent: read them on two threads.
    let (packages, stream) = Concurrently.run(
      { () throws(MissionError) in try mission.workPackages() },
      { () throws(MissionError) in try mission.eventStream(annotations: includeAnnotations) })
    let workPackages = try packages.get()
    // `consume`: the Result must not keep a second reference to the events (see `releaseInBackground`).
    let events = try (consume stream).get()
    self.workPackages = workPackages
    self.graph = try mission.dependencyGraph(workPackages)
    self.snapshot = StatusReducer.reduce(events)
    Self.releaseInBackground(consume events)
    self.lanes = readLanes ? try mission.lanesManifest() : nil
  }

  /// Frees the events on another thread. A large log is a hundred thousand events whose fields are released one
  /// by one: a few milliseconds that the caller need not wait for (the other core is idle by then). The stream is
  /// moved into the box, so the box holds the only reference and the last release happens on the queue.
  private static func releaseInBackground(_ events: consuming EventStream) {
    let box = StreamBox(events: events)
    DispatchQueue.global(qos: .utility).async { withExtendedLifetime(box) {} }
  }

  /// The identity triplet that opens most payloads.
  public var identity: JSONObject { mission.identity }

  /// Whether a dependency counts as satisfied: approved or done, or canceled by an operator.
  public func isSatisfied(_ dependency: String) -> Bool {
    snapshot.workPackages[dependency]?.satisfiesDependents ?? false
  }

  public func workPackage(_ id: String) -> WorkPackage? { workPackages.first { $0.id == id } }
}

private final class StreamBox: Sendable {
  let events: EventStream
  init(events: consuming EventStream) { self.events = events }
}
