import Foundation
import KittyBasics

/// The git binary, for what must behave exactly like git on the wire (fetch, push, clone into a cache, the exchange
/// repository's hooks) or write plumbing objects on a node. Reads of the coordinator's repository go through KittyGit.
public struct GitCommand: Sendable {
  /// Where the short outputs go (removed after each call).
  var scratch: String
  var environment: [String: String] = ProcessEnvironment.scrubbed()
  var timeout: Duration = .seconds(300)

  public struct Failed: Error, Sendable, CustomStringConvertible {
    public let command: String
    public let detail: String
    public var description: String { "git \(command) failed: \(detail)" }
  }

  /// Runs `git <args>` in `directory`; stdout on success, else the error with git's own last line.
  @discardableResult
  func run(_ args: [String], in directory: String, stdin: String? = nil) async throws(Failed) -> String {
    try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    var request = ProcessRequest(argv: ["git"] + args, directory: directory, environment: environment, timeout: timeout)
    request.grace = .seconds(2)
    let shown = args.first ?? ""
    let ran =
      if let stdin { await ProcessRunner.capture(request, input: stdin, scratch: scratch) } else {
        await ProcessRunner.capture(request, scratch: scratch)
      }
    switch ran {
    case .failure(let failure):
      throw Failed(command: shown, detail: failure.message)
    case .success(let captured):
      guard captured.result.status.isSuccess, !captured.result.timedOut else {
        let last = captured.stderr.split(separator: "\n").last.map(String.init) ?? "\(captured.result.status)"
        throw Failed(command: shown, detail: last)
      }
      return captured.stdout
    }
  }

  func line(_ args: [String], in directory: String, stdin: String? = nil) async throws(Failed) -> String {
    try await run(args, in: directory, stdin: stdin).trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
