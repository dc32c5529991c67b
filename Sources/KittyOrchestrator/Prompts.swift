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
      - Commit your work on this branch with git (`git add` + `git commit`) before you finish. A run that leaves
        no new commit counts as failed.
      - Run the project's build and tests in this worktree where it has them.
      - Do not switch branches, rebase, push, or touch other worktrees or the main checkout.
      - Do not edit kitty-specs/*/status.events.jsonl or status.json: git-kitty records progress, including the
        subtasks below once your work is committed.

      """
    if !c.subtasks.isEmpty {
      text += """
        Subtasks (all of them are part of this work package):
        \(c.subtasks.map { "- \($0)" }.joined(separator: "\n"))

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

  /// Rework in a continued session: the agent already has the work package; only the feedback is new.
  public static func reworkContinuation(_ c: Context, feedback: String, cycle: Int) -> String {
    """
    # git-kitty: the review of \(c.wpID) (cycle \(cycle)) asks for changes

    Address all of the feedback below in `\(c.workspace)` on branch `\(c.branch)`, run the tests, and commit.

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

    You may read files and run read-only git commands (`git diff`, `git log`, `git show`, `git status`). Whatever
    you change in the worktree is discarded: only the commit under review can be merged.

    End your final message with your verdict on a line of its own, which reads exactly `KITTY_VERDICT: approved`
    or `KITTY_VERDICT: changes_requested`, followed by the feedback (for changes: what to fix, precisely).

    (A reviewer that can write files may instead write `{"verdict": "approved"|"changes_requested", "feedback":
    "…"}` to \(verdictFile).) Without a verdict the review counts as failed, not as a rejection.

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
