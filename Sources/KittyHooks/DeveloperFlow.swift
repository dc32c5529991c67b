import Foundation
import KittyCore
import KittyHost
import KittyWorkspaces

/// The developer's own flow without an orchestrator: next, start, submit, review.
public struct DeveloperFlow: Sendable {
  public let root: String
  public let directory: String
  public var host: OrchestratorHost { HookHost.make(root: root) }
  public var actor: String { HookHost.actor(root: root) }

  public struct Failure: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
  }

  public init(directory: String) throws {
    let repository = try HostRepository.locate(from: directory)
    root = repository.root
    self.directory = directory
  }

  /// The mission: given, else the current lane worktree's, else the repository's only mission.
  public func mission(_ given: String?) throws -> String {
    if let given {
      return try HostRepository.locate(from: root).mission(given).slug
    }
    if let identity = WorktreeIdentity.of(directory) { return identity.missionSlug }
    let missions = MissionLocator.missionDirectories("\(root)/\(MissionPaths.specsDirectory)")
    if missions.count == 1 { return missions[0] }
    throw Failure(
      message: missions.isEmpty
        ? "this repository has no mission yet (git kitty mission new <name>)"
        : "several missions here (\(missions.joined(separator: ", "))): pass --mission")
  }

  func checked(_ response: HostResponse, _ what: String) throws -> JSONObject {
    guard response.success else {
      throw Failure(message: "\(what) failed (\(response.errorCode ?? "no envelope")): \(response.message)")
    }
    return response.data
  }

  public func next(mission given: String?) throws -> [(wp: String, title: String)] {
    let slug = try mission(given)
    let data = try checked(host.call(["list-ready", "--mission", slug]), "list-ready")
    let mission = try Mission(repoRoot: root, slug: slug)
    let titles = Dictionary(
      ((try? mission.workPackages()) ?? []).map { ($0.id, $0.title) }, uniquingKeysWith: { a, _ in a })
    return (data["ready_work_packages"]?.arrayValue ?? []).compactMap { $0["wp_id"]?.stringValue }.map {
      ($0, titles[$0] ?? "")
    }
  }

  /// Claims `wp` (start-implementation); returns the mission, the WP's worktree and what `.worktreeinclude` copied
  /// into it.
  public func start(wp: String, mission given: String?) throws -> (
    mission: String, workspace: String, included: WorktreeInclude.Outcome
  ) {
    let slug = try mission(given)
    let data = try checked(
      host.call([
        "start-implementation", "--mission", slug, "--wp", wp, "--actor", actor, "--policy", HookHost.policy,
      ]), "start-implementation")
    let workspace = data["workspace_path"]?.stringValue ?? ""
    return (slug, workspace, WorktreeInclude.apply(root: root, worktree: workspace))
  }

  /// for_review for the WP of the current worktree (or the one named).
  public func submit(wp given: String?, mission missionGiven: String?) throws -> [String] {
    let slug = try mission(missionGiven)
    var wps: [String]
    if let given {
      wps = [given]
    } else if let identity = WorktreeIdentity.of(directory) {
      let lanes = try checked(host.call(["mission-state", "--mission", slug]), "mission-state")
      let inProgress = Set(
        (lanes["work_packages"]?.arrayValue ?? []).filter { $0["lane"]?.stringValue == "in_progress" }
          .compactMap { $0["wp_id"]?.stringValue })
      wps = identity.workPackages().filter(inProgress.contains)
    } else {
      throw Failure(message: "run git kitty submit inside a lane worktree, or name the WP: git kitty submit WP01")
    }
    if wps.isEmpty { throw Failure(message: "no WP of this worktree is in progress") }
    for wp in wps {
      _ = try checked(
        host.call([
          "transition", "--mission", slug, "--wp", wp, "--to", "for_review", "--actor", actor, "--policy",
          HookHost.policy, "--subtasks-complete", "--note", "submitted with git kitty submit",
        ]), "for_review of \(wp)")
    }
    return wps
  }

  /// start-review, pin what was reviewed on a review branch, then approve or request changes.
  public func review(wp: String, mission given: String?, approve: Bool, feedback: String?) throws -> String {
    let slug = try mission(given)
    _ = try checked(
      host.call(["start-review", "--mission", slug, "--wp", wp, "--actor", actor, "--policy", HookHost.policy]),
      "start-review")
    let resolved = try checked(host.call(["resolve-workspace", "--mission", slug, "--wp", wp]), "resolve-workspace")
    var reference = "review://\(wp)/\(actor)"
    if let branch = resolved["lane_branch"]?.stringValue, let context = try? RepositoryContext.locate(from: root),
      let entry = try? ReviewBranches(context: context).create(slug: slug, wpID: wp, commit: branch)
    {
      reference = entry.branch
    }
    let result: JSONObject = [
      "reviewer": .string(actor), "verdict": approve ? "approved" : "changes_requested",
      "reference": .string(reference),
    ]
    var args = [
      "transition", "--mission", slug, "--wp", wp, "--to", approve ? "approved" : "in_progress", "--actor", actor,
      "--policy", HookHost.policy, "--review-result-json", JSONWriter.pythonDefault.string(.object(result)),
    ]
    if let feedback, !feedback.isEmpty { args += ["--note", feedback] }
    _ = try checked(host.call(args), approve ? "approval" : "request for changes")
    return reference
  }
}
