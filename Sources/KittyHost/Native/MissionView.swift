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

  /// Reads the mission, folding the event log incrementally: `checkpoint` is the fold of an earlier read (nil
  /// at first) and is replaced by the fold of this one. Only rows appended since are read when the log only grew.
  public init(
    mission: Mission, includeAnnotations: Bool = false, readLanes: Bool = false, checkpoint: inout FoldCheckpoint?
  ) throws(MissionError) {
    let previous = checkpoint
    let fold = try Self.read(
      mission, readLanes: readLanes, packages: { () throws(MissionError) in try mission.workPackages() },
      fold: { () throws(EventLogError) in
        try IncrementalFold.fold(path: mission.eventsPath, annotations: includeAnnotations, previous: previous)
      })
    self = fold.view
    checkpoint = fold.checkpoint
  }

  /// Reads the mission, folding the event log from the checkpoint `store` keeps between processes (the read
  /// verbs: one process per call), transitions only. With `prompts`, the prompt files come from that index (only
  /// changed files are parsed): the work packages then have no frontmatter and no body.
  public init(
    mission: Mission, readLanes: Bool = false, store: FoldCheckpointStore, prompts: PromptFileIndex? = nil
  ) throws(MissionError) {
    self = try Self.read(
      mission, readLanes: readLanes,
      packages: { () throws(MissionError) in
        if let prompts { return try prompts.workPackages(of: mission) }
        return try mission.workPackages()
      },
      fold: { () throws(EventLogError) in try store.fold(path: mission.eventsPath, annotations: false) }
    ).view
  }

  /// This view with the event log folded again from `checkpoint` (the prompt files as they were read): what a
  /// reader needs when only the log changed.
  public func refolded(includeAnnotations: Bool, checkpoint: inout FoldCheckpoint?) throws(MissionError) -> MissionView
  {
    do {
      // Handed over, so that the fold extends the only copy in place.
      let previous = checkpoint
      checkpoint = nil
      let fold = try IncrementalFold.fold(
        path: mission.eventsPath, annotations: includeAnnotations, previous: consume previous)
      checkpoint = fold.checkpoint
      return MissionView(
        mission: mission, workPackages: workPackages, graph: graph, snapshot: fold.checkpoint.snapshot, lanes: lanes)
    } catch {
      throw .corruptEventLog(path: mission.eventsPath, error)
    }
  }

  private init(
    mission: Mission, workPackages: [WorkPackage], graph: DependencyGraph, snapshot: StatusSnapshot,
    lanes: LanesManifest?
  ) {
    self.mission = mission
    self.workPackages = workPackages
    self.graph = graph
    self.snapshot = snapshot
    self.lanes = lanes
  }

  /// The prompt files and the fold, on two threads.
  private static func read(
    _ mission: Mission, readLanes: Bool,
    packages read: @escaping @Sendable () throws(MissionError) -> [WorkPackage],
    fold: @escaping @Sendable () throws(EventLogError) -> (checkpoint: FoldCheckpoint, path: IncrementalFold.Path)
  ) throws(MissionError) -> (view: MissionView, checkpoint: FoldCheckpoint) {
    let (packages, folded) = Concurrently.run(
      { () throws(MissionError) in try read() },
      { () throws(MissionError) in
        do throws(EventLogError) {
          return try fold()
        } catch {
          throw .corruptEventLog(path: mission.eventsPath, error)
        }
      })
    let workPackages = try packages.get()
    let checkpoint = try folded.get().checkpoint
    let view = MissionView(
      mission: mission, workPackages: workPackages, graph: try mission.dependencyGraph(workPackages),
      snapshot: checkpoint.snapshot, lanes: readLanes ? try mission.lanesManifest() : nil)
    return (view, checkpoint)
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
