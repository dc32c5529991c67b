import Foundation
import KittyBasics
import KittyCore
import KittyExecutors
import KittyGit
import KittyHost
import KittyOrchestrator

/// The checks that do not need a repository: libraries and programs on PATH.
extension Doctor {
  /// The oldest git git-kitty supports (its hooks rely on reference-transaction, `init -b` and `switch`).
  static let minimumGit = SemanticVersion("2.30")!
  /// The oldest orchestrator-api contract `--host spec-kitty` works with (it needs resolve-workspace).
  static let minimumContract = SemanticVersion("1.2.0")!

  func libgit2() -> Check {
    let running = Libgit2.version
    let built = Libgit2.headerVersion
    let majorMinor = { (version: String) in version.split(separator: ".").prefix(2) }
    if majorMinor(running) != majorMinor(built) {
      return Check(
        "libgit2", .warn, "\(running) is loaded but git-kitty was built against \(built): rebuild it (make install)")
    }
    return Check("libgit2", .ok, running == built ? running : "\(running) (built against \(built))")
  }

  func git() -> Check {
    guard let path = which("git") else {
      return Check("git", .fail, "git is not on PATH; git-kitty's hooks, merge driver and `git kitty` itself need it")
    }
    let result = capture([path, "--version"])
    guard result.status == 0, let text = Self.firstVersion(in: result.stdout), let version = SemanticVersion(text)
    else {
      return Check("git", .fail, "\(path) --version did not answer with a version (\(Self.tail(result)))")
    }
    if version < Self.minimumGit {
      return Check(
        "git", .warn, "\(text) at \(path) is older than 2.30, the oldest git git-kitty supports: upgrade git")
    }
    return Check("git", .ok, "\(text) (\(path))")
  }

  func gitKittyOnPath() -> Check {
    guard let path = which("git-kitty") else {
      return Check(
        "git-kitty", .warn,
        "not on PATH: `git kitty`, the hooks and the merge driver call it by name (make install PREFIX=…)")
    }
    return Check("git-kitty", .ok, path)
  }

  /// The agent CLIs of the catalog found on PATH, and any agent `.kittify/orchestrator.toml` names but lacks.
  func agents() -> Check {
    var config = OrchestratorConfig()
    var configFile = false
    if let root = repositoryRoot() {
      configFile = FileManager.default.fileExists(atPath: "\(root)/\(OrchestratorConfig.fileName)")
      do {
        config = try OrchestratorConfig.load(root: root)
      } catch {
        return Check("agents", .warn, error.description)
      }
    }
    var found: [String] = []
    var lookedFor: [String] = []
    for id in AgentCatalog.builtIn.keys.sorted() where id != "script" {
      guard let spec = try? AgentCatalog.spec(id, settings: config.agentSettings[id]) else { continue }
      lookedFor.append(spec.command)
      if let path = which(spec.command) { found.append("\(id) (\(path))") }
    }
    if configFile {
      var missing: [String] = []
      for id in Set(config.implementationAgents + config.reviewAgents).sorted() {
        do {
          let spec = try AgentCatalog.spec(id, settings: config.agentSettings[id])
          if !spec.isScript && which(spec.command) == nil { missing.append("\(id) (\(spec.command))") }
        } catch {
          missing.append(error.description)
        }
      }
      if !missing.isEmpty {
        return Check(
          "agents", .warn,
          "\(OrchestratorConfig.fileName) names agents that cannot run: \(missing.joined(separator: ", "))")
      }
    }
    if found.isEmpty {
      return Check(
        "agents", .warn,
        "no agent CLI on PATH (looked for \(lookedFor.joined(separator: ", "))); only the built-in script agent "
          + "can run WPs (sh kitty-implement / kitty-review blocks)")
    }
    return Check("agents", .ok, found.joined(separator: ", ") + "; script is built in")
  }

  /// spec-kitty's version and orchestrator-api contract, when it is installed.
  func specKitty() -> Check {
    guard let path = which("spec-kitty") else {
      return Check(
        "spec-kitty", .ok,
        "not on PATH (optional: only --host spec-kitty and repositories using its merge drivers need it)")
    }
    let quiet = ["SPEC_KITTY_NO_UPGRADE_CHECK": "1"]
    // Each call costs seconds of Python start-up: ask both questions at once.
    let (versionResult, contractResult) = Concurrently.run(
      { () throws(Never) in self.capture([path, "--version"], extraEnvironment: quiet) },
      { () throws(Never) in self.capture([path, "orchestrator-api", "contract-version"], extraEnvironment: quiet) })
    let versionRun = versionResult.get()
    let contractRun = contractResult.get()
    guard versionRun.status == 0, let version = Self.firstVersion(in: versionRun.stdout) else {
      return Check("spec-kitty", .warn, "\(path) --version failed (\(Self.tail(versionRun)))")
    }
    let contract: String
    do throws(HostError) {
      let data = try SpecKittyClient.parse(
        stdout: contractRun.stdout, stderr: contractRun.stderr, status: .exited(contractRun.status))
      guard let version = data["api_version"]?.stringValue else {
        throw HostError(.transport, "no api_version in its answer")
      }
      contract = version
    } catch {
      let why = contractRun.timedOut ? "timed out" : error.message
      return Check(
        "spec-kitty", .warn,
        "\(version) at \(path): orchestrator-api contract-version failed (\(why)); --host spec-kitty needs it")
    }
    if let parsed = SemanticVersion(contract), parsed < Self.minimumContract {
      return Check(
        "spec-kitty", .warn,
        "\(version), contract \(contract) at \(path): --host spec-kitty needs contract 1.2.0 or newer")
    }
    if !version.hasPrefix("3.2.") {
      return Check(
        "spec-kitty", .warn,
        "\(version), contract \(contract) at \(path): git-kitty follows spec-kitty 3.2.7's files; other versions may differ"
      )
    }
    return Check("spec-kitty", .ok, "\(version), contract \(contract) (\(path))")
  }
}
