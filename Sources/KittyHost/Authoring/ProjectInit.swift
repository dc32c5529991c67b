import Foundation
import KittyCore
import KittyGit
import KittyWorkspaces

/// `git kitty init`: the files a repository needs to hold missions; idempotent.
public enum ProjectInit {
  public static let ignored = [
    ".worktrees/", ".kittify/logs/", ".kittify/orchestrator-run-state.json", ".kittify/orchestrator.lock",
    ".kittify/workspaces/", ".kittify/runtime/",
  ]
  public static let driverName = "git-kitty-event-log"

  /// The merge driver `.gitattributes` assigns to status event logs (git applies the last matching line).
  public static func eventLogDriver(root: String) -> String? {
    let text = (try? String(contentsOfFile: "\(root)/.gitattributes", encoding: .utf8)) ?? ""
    for line in text.split(separator: "\n").reversed() {
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      guard let pattern = words.first, !pattern.hasPrefix("#"), pattern.hasSuffix("status.events.jsonl") else {
        continue
      }
      if let value = words.dropFirst().last(where: { $0.hasPrefix("merge=") }) {
        return String(value.dropFirst("merge=".count))
      }
    }
    return nil
  }

  /// Returns what changed (empty when nothing had to).
  public static func run(root: String) throws -> [String] {
    var changes: [String] = []
    let fm = FileManager.default
    let config = "\(root)/.kittify/config.yaml"
    if !fm.fileExists(atPath: config) {
      try fm.createDirectory(atPath: "\(root)/.kittify", withIntermediateDirectories: true)
      try AtomicFile.write("vcs:\n  type: git\nagents:\n  available: []\n", to: config)
      changes.append("created .kittify/config.yaml")
    }
    let gitignore = "\(root)/.gitignore"
    var ignoreText = (try? String(contentsOfFile: gitignore, encoding: .utf8)) ?? ""
    let present = Set(ignoreText.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
    let missing = ignored.filter { !present.contains($0) && !present.contains("/" + $0) }
    if !missing.isEmpty {
      if !ignoreText.isEmpty && !ignoreText.hasSuffix("\n") { ignoreText += "\n" }
      ignoreText += "# git-kitty\n" + missing.joined(separator: "\n") + "\n"
      try AtomicFile.write(ignoreText, to: gitignore)
      changes.append("added \(missing.joined(separator: ", ")) to .gitignore")
    }
    // The event-log merge driver: the one .gitattributes names (spec-kitty's in a spec-kitty project; a clone has
    // its .gitattributes but not its .git/config), else spec-kitty's when configured, else git-kitty's. git-kitty's
    // command is registered under that name when nothing defines it.
    let repo = try Repository.open(at: root)
    let declared = eventLogDriver(root: root)
    let specKitty = "spec-kitty-event-log"
    let specKittyConfigured = try repo.configString("merge.\(specKitty).driver") != nil
    let name = declared ?? (specKittyConfigured ? specKitty : driverName)
    if try repo.configString("merge.\(name).driver") == nil {
      try repo.setConfigString("merge.\(name).name", "git-kitty union of status event logs")
      try repo.setConfigString("merge.\(name).driver", "git-kitty merge-driver event-log %O %A %B")
      changes.append("registered the merge driver \(name) in .git/config (git kitty merge-driver event-log)")
    }
    if declared == nil {
      let attributes = "\(root)/.gitattributes"
      var text = (try? String(contentsOfFile: attributes, encoding: .utf8)) ?? ""
      if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
      text += "kitty-specs/*/status.events.jsonl merge=\(name)\n"
      try AtomicFile.write(text, to: attributes)
      changes.append("declared the merge driver in .gitattributes")
    }
    return changes
  }
}

/// `git kitty merge-driver event-log %O %A %B`: the union of two event logs' rows by `event_id`, ordered by
/// `(at, event_id)`; rows without an id are kept once. Like spec-kitty's driver it refuses (and git then reports a
/// conflict) when one `event_id` carries two different payloads or a side cannot be read: either would lose rows.
/// The result replaces %A.
public enum EventLogMergeDriver {
  public static func merge(base: String, ours: String, theirs: String) throws -> String {
    var logs: [(name: String, text: String)] = []
    for (path, role) in [(base, "ancestor (%O)"), (ours, "ours (%A)"), (theirs, "theirs (%B)")] {
      // git always passes three files (an empty ancestor when there is none): a missing one is a mistake in the
      // driver's configuration, and merging without it would lose its rows.
      let data: Data?
      do {
        data = try FileBytes.read(path)
      } catch {
        throw MissionAuthor.Failure(message: "the \(role) event log \(error.description); merge the event log by hand")
      }
      guard let data else {
        throw MissionAuthor.Failure(
          message:
            "the \(role) event log \(path) does not exist; the driver is run by git as "
            + "`git kitty merge-driver event-log %O %A %B`")
      }
      guard let text = String(data: data, encoding: .utf8) else {
        throw MissionAuthor.Failure(message: "\(path) cannot be read as UTF-8 text; merge the event log by hand")
      }
      logs.append((path, text))
    }
    do {
      return try EventLogUnion.merge(logs)
    } catch {
      throw MissionAuthor.Failure(message: error.description)
    }
  }
}
