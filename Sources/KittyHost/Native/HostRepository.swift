import Foundation
import KittyCore
import KittyGit

/// The repository a host call works on: found from the current directory (main checkout or any
/// worktree); missions always live in the main checkout.
public struct HostRepository: Sendable {
  /// The main checkout's root, without a trailing slash.
  public let root: String
  /// The common git directory (shared by all worktrees), without a trailing slash.
  public let commonDirectory: String

  public init(root: String, commonDirectory: String) {
    self.root = root
    self.commonDirectory = commonDirectory
  }

  /// Where the read verbs keep the folds of the event logs between calls: the user's cache directory
  /// (`$GIT_KITTY_CACHE_DIR`, else `$XDG_CACHE_HOME/git-kitty`, else `~/.cache/git-kitty`), never the repository:
  /// a read changes nothing in it.
  public var foldCheckpoints: FoldCheckpointStore { FoldCheckpointStore(directory: "\(Self.cacheDirectory)/fold") }

  /// Where the read verbs keep what they parsed of the prompt files, beside the folds.
  public var promptIndex: PromptFileIndex { PromptFileIndex(directory: "\(Self.cacheDirectory)/prompts") }

  /// $HOME as git reads it; the account's entry only without one (Foundation's NSHomeDirectory reads
  /// /etc/passwd on every call).
  static var homeDirectory: String {
    ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
  }

  static var cacheDirectory: String {
    let environment = ProcessInfo.processInfo.environment
    return environment["GIT_KITTY_CACHE_DIR"].flatMap { $0.isEmpty ? nil : $0 }
      ?? environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : "\($0)/git-kitty" }
      ?? "\(homeDirectory)/.cache/git-kitty"
  }

  /// Locates the repository containing `directory`.
  public static func locate(from directory: String) throws(HostFailure) -> HostRepository {
    // The usual layouts are read from their files; libgit2 (and its start-up cost) only for the others.
    if let found = RepositoryLayout.discover(from: directory) {
      return HostRepository(root: found.mainRoot, commonDirectory: found.commonDirectory)
    }
    do {
      let repo = try Repository.discover(from: directory)
      guard let root = repo.mainWorkingDirectory else {
        throw HostFailure(
          .missionNotFound,
          "\(directory) is a bare repository: it has no checkout to hold missions and worktrees. Run git kitty in a "
            + "clone with a working tree (git clone \(directory) <dir>)")
      }
      return HostRepository(root: root, commonDirectory: Path.stripTrailingSlash(repo.commonDirectory))
    } catch let failure as HostFailure {
      throw failure
    } catch {
      throw HostFailure(
        .missionNotFound, "Not inside a git repository (\(directory)): run git kitty from a repository checkout")
    }
  }

  /// Resolves a `--mission` handle, mapping every lookup problem to its envelope.
  public func mission(_ handle: String) throws(HostFailure) -> Mission {
    do {
      return try MissionLocator.resolve(handle, repoRoot: root)
    } catch {
      throw HostFailure.from(error)
    }
  }
}

extension HostFailure {
  /// The single place where domain errors become orchestrator-api error codes.
  public static func from(_ error: MissionError) -> HostFailure {
    switch error {
    case .notFound(let handle):
      return HostFailure(.missionNotFound, "Mission '\(handle)' not found in kitty-specs/")
    case .ambiguous(_, let candidates):
      return HostFailure(.missionNotFound, error.description, fields: ["candidates": .strings(candidates)])
    case .unsafeHandle:
      return HostFailure(.usageError, error.description)
    case .noSpecsDirectory:
      return HostFailure(.missionNotFound, error.description)
    case .corruptEventLog(let path, let logError):
      var fields: JSONObject = ["path": .string(path)]
      if let line = logError.line { fields["line"] = .int(line) }
      return HostFailure(.missionNotReady, error.description, fields: fields)
    case .corruptFile(let path, _):
      return HostFailure(.missionNotReady, error.description, fields: ["path": .string(path)])
    case .invalidWorkPackage, .missingDependency, .dependencyCycle:
      return HostFailure(.missionNotReady, error.description)
    }
  }
}

extension EventLogError {
  /// The 1-based line the problem is on, when it is about one line.
  public var line: Int? {
    switch self {
    case .invalidJSON(let line, _), .notAnObject(let line), .invalidStructure(let line, _),
      .unknownKind(let line, _), .unknownLane(let line, _), .notUTF8(let line):
      return line
    case .unreadable: return nil
    }
  }
}
