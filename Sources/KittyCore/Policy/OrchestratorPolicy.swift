import Foundation

/// The `--policy` JSON an orchestrator passes, validated exactly as spec-kitty 3.2.7 does (host-contract §3):
/// parse, object, required keys in order, string types, dangerous flags, tool restrictions, secret scan.
public struct OrchestratorPolicy: Sendable, Equatable {
  public static let requiredKeys = [
    "orchestrator_id", "orchestrator_version", "agent_family", "approval_mode", "sandbox_mode", "network_mode",
    "dangerous_flags",
  ]
  public static let bannedFlags: Set<String> = [
    "--full-auto", "--yolo", "--dangerously-bypass-approvals-and-sandbox", "--dangerously-skip-permissions",
  ]

  public var orchestratorID: String
  public var orchestratorVersion: String
  public var agentFamily: String
  public var approvalMode: String
  public var sandboxMode: String
  public var networkMode: String
  public var dangerousFlags: [String]
  public var toolRestrictions: String?

  /// Why a policy was refused; the message is spec-kitty's.
  public struct Invalid: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
  }

  public static func parse(_ text: String) throws(Invalid) -> OrchestratorPolicy {
    let value: JSONValue
    do {
      value = try JSONParser.parse(text)
    } catch let error as JSONParseError {
      throw Invalid(message: "--policy is not valid JSON: \(error.pythonDescription(in: text))")
    } catch {
      throw Invalid(message: "--policy is not valid JSON: \(error)")
    }
    guard case .object(let object) = value else { throw Invalid(message: "--policy must be a JSON object") }
    for key in requiredKeys where object[key] == nil {
      throw Invalid(message: "--policy missing required field: '\(key)'")
    }
    var strings: [String: String] = [:]
    for key in requiredKeys.dropLast() {
      guard case .string(let text)? = object[key] else { throw Invalid(message: "--policy.\(key) must be a string") }
      strings[key] = text
    }
    guard case .array(let items)? = object["dangerous_flags"] else {
      throw Invalid(message: "--policy.dangerous_flags must be a JSON array")
    }
    var flags: [String] = []
    for item in items {
      guard let flag = item.stringValue else {
        throw Invalid(message: "--policy.dangerous_flags entries must be strings")
      }
      if bannedFlags.contains(flag) {
        throw Invalid(
          message:
            "--policy.dangerous_flags contains a banned flag: \(MissionPaths.pythonQuote(flag)). Banned flags must never appear in orchestrator policy payloads."
        )
      }
      flags.append(flag)
    }
    var restrictions: String?
    switch object["tool_restrictions"] {
    case nil, .null?: restrictions = nil
    case .string(let text)?: restrictions = text
    default: throw Invalid(message: "--policy.tool_restrictions must be a string or null")
    }
    if let field = secretField(in: .object(object), path: "") {
      throw Invalid(
        message:
          "--policy field '\(field)' appears to contain a secret (matched pattern: token|secret|key|password|credential). Do not pass secrets via --policy."
      )
    }
    return OrchestratorPolicy(
      orchestratorID: strings["orchestrator_id"]!, orchestratorVersion: strings["orchestrator_version"]!,
      agentFamily: strings["agent_family"]!, approvalMode: strings["approval_mode"]!,
      sandboxMode: strings["sandbox_mode"]!, networkMode: strings["network_mode"]!, dangerousFlags: flags,
      toolRestrictions: restrictions)
  }

  /// The dotted path of the first string value (at any depth) that looks like a secret.
  static func secretField(in value: JSONValue, path: String) -> String? {
    switch value {
    case .string(let text):
      let lower = text.lowercased()
      return ["token", "secret", "key", "password", "credential"].contains(where: lower.contains) ? path : nil
    case .array(let items):
      for (index, item) in items.enumerated() {
        if let found = secretField(in: item, path: "\(path)[\(index)]") { return found }
      }
      return nil
    case .object(let object):
      for (key, item) in object {
        if let found = secretField(in: item, path: path.isEmpty ? key : "\(path).\(key)") { return found }
      }
      return nil
    default:
      return nil
    }
  }

  /// The eight fields persisted on events (unknown keys are dropped).
  public var json: JSONValue {
    [
      "orchestrator_id": .string(orchestratorID), "orchestrator_version": .string(orchestratorVersion),
      "agent_family": .string(agentFamily), "approval_mode": .string(approvalMode),
      "sandbox_mode": .string(sandboxMode),
      "network_mode": .string(networkMode), "dangerous_flags": .strings(dangerousFlags),
      "tool_restrictions": .optional(toolRestrictions),
    ]
  }
}
