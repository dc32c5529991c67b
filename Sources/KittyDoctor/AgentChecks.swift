import Foundation
import KittyCore
import KittyExecutors
import KittyOrchestrator

/// One check per agent CLI on PATH that git-kitty drives with structured output (Claude Code, Codex): its version,
/// and whether it still accepts every flag git-kitty passes it — `--full-auto` vanished from Codex between
/// versions, and a CLI that no longer knows a flag fails every run. The flags are checked against the CLI's own
/// `--help` (of the subcommand the argv starts with: `codex exec --help`), which costs no model call.
extension Doctor {
  func agentCLIs() -> [Check] {
    var config = OrchestratorConfig()
    if let root = repositoryRoot(), let loaded = try? OrchestratorConfig.load(root: root) { config = loaded }
    var checks: [Check] = []
    for id in AgentCatalog.builtIn.keys.sorted() {
      guard let spec = try? AgentCatalog.spec(id, settings: config.agentSettings[id]), spec.output != .text,
        let path = which(spec.command)
      else { continue }
      checks.append(agentCLI(spec, path: path))
    }
    return checks
  }

  func agentCLI(_ spec: AgentSpec, path: String) -> Check {
    let name = "agent \(spec.id)"
    let version = capture([path, "--version"])
    guard version.status == 0, let number = Self.firstVersion(in: version.stdout + version.stderr) else {
      return Check(name, .warn, "\(path) --version failed (\(Self.tail(version)))")
    }
    var unknown: [String] = []
    for args in [spec.implementationArgs, spec.reviewArgs] {
      let subcommands = Array(args.prefix { !$0.hasPrefix("-") })
      let help = capture([path] + subcommands + ["--help"])
      let text = help.stdout + help.stderr
      for flag in Self.flags(in: args) where !text.contains(flag) && !unknown.contains(flag) {
        unknown.append(flag)
      }
    }
    if !unknown.isEmpty {
      return Check(
        name, .fail,
        "\(number) at \(path) does not know \(unknown.joined(separator: ", ")), which git-kitty passes it: "
          + "install the tested version (README, Agents) or set [agents.\(spec.id)] args in "
          + OrchestratorConfig.fileName)
    }
    let tested = Self.testedVersions[spec.id].map { $0 == number ? ", the version tested in CI" : " (CI tests \($0))" }
    return Check(name, .ok, "\(number)\(tested ?? "") at \(path); its flags are accepted")
  }

  /// The versions `make test-agents` runs (scripts/install-agents.sh pins them).
  static let testedVersions = ["claude-code": "2.1.332", "codex": "0.163.0"]

  /// The long options of an argv (`--add-dir`, not its value; `--flag=value` as `--flag`).
  static func flags(in args: [String]) -> [String] {
    args.filter { $0.hasPrefix("--") && $0.count > 2 }.map { String($0.split(separator: "=").first ?? "") }
  }
}
