import Foundation
import KittyCore
import KittyGit

/// Gets a lane worktree ready for work once it exists (made by start-implementation or `git kitty worktree add`):
/// copies what `.worktreeinclude` names from the main checkout, then runs orchestrator.toml's `[worktree] setup`
/// command there unless that command already succeeded in that worktree (a note in the worktree's git directory
/// records it). The one call the orchestrator, `git kitty start` and `git kitty worktree add` make.
public struct WorktreePreparation: Sendable {
  /// `[worktree] setup`: a shell command run in the worktree, its output in `log`.
  public struct Setup: Sendable, Equatable {
    public var command: String
    public var timeout: Double
    /// The log file (absolute).
    public var log: String

    public init(command: String, timeout: Double, log: String) {
      self.command = command
      self.timeout = timeout
      self.log = log
    }
  }

  /// What the caller hears as the preparation goes.
  public enum Progress: Sendable, Equatable {
    /// What `.worktreeinclude` copied, and what it could not.
    case included(WorktreeInclude.Outcome)
    /// The setup command starts; `log` is relative to the main checkout.
    case setupStarted(command: String, log: String)
    case setupFinished(seconds: Int)
  }

  /// Runs `setup` in `worktree` (the caller's executor: the orchestrator records the process so that abort stops
  /// it); returns nil when the command exited 0, else why not.
  public typealias SetupRunner = (_ setup: Setup, _ worktree: String) async -> String?

  /// The main checkout.
  public let root: String
  public let setup: Setup?

  public init(root: String, setup: Setup?) {
    self.root = root
    self.setup = setup
  }

  /// Prepares `worktree`; nil when it is ready, else why it is not (the setup failed; the log is named).
  public func prepare(
    worktree: String, runSetup: SetupRunner, progress: (Progress) async -> Void
  ) async -> String? {
    await progress(.included(WorktreeInclude.apply(root: root, worktree: worktree)))
    guard let setup, !isSetUp(worktree) else { return nil }
    let shownLog = setup.log.hasPrefix(root + "/") ? String(setup.log.dropFirst(root.count + 1)) : setup.log
    await progress(.setupStarted(command: setup.command, log: shownLog))
    let started = Date()
    if let failure = await runSetup(setup, worktree) {
      return "worktree setup failed (\(failure)); see \(shownLog)"
    }
    if let note = Self.note(worktree) { _ = FileAppend.replace(note, with: setup.command + "\n") }
    await progress(.setupFinished(seconds: Int(Date().timeIntervalSince(started).rounded())))
    return nil
  }

  /// Whether the setup command already succeeded in `worktree` (always true without a command).
  public func isSetUp(_ worktree: String) -> Bool {
    guard let setup else { return true }
    guard let note = Self.note(worktree), let data = FileManager.default.contents(atPath: note) else { return false }
    return String(decoding: data, as: UTF8.self) == setup.command + "\n"
  }

  static func note(_ worktree: String) -> String? {
    (try? Repository.open(at: worktree)).map { "\(Path.stripTrailingSlash($0.gitDirectory))/kitty-setup-done" }
  }
}
