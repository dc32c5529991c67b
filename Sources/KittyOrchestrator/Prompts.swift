import Foundation
import KittyCore

/// The texts agents receive.
public enum Prompts {
  public struct Context: Sendable {
    public var missionSlug: String
    public var wpID: String
    public var wpText: String
    public var workspace: String
    public var branch: String
    public var baseRef: String
    public var subtasks: [String]
  }

  public static func implementation(_ c: Context) -> String {
    var text = """
      # git-kitty: implement \(c.wpID) of mission \(c.missionSlug)

      You are working in the git worktree `\(c.workspace)` on branch `\(c.branch)` (based on `\(c.baseRef)`).
      Implement the work package below, inside this worktree only.

      Rules:
      - Commit your work on this branch with git (`git add` + `git commit`). Uncommitted changes are committed for
        you when you exit, but a run that leaves no new commit counts as failed.
      - Do not switch branches, rebase, push, or touch other worktrees or the main checkout.
      - Do not edit kitty-specs/*/status.events.jsonl or status.json: git-kitty records progress.

      """
    if !c.subtasks.isEmpty {
      text += """
        Subtasks (record each when finished):
        \(c.subtasks.map { "- \($0): `git kitty subtasks mark \($0) --mission \(c.missionSlug)`" }.joined(separator: "\n"))

        """
    }
    text += "\n## Work package\n\n" + c.wpText + "\n"
    return text
  }

  public static func rework(_ c: Context, feedback: String, cycle: Int) -> String {
    implementation(c) + """

      ## Review feedback (cycle \(cycle)): address all of it, then commit

      \(feedback.isEmpty ? "(the reviewer gave no details)" : feedback)

      """
  }

  public static func review(_ c: Context, diff: String, verdictFile: String, cycle: Int) -> String {
    """
    # git-kitty: review \(c.wpID) of mission \(c.missionSlug) (review cycle \(cycle))

    Review the work on branch `\(c.branch)` in `\(c.workspace)` against the work package below. Do not change
    files or commit: you are reviewing, not implementing.

    Criteria: the work package's objectives are met; the change stays within its owned files; the code builds
    and its tests pass where the project has them; nothing unrelated changed.

    Report your verdict by writing this JSON file (outside the worktree):

        \(verdictFile)
        {"verdict": "approved", "feedback": "…"}   or   {"verdict": "changes_requested", "feedback": "what to fix"}

    If you cannot write files, end your output with a line `KITTY_VERDICT: approved` or
    `KITTY_VERDICT: changes_requested` followed by the feedback. Without a verdict the review counts as failed
    (not as a rejection).

    ## Changes since \(c.baseRef)

    ```diff
    \(diff.isEmpty ? "(no changes)" : diff)
    ```

    ## Work package

    \(c.wpText)

    """
  }

  /// The shell block fenced as ```sh kitty-implement (or kitty-review) in a WP body, for the script agent.
  public static func scriptBlock(_ body: String, name: String) -> String? {
    let lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard
      let start = lines.firstIndex(where: {
        let t = $0.trimmingWhitespace
        return t.hasPrefix("```") && t.dropFirst(3).split(separator: " ").map(String.init) == ["sh", name]
      })
    else { return nil }
    guard let end = lines[(start + 1)...].firstIndex(where: { $0.trimmingWhitespace == "```" }) else { return nil }
    return lines[(start + 1)..<end].joined(separator: "\n")
  }
}
