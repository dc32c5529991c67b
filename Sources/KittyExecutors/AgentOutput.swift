import Foundation
import KittyCore

/// Tokens and money one agent run reported (nil fields: the CLI did not say).
public struct AgentUsage: Sendable, Equatable, Codable {
  public var inputTokens: Int
  public var outputTokens: Int
  public var cachedInputTokens: Int
  public var costUSD: Double?

  public init(inputTokens: Int = 0, outputTokens: Int = 0, cachedInputTokens: Int = 0, costUSD: Double? = nil) {
    self.inputTokens = inputTokens
    self.outputTokens = outputTokens
    self.cachedInputTokens = cachedInputTokens
    self.costUSD = costUSD
  }

  public static func + (a: AgentUsage, b: AgentUsage) -> AgentUsage {
    AgentUsage(
      inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens,
      cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
      costUSD: a.costUSD == nil && b.costUSD == nil ? nil : (a.costUSD ?? 0) + (b.costUSD ?? 0))
  }
}

/// What a structured agent run said about itself, read from its JSON events.
public struct AgentReport: Sendable, Equatable, Codable {
  public var sessionID: String?
  /// The last assistant message: where the verdict is read (never from the echoed prompt).
  public var finalText: String?
  public var usage: AgentUsage?
  /// The CLI's own error line (API error, auth, rate limit), when it reported one.
  public var error: String?
  /// The model API's HTTP status behind the error, when the CLI says (Claude's `api_error_status`).
  public var apiStatus: Int?
  /// The CLI's own name for the error (Claude's `authentication_failed`, `rate_limit`, `server_error`).
  public var errorCategory: String?
  /// Tool calls the CLI refused to run (permission denials, sandbox refusals).
  public var refusedTools: [String] = []

  public init() {}
}

/// Turns one CLI's stdout lines into a readable transcript and an `AgentReport`.
public protocol AgentOutputParser: Sendable {
  /// Readable transcript lines for one stdout line (empty: nothing worth showing).
  mutating func consume(_ line: String) -> [String]
  var report: AgentReport { get }
}

extension AgentOutputFormat {
  public func makeParser() -> any AgentOutputParser {
    switch self {
    case .text: return TextOutputParser()
    case .claudeStreamJSON: return ClaudeStreamParser()
    case .codexJSON: return CodexJSONParser()
    }
  }
}

/// Plain text: copied through; the CLI reports nothing structured.
public struct TextOutputParser: AgentOutputParser {
  public private(set) var report = AgentReport()
  public init() {}
  public mutating func consume(_ line: String) -> [String] { [line] }
}

private func clip(_ text: String, _ limit: Int = 400) -> String {
  let flat = text.replacingOccurrences(of: "\n", with: "\n    ")
  return flat.count > limit ? String(flat.prefix(limit)) + " …" : flat
}

private func compactJSON(_ value: JSONValue?) -> String {
  guard let value else { return "" }
  if let text = value.stringValue { return text }
  return JSONWriter.pythonDefault.string(value)
}

/// Claude Code `--output-format stream-json --verbose`: `system/init` (session), `assistant` messages (text,
/// tool_use), `user` messages (tool_result, `is_error` for refusals), and a final `result` event (session, usage,
/// `total_cost_usd`, `is_error` with the error text in `result`).
public struct ClaudeStreamParser: AgentOutputParser {
  public private(set) var report = AgentReport()
  public init() {}

  public mutating func consume(_ line: String) -> [String] {
    guard case .object(let event)? = try? JSONParser.parse(line) else { return line.isEmpty ? [] : [line] }
    if let session = event["session_id"]?.stringValue { report.sessionID = session }
    switch event["type"]?.stringValue {
    case "system":
      if event["subtype"]?.stringValue == "init" {
        return ["[session \(report.sessionID ?? "?") model \(event["model"]?.stringValue ?? "?")]"]
      }
      return []
    case "assistant":
      var out: [String] = []
      for block in event["message"]?["content"]?.arrayValue ?? [] {
        switch block["type"]?.stringValue {
        case "text":
          let text = block["text"]?.stringValue ?? ""
          report.finalText = text
          out.append("assistant: " + clip(text, 4000))
        case "tool_use":
          let name = block["name"]?.stringValue ?? "?"
          let input = block["input"]
          let shown = input?["command"]?.stringValue ?? input?["file_path"]?.stringValue ?? compactJSON(input)
          out.append("tool \(name): \(clip(shown))")
        default: continue
        }
      }
      if let category = event["error"]?.stringValue { report.errorCategory = category }
      return out
    case "user":
      var out: [String] = []
      for block in event["message"]?["content"]?.arrayValue ?? [] where block["type"]?.stringValue == "tool_result" {
        let content: String
        if let text = block["content"]?.stringValue {
          content = text
        } else {
          content = (block["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
        }
        let isError = block["is_error"]?.boolValue == true
        if isError, Self.isRefusal(content) { report.refusedTools.append(String(content.prefix(200))) }
        out.append("\(isError ? "tool error" : "result"): \(clip(content))")
      }
      return out
    case "result":
      var usage = AgentUsage()
      if let u = event["usage"] {
        usage.inputTokens = (u["input_tokens"]?.intValue ?? 0) + (u["cache_creation_input_tokens"]?.intValue ?? 0)
        usage.cachedInputTokens = u["cache_read_input_tokens"]?.intValue ?? 0
        usage.outputTokens = u["output_tokens"]?.intValue ?? 0
      }
      usage.costUSD = event["total_cost_usd"]?.doubleValue
      report.usage = usage
      report.apiStatus = event["api_error_status"]?.intValue
      let text = event["result"]?.stringValue
      if event["is_error"]?.boolValue == true || (event["subtype"]?.stringValue ?? "success") != "success" {
        report.error = text.flatMap { $0.isEmpty ? nil : $0 } ?? event["subtype"]?.stringValue ?? "error"
      } else if let text, !text.isEmpty {
        report.finalText = text
      }
      for denial in event["permission_denials"]?.arrayValue ?? [] {
        let name = denial["tool_name"]?.stringValue ?? "?"
        let input = denial["tool_input"]
        report.refusedTools.append("\(name): \(input?["command"]?.stringValue ?? compactJSON(input))")
      }
      let cost = usage.costUSD.map { String(format: " cost $%.4f", $0) } ?? ""
      return [
        "[result \(event["subtype"]?.stringValue ?? "?")\(report.error.map { ": \($0)" } ?? ""); tokens in "
          + "\(usage.inputTokens) out \(usage.outputTokens)\(cost)]"
      ]
    default:
      return []
    }
  }

  static func isRefusal(_ text: String) -> Bool {
    let lower = text.lowercased()
    return lower.contains("requires approval") || lower.contains("permission") || lower.contains("not allowed")
      || lower.contains("denied")
  }
}

/// Codex `exec --json`: `thread.started` (session), `item.started`/`item.completed` (agent_message, reasoning,
/// command_execution with exit code and output, file_change), `turn.completed` (usage), `turn.failed` and `error`.
public struct CodexJSONParser: AgentOutputParser {
  public private(set) var report = AgentReport()
  public init() {}

  public mutating func consume(_ line: String) -> [String] {
    guard case .object(let event)? = try? JSONParser.parse(line) else { return line.isEmpty ? [] : [line] }
    switch event["type"]?.stringValue {
    case "thread.started":
      report.sessionID = event["thread_id"]?.stringValue
      return ["[session \(report.sessionID ?? "?")]"]
    case "item.completed":
      guard let item = event["item"] else { return [] }
      switch item["type"]?.stringValue {
      case "agent_message":
        let text = item["text"]?.stringValue ?? ""
        report.finalText = text
        return ["assistant: " + clip(text, 4000)]
      case "command_execution":
        let command = item["command"]?.stringValue ?? "?"
        let exit = item["exit_code"]?.intValue
        let output = item["aggregated_output"]?.stringValue ?? ""
        if item["status"]?.stringValue == "declined" || Self.isSandboxRefusal(output) {
          report.refusedTools.append("\(command): \(output.prefix(200))")
        }
        return ["tool shell: \(clip(command))", "result (exit \(exit.map(String.init) ?? "?")): \(clip(output))"]
      case "file_change":
        let changes = (item["changes"]?.arrayValue ?? []).map {
          "\($0["kind"]?.stringValue ?? "?") \($0["path"]?.stringValue ?? "?")"
        }
        if item["status"]?.stringValue == "failed" { report.refusedTools.append("apply_patch: \(changes)") }
        return ["tool apply_patch (\(item["status"]?.stringValue ?? "?")): \(changes.joined(separator: ", "))"]
      case "error":
        let message = item["message"]?.stringValue ?? "error"
        return ["warning: \(clip(message))"]
      default:
        return []
      }
    case "turn.completed":
      if let u = event["usage"] {
        let usage = AgentUsage(
          inputTokens: u["input_tokens"]?.intValue ?? 0, outputTokens: u["output_tokens"]?.intValue ?? 0,
          cachedInputTokens: u["cached_input_tokens"]?.intValue ?? 0)
        report.usage = (report.usage ?? AgentUsage()) + usage
        return ["[turn completed; tokens in \(usage.inputTokens) out \(usage.outputTokens)]"]
      }
      return []
    case "turn.failed":
      let message = event["error"]?["message"]?.stringValue ?? "turn failed"
      report.error = message
      return ["[turn failed: \(message)]"]
    case "error":
      let message = event["message"]?.stringValue ?? "error"
      // Codex reports reconnect attempts as errors too; the last one before the end is the one that counts.
      report.error = message
      return ["error: \(message)"]
    default:
      return []
    }
  }

  static func isSandboxRefusal(_ output: String) -> Bool {
    output.contains("Read-only file system") || output.contains("Operation not permitted")
  }
}
