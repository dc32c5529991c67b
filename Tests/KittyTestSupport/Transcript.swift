import Foundation

/// A recorded spec-kitty session from `shared/reference/transcripts/*.md`: each block is a heading,
/// a `$ command`, its stdout and an `[exit=N, …]` line.
public struct Transcript {
  public struct Block {
    public let heading: String
    public let command: String
    public let stdoutLines: [String]
    public let exitCode: Int32?

    /// The envelope line (the last stdout line that starts with `{`).
    public var envelope: String? { stdoutLines.last { $0.hasPrefix("{") } }
  }

  public let blocks: [Block]

  public init(named name: String) throws {
    let text = try String(
      contentsOfFile: "\(TestSupport.sharedDirectory)/reference/transcripts/\(name).md", encoding: .utf8)
    var blocks: [Block] = []
    var heading = ""
    var command: String?
    var lines: [String] = []
    var inFence = false
    var inStderr = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if line.hasPrefix("#### ") {
        heading = String(line.dropFirst(5))
        continue
      }
      if line.hasPrefix("```") {
        inFence.toggle()
        if inFence {
          command = nil
          lines = []
          inStderr = false
        }
        continue
      }
      guard inFence else { continue }
      if command == nil, line.hasPrefix("$ ") {
        command = String(line.dropFirst(2))
        continue
      }
      if line == "--- stderr ---" {
        inStderr = true
        continue
      }
      if line.hasPrefix("[exit="), let command {
        let code = line.dropFirst(6).prefix { $0.isNumber }
        blocks.append(Block(heading: heading, command: command, stdoutLines: lines, exitCode: Int32(code)))
        continue
      }
      if !inStderr { lines.append(line) }
    }
    self.blocks = blocks
  }

  /// The first block under a heading (exact match).
  public func block(_ heading: String) throws -> Block {
    guard let block = blocks.first(where: { $0.heading == heading }) else {
      throw TestFailure("transcript has no block '\(heading)'")
    }
    return block
  }
}
