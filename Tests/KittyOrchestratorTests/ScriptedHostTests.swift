import Foundation
import KittyCore
@testable import KittyHost
@testable import KittyOrchestrator
import KittyTestSupport
import Synchronization
import Testing

/// A host that answers like the native one but lets a test intervene in chosen calls: the review loop's handling
/// of refusals and transport failures, without string matching anywhere.
final class ScriptedHost: MissionHost, Sendable {
  enum Intervention: Sendable {
    /// Before the transition to this lane: move the WP there first (as the post-commit hook would), then refuse.
    case movedAlready(Lane)
    /// start-review fails with no envelope.
    case startReviewTransport
    /// accept-mission refuses as spec-kitty 4.0 does (the recorded envelope's data).
    case acceptRefused(JSONObject)
  }

  let inner: LocalHost
  let interventions: [Intervention]
  let calls = Mutex<[String]>([])

  init(root: String, _ interventions: [Intervention]) {
    inner = LocalHost(root: root)
    self.interventions = interventions
  }

  var kind: HostKind { .native }
  func record(_ call: String) { calls.withLock { $0.append(call) } }

  func contractVersion() async throws(HostError) -> String { try await inner.contractVersion() }
  func missionState(mission: String) async throws(HostError) -> HostMissionState {
    try await inner.missionState(mission: mission)
  }
  func listReady(mission: String) async throws(HostError) -> [String] { try await inner.listReady(mission: mission) }
  func resolveWorkspace(mission: String, wp: String) async throws(HostError) -> HostWorkspace {
    try await inner.resolveWorkspace(mission: mission, wp: wp)
  }
  func startImplementation(mission: String, wp: String, actor: String, policy: String) async throws(HostError)
    -> HostWorkspace
  {
    record("start-implementation \(wp)")
    return try await inner.startImplementation(mission: mission, wp: wp, actor: actor, policy: policy)
  }
  func startReview(mission: String, wp: String, actor: String, policy: String, reviewRef: String?)
    async throws(HostError) -> HostReviewPin?
  {
    record("start-review \(wp)")
    if interventions.contains(where: { if case .startReviewTransport = $0 { return true } else { return false } }) {
      throw HostError(.transport, "spec-kitty printed no envelope (exit 1): Traceback … KeyError")
    }
    return try await inner.startReview(mission: mission, wp: wp, actor: actor, policy: policy, reviewRef: reviewRef)
  }
  func transition(_ request: HostTransition) async throws(HostError) {
    record("transition \(request.wp) \(request.to.rawValue)")
    for case .movedAlready(let lane) in interventions where lane == request.to {
      try await inner.transition(request)
      throw HostError(.refused(.transitionRejected), "Illegal transition: \(lane.rawValue) -> \(lane.rawValue)")
    }
    try await inner.transition(request)
  }
  func markSubtasksDone(mission: String, wp: String, subtasks: [String]) async throws(HostError) {
    record("mark \(wp) \(subtasks.joined(separator: " "))")
  }
  func acceptMission(mission: String, actor: String) async throws(HostError) {
    record("accept-mission")
    for case .acceptRefused(let data) in interventions {
      throw HostError(.refused(.missionNotReady), data["message"]?.stringValue ?? "refused", details: data)
    }
    try await inner.acceptMission(mission: mission, actor: actor)
  }
  func mergeMission(mission: String, target: String?, strategy: String?) async throws(HostError) -> HostMergeResult {
    record("merge-mission")
    return try await inner.mergeMission(mission: mission, target: target, strategy: strategy)
  }
  func mergeInOrder(mission: String, target: String?, strategy: String?) async throws(HostError) -> HostMergeResult {
    record("merge-mission")
    return try await inner.mergeInOrder(mission: mission, target: target, strategy: strategy)
  }
}

@Suite struct ScriptedHostTests {
  func run(
    _ sandbox: OrchestratorSandbox, _ host: ScriptedHost, change: (inout OrchestrateOptions) -> Void = { _ in }
  ) async throws -> RunResult {
    var options = OrchestrateOptions(root: sandbox.repo, mission: sandbox.slug, config: OrchestratorConfig())
    change(&options)
    options.implementationAgents = ["script"]
    options.reviewAgents = ["script"]
    options.backoffBase = 0.01
    let orchestrator = Orchestrator(
      options: options, host: host, sink: OrchestratorInProcessTests.Recorder(), slug: sandbox.slug)
    return await orchestrator.run()
  }

  /// The hand-off is refused because something (the post-commit hook) already moved the WP to for_review: the
  /// lane it is in decides, and the review goes on.
  @Test func aRefusedHandOffOfAWPAlreadyForReviewGoesOnToReview() async throws {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh")], name: "scripted")
    let host = ScriptedHost(root: sandbox.repo, [.movedAlready(.forReview)])
    let result = try await run(sandbox, host)
    #expect(result.exitCode == 0, "\(result.summary)")
    #expect(try sandbox.lanes()["WP01"] == "approved")
    #expect(host.calls.withLock { $0 }.contains("start-review WP01"))
  }

  @Test func aStartReviewWithoutAnEnvelopeSetsTheWPAsideWithTheHostsWords() async throws {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh")], name: "scripted")
    let host = ScriptedHost(root: sandbox.repo, [.startReviewTransport])
    let result = try await run(sandbox, host)
    #expect(result.exitCode == 1)
    #expect(result.summary.contains("WP01 (for_review): start-review failed: spec-kitty printed no envelope"))
    #expect(try sandbox.lanes()["WP01"] == "for_review", "nothing forced")
  }

  /// The subtasks are recorded the host's way before the hand-off asks for for_review.
  @Test func subtasksAreMarkedBeforeTheHandOff() async throws {
    var wp = SandboxWP("WP01", file: "src/core.sh")
    wp.subtasks = ["T001", "T002"]
    let sandbox = try OrchestratorSandbox([wp], name: "scripted")
    let host = ScriptedHost(root: sandbox.repo, [])
    let result = try await run(sandbox, host)
    #expect(result.exitCode == 0, "\(result.summary)")
    let calls = host.calls.withLock { $0 }
    let mark = try #require(calls.firstIndex(of: "mark WP01 T001 T002"), "\(calls)")
    let handOff = try #require(calls.firstIndex(of: "transition WP01 for_review"), "\(calls)")
    #expect(mark < handOff)
  }

  static func recordedAcceptRefusal() throws -> JSONObject {
    let text = try TestSupport.read(
      "\(TestSupport.repoRoot)/Tests/Conformance/spec-kitty-4.0/accept-mission-not-ready.json")
    return try #require(try JSONParser.parse(text)["data"]?.objectValue)
  }

  /// spec-kitty 4.0's refusal to accept: the run stops before any merge, names every outstanding check and the
  /// way on; nothing is merged.
  @Test func aRefusedAcceptanceNamesTheHostsChecksAndMergesNothing() async throws {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh")], name: "scripted")
    let host = ScriptedHost(root: sandbox.repo, [.acceptRefused(try Self.recordedAcceptRefusal())])
    let result = try await run(sandbox, host) { $0.merge = true }
    #expect(result.exitCode == 1)
    #expect(result.summary.hasPrefix("accept-mission failed: Acceptance checks failed"), "\(result.summary)")
    #expect(result.summary.contains("\n  metadata: WP01: missing agent in canonical runtime state"))
    #expect(result.summary.contains("\n  activity: Acceptance matrix verdict is 'pending'"))
    #expect(result.summary.contains("git kitty resume --skip-acceptance"))
    #expect(!host.calls.withLock { $0 }.contains("merge-mission"))
    #expect(try sandbox.lanes()["WP01"] == "approved")
  }

  @Test func skipAcceptanceLandsWithoutAskingTheHost() async throws {
    let sandbox = try OrchestratorSandbox([SandboxWP("WP01", file: "src/core.sh")], name: "scripted")
    let host = ScriptedHost(root: sandbox.repo, [.acceptRefused(try Self.recordedAcceptRefusal())])
    let result = try await run(sandbox, host) {
      $0.merge = true
      $0.skipAcceptance = true
    }
    #expect(result.exitCode == 0, "\(result.summary)")
    #expect(result.summary.contains("merged (acceptance skipped) into develop"), "\(result.summary)")
    let calls = host.calls.withLock { $0 }
    #expect(!calls.contains("accept-mission") && calls.contains("merge-mission"), "\(calls)")
    #expect(try sandbox.lanes()["WP01"] == "done")
  }

  /// Two lanes writing one file: both are approved; the merge in dependency order lands lane-a (WP01 done) and
  /// stops at lane-b, naming it, its WP, the path and the commands that resolve it; lane-b is not merged.
  @Test func aConflictingMergeStopsAtTheLaneThatConflicts() async throws {
    let sandbox = try OrchestratorSandbox(
      [
        SandboxWP("WP01", file: "src/shared.sh", implement: "mkdir -p src && echo left > src/shared.sh"),
        SandboxWP("WP02", file: "src/shared.sh", implement: "mkdir -p src && echo right > src/shared.sh"),
      ], name: "scripted")
    let host = ScriptedHost(root: sandbox.repo, [])
    let result = try await run(sandbox, host) { $0.merge = true }
    #expect(result.exitCode == 1)
    #expect(
      result.summary.hasPrefix(
        "merge stopped at lane-b [WP02]: it conflicts with the lanes merged before it (lane-a) on src/shared.sh."),
      "\(result.summary)")
    #expect(result.summary.contains("\nMerged into develop first: lane-a (WP01 done)."), "\(result.summary)")
    #expect(result.summary.hasSuffix("\n  git kitty resume"), "\(result.summary)")
    #expect(try sandbox.lanes() == ["WP01": "done", "WP02": "approved"])
    #expect(try TestSupport.git(["show", "develop:src/shared.sh"], in: sandbox.repo) == "left\n")
  }

  /// The stop message when the lane's worktree is gone and the paths need quoting: the worktree is added back
  /// first, and every argument survives the shell.
  @Test func aStopMessageAddsTheWorktreeBackAndQuotesWhatNeedsIt() {
    let stop = MergeStop(
      laneID: "lane-c", laneBranch: "kitty/mission-m-lane-c", worktree: "/repo/.worktrees/m-lane-c", wpIDs: ["WP03"],
      paths: ["docs/read me.md", "src/a.sh"], target: "develop", against: "develop", remaining: ["lane-d"])
    let lines = Orchestrator.stopMessage(
      stop, merged: HostMergeResult(targetBranch: "develop", kept: [], doneWPs: [], mergedLanes: []),
      worktreeExists: false)
    #expect(
      lines == [
        "merge stopped at lane-c [WP03]: it conflicts with develop on docs/read me.md src/a.sh.",
        "Nothing was merged.",
        "Not merged, left as they are: lane-c, lane-d.",
        "Resolve it in the lane (merge develop into it, fix docs/read me.md src/a.sh, commit), then finish the merge:",
        "  git worktree add /repo/.worktrees/m-lane-c kitty/mission-m-lane-c",
        "  git -C /repo/.worktrees/m-lane-c merge develop",
        "  git -C /repo/.worktrees/m-lane-c add -- 'docs/read me.md' src/a.sh && git -C /repo/.worktrees/m-lane-c "
          + "commit --no-edit",
        "  git kitty resume",
      ])
  }
}
