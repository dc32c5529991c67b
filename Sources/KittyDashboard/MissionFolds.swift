import Foundation
import KittyCore
import KittyHost

/// The dashboard's last view of each mission, reused while none of its files changed: a board refresh that
/// finds the event log, meta.json and the prompt files as they were costs a few `stat` calls.
/// One actor owns the views, so two clients asking at once read the files once.
public actor MissionFolds {
  private struct Entry {
    var signature: [Int]
    var view: MissionView
  }

  private var entries: [String: Entry] = [:]
  /// The fold of each mission's event log, extended by appended rows instead of folded again.
  private var checkpoints: [String: FoldCheckpoint] = [:]

  public init() {}

  /// The mission's view (lanes folded with annotations), read again only when its files changed.
  public func view(_ mission: Mission) throws(MissionError) -> MissionView {
    let signature = Self.signature(mission)
    let cached = entries[mission.directory]
    if let cached, cached.signature == signature { return cached.view }
    // Taken out, not copied: the fold then extends the only copy in place (a copy of a 100,000-row fold's id set
    // and states was the server's peak after an append).
    var checkpoint = checkpoints.removeValue(forKey: mission.eventsPath)
    let view: MissionView
    if let cached, cached.signature.dropFirst(4) == signature.dropFirst(4) {
      // Only the event log changed: keep the prompt files, fold the appended rows.
      view = try cached.view.refolded(includeAnnotations: true, checkpoint: &checkpoint)
    } else {
      view = try MissionView(mission: mission, includeAnnotations: true, checkpoint: &checkpoint)
    }
    checkpoints[mission.eventsPath] = checkpoint
    entries[mission.directory] = Entry(signature: signature, view: view)
    return view
  }

  /// Size, inode and modification time of every file the view is read from, the event log's first (four values;
  /// four -1 when a file is missing).
  static func signature(_ mission: Mission) -> [Int] {
    var values: [Int] = []
    func add(_ path: String) {
      var info = stat()
      guard stat(path, &info) == 0 else {
        values += [-1, -1, -1, -1]
        return
      }
      values += [
        Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec),
      ]
    }
    add(mission.eventsPath)
    add("\(mission.directory)/\(MissionPaths.metaFile)")
    add(mission.tasksDirectory)
    for file in mission.promptFiles() { add(file.path) }
    return values
  }
}
