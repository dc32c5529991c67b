import Foundation
import KittyBasics
import KittyCore
import KittyExecutors
import KittyHost
import KittyWorkspaces

/// The checks `--dry-run` makes (and a real run makes first). Nothing is created or changed.
public enum Preflight {
  public struct Report: Sendable {
    public var problems: [String] = []
    public var notes: [String] = []
    /// The sandbox the run's agents get.
    public var sandbox = SandboxChoice(mode: .none)
    public var ok: Bool { problems.isEmpty }
    /// One of the problems is that the mission has no ready WP and no work in flight: a resumed run starts anyway
    /// (its own WPs are in flight as far as it knows).
    public var nothingReady = false
    /// Whether a resumed run may start despite the problems.
    public var resumable: Bool { problems.isEmpty || nothingReady && problems.count == 1 }
  }

  /// The verbs a run calls (the landing verb is chosen from what the host offers).
  static let neededVerbs = [
    "mission-state", "list-ready", "resolve-workspace", "start-implementation", "start-review", "transition",
  ]

  public static func check(options: OrchestrateOptions, host: any MissionHost, slug: String?) async -> Report {
    var report = Report()
    report.sandbox = await SandboxChoice.resolve(requested: options.requestedSandbox)
    if let problem = report.sandbox.problem {
      report.problems.append(problem)
    } else {
      report.notes.append(report.sandbox.note)
    }
    do {
      let offered = try await host.capabilities()
      let version = offered.contractVersion
      if let parsed = SemanticVersion(version), parsed < SemanticVersion("1.2.0")! {
        report.problems.append("host contract \(version) is older than 1.2.0 (resolve-workspace is needed)")
      } else if let missing = Self.neededVerbs.first(where: { !offered.supports($0) }) {
        report.problems.append("host contract \(version) does not offer \(missing)")
      } else {
        report.notes.append("host \(host.kind.rawValue): contract \(version), lands with \(offered.landingVerb)")
      }
    } catch {
      report.problems.append("host \(host.kind.rawValue) did not answer contract-version: \(error.message)")
    }
    if let slug {
      do {
        let state = try await host.missionState(mission: slug)
        let lanes = state.workPackages.map { $0.lane ?? .planned }
        let ready = (try? await host.listReady(mission: slug).count) ?? 0
        let inFlight = lanes.filter { [.claimed, .inProgress, .forReview, .inReview].contains($0) }.count
        let finished = lanes.filter { [.approved, .done, .canceled].contains($0) }.count
        if ready == 0 && inFlight == 0 && !lanes.isEmpty && finished == lanes.count {
          let merged = lanes.allSatisfy { $0 == .done || $0 == .canceled }
          report.notes.append(
            merged
              ? "mission \(slug): every WP is already done; nothing to run"
              : "mission \(slug): every WP is approved; "
                + (options.merge ? "only acceptance and the merge remain" : "nothing to run (add --merge to merge)"))
        } else if ready == 0 && inFlight == 0 {
          let names = Set(state.workPackages.map(\.laneName)).sorted()
          report.problems.append(
            "mission \(slug) has no ready WP and no work in flight (lanes: \(names.joined(separator: ", ")))")
          report.nothingReady = true
        } else {
          report.notes.append("mission \(slug): \(ready) ready, \(inFlight) in flight, \(lanes.count) WPs")
        }
      } catch {
        report.problems.append("mission \(slug): \(error.message)")
      }
    } else {
      report.problems.append("mission \(options.mission) was not found")
    }
    for id in Set(options.implementationAgents + options.reviewAgents).sorted() {
      do {
        let spec = try options.spec(id)
        if let flag = bypassFlag(spec), report.sandbox.mode != .bwrap || report.sandbox.problem != nil {
          report.problems.append(
            "agent \(id) is configured with \(flag), which turns off the CLI's own permission checks; git-kitty uses a "
              + "bypass mode only inside a sandbox, and this run has none. Remove it from [agents.\(id)] in "
              + "\(OrchestratorConfig.fileName), or run with --sandbox bwrap")
        }
        if spec.isScript {
          report.notes.append("agent script: built in")
        } else if let path = ProcessEnvironment.resolve(spec.command, environment: ProcessInfo.processInfo.environment)
        {
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
    }
    if options.merge { report.problems += mergeProblems(options: options, host: host.kind, slug: slug) }
    return report
  }

  /// Flags that make an agent CLI skip its own permission checks or sandbox (and `IS_SANDBOX=1`, which tells
  /// Claude Code as root that something else confines it).
  static let bypassFlags = [
    "bypassPermissions", "--dangerously-skip-permissions", "danger-full-access",
    "--dangerously-bypass-approvals-and-sandbox", "--yolo",
  ]

  static func bypassFlag(_ spec: AgentSpec) -> String? {
    if spec.env["IS_SANDBOX"] != nil { return "IS_SANDBOX" }
    return (spec.implementationArgs + spec.reviewArgs).first { arg in bypassFlags.contains { arg.contains($0) } }
  }
}
