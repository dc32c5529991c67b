import Foundation
import KittyBasics
import KittyCore
import KittyExecutors
import KittyGit

/// What the orchestrator asks of a lane worktree's git state. Reads go through KittyGit; the few writes that must
/// behave exactly like a person's git (a commit that runs the hooks; stash and reset of a reviewer's leftovers;
/// a patch for the review prompt, which libgit2 1.5 cannot format as `git diff` does) use the git binary.
enum WorkspaceGit {
  static func head(_ workspace: String) -> String? {
    guard let repo = try? Repository.open(at: workspace), let id = try? repo.headCommitID() else { return nil }
    return id.description
  }

  /// Commits on HEAD that `base` does not have.
  static func commitsBeyond(_ workspace: String, base: String) -> Int {
    guard let repo = try? Repository.open(at: workspace), let head = try? repo.headCommitID(),
      let baseID = try? repo.resolve(base), let counts = try? repo.aheadBehind(head, baseID)
    else { return 0 }
    return counts.ahead
  }

  static func isDirty(_ workspace: String) -> Bool {
    guard let repo = try? Repository.open(at: workspace) else { return false }
    return (try? repo.isDirty(includeUntracked: true)) ?? false
  }

  /// The worktree's own git directory and the repository's common directory (argv placeholders).
  static func directories(_ workspace: String) -> (gitDir: String?, commonDir: String?) {
    guard let repo = try? Repository.open(at: workspace) else { return (nil, nil) }
    return (Path.stripTrailingSlash(repo.gitDirectory), Path.stripTrailingSlash(repo.commonDirectory))
  }

  /// A sandboxed CLI can only be given directories that exist: the branch's reflog directory may not yet.
  static func prepareWritableRoots(_ paths: AgentPaths) {
    for directory in [paths.branchRefDirectory, paths.branchLogDirectory].compactMap({ $0 }) {
      try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
  }

  /// Runs git in `directory`; its output passes through files in `scratch` (the run's own directory).
  static func run(_ args: [String], in directory: String, scratch: String) async
    -> (status: ExitStatus?, stdout: String, stderr: String)
  {
    try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    var request = ProcessRequest(
      argv: ["git"] + args, directory: directory, environment: ProcessEnvironment.scrubbed(), timeout: .seconds(120))
    request.grace = .seconds(2)
    switch await ProcessRunner.capture(request, scratch: scratch) {
    case .failure(let failure): return (nil, "", failure.message)
    case .success(let captured): return (captured.result.status, captured.stdout, captured.stderr)
    }
  }

  /// Commits what an agent left uncommitted (tracked and untracked, honouring .gitignore) with the git binary, so
  /// that the hooks run as for a person's commit. nil when that worked or there was nothing, else git's complaint.
  static func commitLeftovers(_ workspace: String, message: String, scratch: String) async -> String? {
    guard isDirty(workspace) else { return nil }
    for args in [["add", "-A"], ["-c", "commit.gpgsign=false", "commit", "-q", "-m", message]] {
      let result = await run(args, in: workspace, scratch: scratch)
      if result.status != .exited(0) {
        return "git \(args[0] == "-c" ? "commit" : args[0]): "
          + (result.stderr.trimmingWhitespace.split(separator: "\n").last.map(String.init)
            ?? "\(result.status.map { "\($0)" } ?? "did not run")")
      }
    }
    return nil
  }

  static func diff(_ workspace: String, base: String, scratch: String) async -> String {
    let text = await run(["diff", "--stat", "--patch", "\(base)...HEAD"], in: workspace, scratch: scratch).stdout
    return text.count > 200_000 ? String(text.prefix(200_000)) + "\n… (diff truncated)" : text
  }

  /// What a reviewer changed, put aside.
  struct PutAside: Sendable, Equatable {
    /// The reviewer's commits beyond the pinned commit (the branch tip it left), kept under this ref.
    var commitsRef: String?
    /// Its uncommitted changes (tracked and untracked), kept as a stash commit under this ref.
    var changesRef: String?
    var summary: String {
      [commitsRef.map { "its commits are kept at \($0)" }, changesRef.map { "its uncommitted changes at \($0)" }]
        .compactMap { $0 }.joined(separator: "; ")
    }
  }

  /// Puts the lane worktree back at `pinned` after a review: a reviewer must not change what is merged. Whatever
  /// it committed or left in the tree is kept under `refs/kitty/reviewer/<mission>/<WP>/<cycle>/…`; nil when the
  /// reviewer changed nothing.
  static func restore(_ workspace: String, pinned: String, refPrefix: String, scratch: String) async throws
    -> PutAside?
  {
    let moved = head(workspace) != pinned
    let dirty = isDirty(workspace)
    guard moved || dirty else { return nil }
    var aside = PutAside()
    if dirty {
      // `git stash create` cannot include untracked files: push, keep the stash commit under our ref, drop it.
      let push = await run(
        [
          "-c", "commit.gpgsign=false", "stash", "push", "--include-untracked", "-q", "-m",
          "git-kitty: reviewer changes",
        ],
        in: workspace, scratch: scratch)
      if push.status == .exited(0) {
        let top = await run(["rev-parse", "refs/stash"], in: workspace, scratch: scratch)
        let id = top.stdout.trimmingWhitespace
        if !id.isEmpty {
          _ = await run(["update-ref", "\(refPrefix)/changes", id], in: workspace, scratch: scratch)
          _ = await run(["stash", "drop", "-q"], in: workspace, scratch: scratch)
          aside.changesRef = "\(refPrefix)/changes"
        }
      }
    }
    if moved, let tip = head(workspace) {
      _ = await run(["update-ref", "\(refPrefix)/commits", tip], in: workspace, scratch: scratch)
      aside.commitsRef = "\(refPrefix)/commits"
      let reset = await run(["reset", "-q", "--hard", pinned], in: workspace, scratch: scratch)
      if reset.status != .exited(0) {
        throw RestoreFailure(message: "git reset --hard \(pinned) failed: \(reset.stderr.trimmingWhitespace)")
      }
    }
    if isDirty(workspace) {
      _ = await run(["reset", "-q", "--hard", pinned], in: workspace, scratch: scratch)
      _ = await run(["clean", "-fdq"], in: workspace, scratch: scratch)
    }
    return aside
  }

  struct RestoreFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
  }
}
