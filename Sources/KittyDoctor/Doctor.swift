import Foundation
import KittyBasics
import KittyCore
import KittyGit
import KittyOrchestrator

/// `git kitty doctor`: checks the environment git-kitty runs in and says, per check, what to fix.
public struct Doctor: Sendable {
  public enum Status: String, Sendable {
    /// Nothing to do.
    case ok
    /// Works, but something will bite later (an old git, an agent missing, outdated hooks).
    case warn
    /// git-kitty cannot work until this is fixed; the command exits 1.
    case fail
    /// Does not apply here (repository checks outside a repository).
    case skip
  }

  public struct Check: Sendable, Equatable {
    public var name: String
    public var status: Status
    public var detail: String

    public init(_ name: String, _ status: Status, _ detail: String) {
      self.name = name
      self.status = status
      self.detail = detail
    }

    public var json: JSONValue {
      ["check": .string(name), "status": .string(status.rawValue), "detail": .string(detail)]
    }
  }

  public struct Report: Sendable {
    public var checks: [Check]

    /// Whether a check failed; warnings and skips do not count.
    public var failed: Bool { checks.contains { $0.status == .fail } }

    public var json: JSONValue { ["ok": .bool(!failed), "checks": .array(checks.map(\.json))] }

    /// One line per check: status, name, detail.
    public var lines: [String] {
      let width = (checks.map(\.name.count).max() ?? 0) + 2
      return checks.map {
        $0.status.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)
          + $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + $0.detail
      }
    }
  }

  /// Where the repository checks look (any directory of a checkout or worktree).
  public let directory: String
  /// PATH and the protected-branch escape hatch are read from here, never from the process.
  public let environment: [String: String]
  /// Upper bound for each external command (`git --version`, `spec-kitty --version`, …).
  public let timeout: Double
  /// `doctor --executor` (nil: `[executor] kind` of the repository's orchestrator.toml).
  public var executorOverride: ExecutorKind?

  public init(
    directory: String, environment: [String: String] = ProcessInfo.processInfo.environment, timeout: Double = 30,
    executor: ExecutorKind? = nil
  ) {
    self.executorOverride = executor
    self.directory = directory
    self.environment = ChildProcess.scrubbedEnvironment(environment)
    self.timeout = timeout
  }

  private enum Item: CaseIterable {
    case libgit2, git, gitKitty, agents, agentCLIs, specKitty, sandbox, executor, repository
  }

  /// Runs every check; the slow ones (spec-kitty starts in seconds) run at the same time as the others.
  public func run() -> Report {
    let results = ParallelMap.run(Item.allCases, minimumPerTask: 1) { item -> [Check] in
      switch item {
      case .libgit2: return [libgit2()]
      case .git: return [git()]
      case .gitKitty: return [gitKittyOnPath()]
      case .agents: return [agents()]
      case .agentCLIs: return agentCLIs()
      case .specKitty: return [specKitty()]
      case .sandbox: return [sandbox()]
      case .executor: return executor()
      case .repository: return repositoryChecks()
      }
    }
    return Report(checks: results.flatMap { $0 })
  }

  // MARK: shared helpers

  /// The absolute path of `program` on this doctor's PATH.
  func which(_ program: String) -> String? {
    ChildProcess.resolve(program, environment: environment)
  }

  func capture(_ argv: [String], extraEnvironment: [String: String] = [:]) -> ChildProcess.Captured {
    ChildProcess.runCapturing(
      argv, directory: directory, environment: environment.merging(extraEnvironment) { $1 }, timeout: timeout)
  }

  /// The first dotted number in `text` ("git version 2.39.5" -> "2.39.5").
  static func firstVersion(in text: String) -> String? {
    var best: Substring?
    var index = text.startIndex
    while index < text.endIndex {
      guard text[index].isASCII, text[index].isNumber else {
        index = text.index(after: index)
        continue
      }
      var end = index
      while end < text.endIndex, text[end].isASCII, text[end].isNumber || text[end] == "." {
        end = text.index(after: end)
      }
      var candidate = text[index..<end]
      while candidate.hasSuffix(".") { candidate = candidate.dropLast() }
      if candidate.contains(".") {
        best = candidate
        break
      }
      index = end
    }
    return best.map(String.init)
  }

  /// The last few lines of a failed command's output, for a one-line detail.
  static func tail(_ captured: ChildProcess.Captured) -> String {
    if captured.timedOut { return "timed out" }
    if let launchError = captured.launchError { return launchError }
    let text = captured.stderr.trimmingWhitespace.isEmpty ? captured.stdout : captured.stderr
    let lines = text.split(separator: "\n").suffix(2).joined(separator: " | ")
    return lines.isEmpty ? "exit status \(captured.status)" : "exit status \(captured.status): \(lines)"
  }
}
