import ArgumentParser
import Foundation
import KittyCore
import KittyWorkspaces

/// Flags shared by the human-facing commands.
struct OutputOptions: ParsableArguments {
  @Flag(name: .long, help: "Print JSON on stdout instead of text.")
  var json = false
}

/// Writes machine output to stdout and diagnostics to stderr; turns library errors into one-line messages.
enum Console {
  static func printJSON(_ value: JSONValue) {
    print(JSONWriter(indent: 2, sortKeys: false, ensureASCII: false).string(value))
  }

  static func error(_ message: String) {
    FileHandle.standardError.write(Data(("git kitty: " + message + "\n").utf8))
  }

  /// What `.worktreeinclude` copied into a new worktree, and what it could not, on stderr.
  static func reportIncluded(_ outcome: WorktreeInclude.Outcome) {
    outcome.messages.forEach(error)
  }

  /// Runs `body`; an error becomes a one-line message on stderr and exit status 1.
  static func run(_ body: () throws -> Void) throws {
    do {
      try body()
    } catch let exit as ExitCode {
      throw exit
    } catch {
      Console.error(describe(error))
      throw ExitCode(1)
    }
  }

  /// `run` for async bodies.
  static func run(_ body: () async throws -> Void) async throws {
    do {
      try await body()
    } catch let exit as ExitCode {
      throw exit
    } catch {
      Console.error(describe(error))
      throw ExitCode(1)
    }
  }

  /// One line for any error: our own errors read as their message; Foundation's file errors, which read as a
  /// dump of their domain and user info, as "<path>: <reason>"; anything else by its Swift description, never
  /// Foundation's "The operation could not be completed".
  static func describe(_ error: Error) -> String {
    // (On Linux every error casts to CustomStringConvertible through NSError, whose description is Foundation's
    // generic text, so the cast cannot tell our errors apart; String(describing:) uses the type's own description.)
    if FileError.isFoundationError(error) { return "file operation failed: \(FileError.describe(error))" }
    return String(describing: error)
  }

  static var currentDirectory: String { FileManager.default.currentDirectoryPath }
}

extension Int64 {
  /// `12.3 MB`-style size for people.
  var humanSize: String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var value = Double(self)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0 ? "\(self) B" : String(format: "%.1f %@", value, units[unit])
  }
}
