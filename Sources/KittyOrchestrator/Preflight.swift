import Foundation
import KittyCore
import KittyHost
import KittyWorkspaces

/// The checks `--dry-run` makes (and a real run makes first). Nothing is created or changed.
public enum Preflight {
  public struct Report: Sendable {
    public var problems: [String] = []
    public var notes: [String] = []
    public var ok: Bool { problems.isEmpty }
  }

  public static func check(options: OrchestrateOptions, host: OrchestratorHost, slug: String?) -> Report {
    var report = Report()
    let contract = host.call(["contract-version", "--provider-version", "0.1.0"])
    if contract.success, let version = contract.data["api_version"]?.stringValue {
      if let parsed = SemanticVersion(version), parsed < SemanticVersion("1.2.0")! {
        report.problems.append("host contract \(version) is older than 1.2.0 (resolve-workspace is needed)")
      } else {
        report.notes.append("host \(host.name): contract \(version)")
      }
    } else {
      report.problems.append("host \(host.name) did not answer contract-version: \(contract.message)")
    }
    if let slug {
      let state = host.call(["mission-state", "--mission", slug])
      if !state.success {
        report.problems.append("mission \(slug): \(state.message)")
      } else {
        let lanes = (state.data["work_packages"]?.arrayValue ?? []).compactMap { $0["lane"]?.stringValue }
        let ready = host.call(["list-ready", "--mission", slug]).data["ready_work_packages"]?.arrayValue?.count ?? 0
        let inFlight = lanes.filter { ["claimed", "in_progress", "for_review", "in_review"].contains($0) }.count
        let finished = lanes.filter { ["approved", "done", "canceled"].contains($0) }.count
        if ready == 0 && inFlight == 0 && !lanes.isEmpty && finished == lanes.count {
          let merged = lanes.allSatisfy { $0 == "done" || $0 == "canceled" }
          report.notes.append(
            merged
              ? "mission \(slug): every WP is already done; nothing to run"
              : "mission \(slug): every WP is approved; "
                + (options.merge ? "only acceptance and the merge remain" : "nothing to run (add --merge to merge)"))
        } else if ready == 0 && inFlight == 0 {
          report.problems.append(
            "mission \(slug) has no ready WP and no work in flight (lanes: \(Set(lanes).sorted().joined(separator: ", ")))"
          )
        } else {
          report.notes.append("mission \(slug): \(ready) ready, \(inFlight) in flight, \(lanes.count) WPs")
        }
      }
    } else {
      report.problems.append("mission \(options.mission) was not found")
    }
    for id in Set(options.implementationAgents + options.reviewAgents).sorted() {
      do {
        let spec = try AgentCatalog.spec(id, config: options.config)
        if spec.isScript {
          report.notes.append("agent script: built in")
        } else if let path = ChildProcess.resolve(spec.command, environment: ProcessInfo.processInfo.environment) {
          report.notes.append("agent \(id): \(path)")
        } else {
          report.problems.append("agent \(id): \(spec.command) is not on PATH")
        }
      } catch {
        report.problems.append(error.description)
      }
    }
    if let context = try? RepositoryContext.locate(from: options.root), let slug,
      let mission = try? Mission(repoRoot: context.root, slug: slug),
      let target = options.target ?? mission.targetBranch
    {
      if context.protection.isProtected(target) {
        report.problems.append("target branch \(target) is protected; git-kitty never writes to it")
      } else {
        report.notes.append("target branch \(target) (not protected)")
      }
      if host.name == "native" && mission.topology.hasCoordinationBranch {
        report.problems.append(
          "mission \(slug) uses spec-kitty's \(mission.topology.rawValue) topology (status on a coordination branch), "
            + "which git-kitty's native host reads but does not write: run with --host spec-kitty")
      }
    }
    return report
  }
}
