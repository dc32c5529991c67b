import Foundation
import KittyGit

/// The orchestrator's runtime files are never part of the project: they go to `.git/info/exclude` (local to
/// this clone, nothing to commit) unless a .gitignore already covers them.
public enum RuntimeFiles {
  public static let patterns = [
    "/.kittify/orchestrator-run-state.json", "/.kittify/orchestrator.lock", "/.kittify/logs/", "/.kittify/runs/",
    "/.worktrees/",
  ]

  /// `.kittify/runs/<run id>/`: a run's scratch files (verdict files, short commands' output). A run removes its
  /// own when it ends; what a killed run left is removed by the next orchestrate, resume, status or abort.
  public static func runsDirectory(root: String) -> String { "\(root)/.kittify/runs" }

  /// Removes every run's scratch directory but `keeping`'s (the live run, when there is one).
  public static func sweepRunDirectories(root: String, keeping: String?) {
    let directory = runsDirectory(root: root)
    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name != keeping {
      try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
    }
  }

  public static func ignore(root: String) {
    guard let repo = try? Repository.open(at: root) else { return }
    let exclude = Path.stripTrailingSlash(repo.commonDirectory) + "/info/exclude"
    let existing = (try? String(contentsOfFile: exclude, encoding: .utf8)) ?? ""
    let lines = Set(existing.split(separator: "\n").map { String($0).trimmingCharacters(in: .whitespaces) })
    let missing = patterns.filter { !lines.contains($0) }
    guard !missing.isEmpty else { return }
    try? FileManager.default.createDirectory(
      atPath: (exclude as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    var text = existing
    if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
    text += "# git-kitty runtime files\n" + missing.joined(separator: "\n") + "\n"
    try? text.write(toFile: exclude, atomically: true, encoding: .utf8)
  }
}
