import Foundation
import KittyBasics
import KittyCore
import KittyHost
import KittyWorkspaces

/// The developer's own flow without an orchestrator: next, start, submit, review.
public struct DeveloperFlow: Sendable {
  public let root: String
  public let directory: String
  public var host: any MissionHost { HookHost.make(root: root) }
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

  /// Runs one host call; a refusal becomes a one-line failure naming the step.
  func checked<T>(_ what: String, _ call: () async throws(HostError) -> T) async throws -> T {
    do {
      return try await call()
    } catch {
      throw Failure(message: "\(what) failed (\(error.code?.rawValue ?? "no envelope")): \(error.message)")
    }
  }

  public func next(mission given: String?) async throws -> [(wp: String, title: String)] {
    let slug = try mission(given)
    let host = self.host
    let ready = try await checked("list-ready") { () async throws(HostError) in try await host.listReady(mission: slug)
    }
    let mission = try Mission(repoRoot: root, slug: slug)
    let titles = Dictionary(
      ((try? mission.workPackages()) ?? []).map { ($0.id, $0.title) }, uniquingKeysWith: { a, _ in a })
    return ready.map { ($0, titles[$0] ?? "") }
  }

  /// Claims `wp` (start-implementation); returns the mission and the WP's worktree, which the caller prepares
  /// (WorktreePreparation: `.worktreeinclude` and `[worktree] setup`).
  public func start(wp: String, mission given: String?) async throws -> (mission: String, workspace: String) {
    let slug = try mission(given)
    let (host, actor) = (self.host, self.actor)
    let claimed = try await checked("start-implementation") { () async throws(HostError) in
      try await host.startImplementation(mission: slug, wp: wp, actor: actor, policy: HookHost.policy)
    }
    return (slug, claimed.workspacePath)
  }

  /// for_review for the WP of the current worktree (or the one named).
  public func submit(wp given: String?, mission missionGiven: String?) async throws -> [String] {
    let slug = try mission(missionGiven)
    let (host, actor) = (self.host, self.actor)
    var wps: [String]
    if let given {
      wps = [given]
    } else if let identity = WorktreeIdentity.of(directory) {
      let state = try await checked("mission-state") { () async throws(HostError) in
        try await host.missionState(mission: slug)
      }
      let inProgress = Set(state.workPackages.filter { $0.lane == .inProgress }.map(\.id))
      wps = identity.workPackages().filter(inProgress.contains)
    } else {
      throw Failure(message: "run git kitty submit inside a lane worktree, or name the WP: git kitty submit WP01")
    }
    if wps.isEmpty { throw Failure(message: "no WP of this worktree is in progress") }
    for wp in wps {
      var request = HostTransition(mission: slug, wp: wp, to: .forReview, actor: actor)
      request.policy = HookHost.policy
      request.subtasksComplete = true
      request.note = "submitted with git kitty submit"
      try await checked("for_review of \(wp)") { () async throws(HostError) in try await host.transition(request) }
    }
    return wps
  }

  /// start-review, pin what was reviewed on a review branch, then approve or request changes.
  public func review(wp: String, mission given: String?, approve: Bool, feedback: String?) async throws -> String {
    let slug = try mission(given)
    let (host, actor) = (self.host, self.actor)
    let pin = try await checked("start-review") { () async throws(HostError) in
      try await host.startReview(mission: slug, wp: wp, actor: actor, policy: HookHost.policy, reviewRef: nil)
    }
    let reference = pin?.branch ?? "review://\(wp)/\(actor)"
    var request = HostTransition(mission: slug, wp: wp, to: approve ? .approved : .inProgress, actor: actor)
    request.policy = HookHost.policy
    request.review = HostReviewResult(
      reviewer: actor, verdict: approve ? .approved : .changesRequested, reference: reference)
    if let feedback, !feedback.isEmpty { request.note = feedback }
    try await checked(approve ? "approval" : "request for changes") { () async throws(HostError) in
      try await host.transition(request)
    }
    return reference
  }
}
