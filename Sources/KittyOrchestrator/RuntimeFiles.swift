import Foundation
import KittyGit

/// The orchestrator's runtime files are never part of the project: they go to `.git/info/exclude` (local to
/// this clone, nothing to commit) unless a .gitignore already covers them.
public enum RuntimeFiles {
  public static let patterns = [
    "/.kittify/orchestrator-run-state.json", "/.kittify/orchestrator.lock", "/.kittify/logs/", "/.worktrees/",
  ]

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
