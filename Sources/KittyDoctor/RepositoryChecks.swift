import Foundation
import KittyCore
import KittyGit
import KittyHooks
import KittyHost
import KittyWorkspaces

/// The checks of the repository around `directory`: skipped, not failed, outside one.
extension Doctor {
  static let repositoryCheckNames = ["repository", "protected branches", "hooks", "merge driver"]

  /// The main checkout's root, nil outside a repository (or in a bare one).
  func repositoryRoot() -> String? {
    guard let repo = try? Repository.discover(from: directory) else { return nil }
    return repo.mainWorkingDirectory
  }

  func repositoryChecks() -> [Check] {
    guard let root = repositoryRoot() else {
      return Self.repositoryCheckNames.enumerated().map { index, name in
        Check(
          name, .skip,
          index == 0 ? "\(directory) is not inside a git repository (with a working tree)" : "outside a repository")
      }
    }
    let repo = try? Repository.open(at: root)
    let branch = (try? repo?.currentBranch()) ?? nil
    var checks = [Check("repository", .ok, "\(root) (\(branch.map { "on \($0)" } ?? "detached HEAD"))")]
    checks.append(protectedBranches(branch: branch))
    checks.append(hooks(root: root))
    checks.append(mergeDriver(root: root, repo: repo))
    return checks
  }

  func protectedBranches(branch: String?) -> Check {
    let name = "protected branches"
    let context: RepositoryContext
    do {
      context = try RepositoryContext.locate(from: directory, environment: environment)
    } catch {
      return Check(name, .fail, "\(error)")
    }
    let protection = context.protection
    if protection.hatchActive {
      return Check(
        name, .warn,
        "\(ProtectedBranches.hatchVariable) is set: protection is off and git-kitty may commit to any branch")
    }
    let list = protection.branches.isEmpty ? "none" : protection.branches.sorted().joined(separator: ", ")
    let source =
      protection.source == .config
      ? "from .kittify/config.yaml" : "the default: main, master and the remote default branch"
    var detail = "\(list) (\(source))"
    if let branch, protection.isProtected(branch) {
      detail += "; you are on \(branch): start a feature branch (git switch -c feature/<name>) before a mission"
    }
    return Check(name, .ok, detail)
  }

  func hooks(root: String) -> Check {
    let installer = HookInstaller(root: root)
    let entries: [HookInstaller.Entry]
    do {
      entries = try installer.status()
    } catch {
      return Check("hooks", .warn, "cannot read the hooks: \(error)")
    }
    let names = { (states: Set<HookInstaller.State>) in entries.filter { states.contains($0.state) }.map(\.name) }
    let installed = names([.ours, .chained])
    let outdated = names([.outdated])
    let absent = names([.missing, .foreign])
    if !outdated.isEmpty {
      return Check("hooks", .warn, "outdated: \(outdated.joined(separator: ", ")); run git kitty hooks install")
    }
    if installed.isEmpty {
      let manager = installer.otherManager().map { "; \($0.name) manages the hooks here" } ?? ""
      return Check("hooks", .ok, "not installed (optional: git kitty hooks install)\(manager)")
    }
    if !absent.isEmpty {
      return Check(
        "hooks", .warn,
        "partly installed: \(absent.joined(separator: ", ")) not git-kitty's; run git kitty hooks install")
    }
    let chained = names([.chained]).count
    return Check(
      "hooks", .ok, "\(installed.count) installed\(chained > 0 ? " (\(chained) chaining an older hook)" : "")")
  }

  /// The merge driver `.gitattributes` names for event logs must be defined and runnable, or every git merge of
  /// a status file conflicts (spec-kitty's drivers need `spec-kitty` on PATH).
  func mergeDriver(root: String, repo: Repository?) -> Check {
    let name = "merge driver"
    guard let driver = ProjectInit.eventLogDriver(root: root) else {
      let isProject =
        FileManager.default.fileExists(atPath: "\(root)/.kittify")
        || FileManager.default.fileExists(atPath: "\(root)/\(MissionPaths.specsDirectory)")
      if !isProject { return Check(name, .skip, "no .kittify/ here (git kitty init sets the repository up)") }
      return Check(name, .warn, "no merge driver for status.events.jsonl in .gitattributes; run git kitty init")
    }
    guard let command = (try? repo?.configString("merge.\(driver).driver")) ?? nil else {
      return Check(
        name, .warn,
        ".gitattributes uses merge=\(driver) but merge.\(driver).driver is not configured; run git kitty init")
    }
    let program = String(command.split(separator: " ").first ?? "")
    guard which(program) != nil else {
      return Check(
        name, .warn,
        "merge.\(driver).driver runs \(program), which is not on PATH: git merges of status.events.jsonl will fail")
    }
    return Check(name, .ok, "\(driver): \(command)")
  }
}
