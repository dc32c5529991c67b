import Foundation
import KittyCore
import KittyGit
import KittyWorkspaces

/// The `transition` verb: any lane move, with spec-kitty's guards in spec-kitty's order.
extension NativeHost {
  public struct TransitionArguments: Sendable {
    public var mission: String
    public var wp: String
    public var to: String
    public var actor: String
    public var note: String?
    public var policy: String?
    public var force = false
    public var reviewRef: String?
    public var reviewResultJSON: String?
    public var evidenceJSON: String?
    /// `--subtasks-complete`: git-kitty records every listed subtask as done before the guard runs.
    public var subtasksComplete: Bool?

    public init(mission: String, wp: String, to: String, actor: String) {
      self.mission = mission
      self.wp = wp
      self.to = to
      self.actor = actor
    }
  }

  /// Lanes whose transitions need a policy (progress buckets in_flight/review, except blocked).
  static let policyTargets: Set<Lane> = [.claimed, .inProgress, .forReview, .inReview, .approved]

  public func transition(_ a: TransitionArguments) throws(HostFailure) -> NativeAnswer<HostLaneMove> {
    guard let target = Lane(userValue: a.to) else {
      throw HostFailure(
        .usageError,
        "Unknown lane: '\(a.to.trimmingWhitespace.lowercased())'. Lanes: "
          + Lane.allCases.filter { $0 != .genesis && $0 != .uninitialized }.map(\.rawValue).joined(separator: ", ")
          + " (doing = in_progress)")
    }
    var policy: OrchestratorPolicy?
    if let text = a.policy, !text.isEmpty {
      policy = try Self.parsePolicy(text)
    } else if Self.policyTargets.contains(target) {
      throw HostFailure(.policyMetadataRequired, "--policy is required when transitioning to '\(target.rawValue)'")
    }
    let evidenceValue = try Self.parseEvidenceJSON(a.evidenceJSON)
    let reviewResult = try Self.parseReviewResult(a.reviewResultJSON)
    let mission = try repository.mission(a.mission)
    let promptPath = try Self.promptPathOrFail(mission: mission, wp: a.wp, handle: a.mission)
    let workPackage = try Self.loadWorkPackage(promptPath)
    let context = try writeContext()
    let writer = MissionWriter(mission: mission, context: context)

    if target == .forReview && !a.force {
      try commitGate(mission: mission, wp: a.wp)
    }
    if target == .claimed {
      // git-kitty applies start-implementation's dependency gate here too (spec-kitty skips it).
      let snapshot = try Self.snapshot(mission)
      let unsatisfied = Self.unsatisfiedDependencies(of: workPackage, in: snapshot)
      if !unsatisfied.isEmpty && !a.force {
        var data = mission.identity
        data["wp_id"] = .string(a.wp)
        data["unsatisfied_dependencies"] = .strings(unsatisfied)
        throw HostFailure(
          .dependenciesNotSatisfied,
          "dependencies_not_satisfied: \(a.wp) depends on \(unsatisfied.joined(separator: ", ")); all dependencies "
            + "must be approved or done before implementation can start", fields: data)
      }
    }
    _ = try writer.preflight()

    let from = try writer.locked("transition") { () throws(HostFailure) -> Lane in
      var snapshot = try Self.snapshot(mission)
      let from = snapshot.workPackages[a.wp].flatMap(\.laneValue) ?? .genesis
      var lines: [String] = []
      if a.subtasksComplete == true, from == .inProgress, target == .forReview, !workPackage.subtasks.isEmpty {
        let pending = workPackage.subtasks.filter { snapshot.workPackages[a.wp]?.subtasks[$0] != "done" }
        if !pending.isEmpty {
          var marks = JSONObject()
          for id in pending { marks[id] = "done" }
          lines.append(
            AnnotationRecord(wpID: a.wp, at: Timestamp.isoNow(), actor: a.actor, delta: ["subtasks": .object(marks)])
              .line)
          for id in pending {
            let current = snapshot.workPackages[a.wp]?.runtime["subtasks"]
            snapshot.workPackages[a.wp]?.runtime["subtasks"] = Self.marking(current, id)
          }
        }
      }
      let evidence: DoneEvidence?
      if let evidenceValue {
        evidence = try Self.doneEvidence(evidenceValue)
      } else {
        evidence = nil
      }
      let done = snapshot.workPackages[a.wp]?.subtasks ?? [:]
      let request = LaneMachine.Request(
        from: from, to: target, actor: a.actor, reason: a.note, force: a.force, reviewRef: a.reviewRef,
        reviewResult: reviewResult, evidence: evidence,
        subtasksComplete: workPackage.subtasks.allSatisfy { done[$0] == "done" }, implementationEvidence: true)
      if let rejection = LaneMachine.check(request) {
        throw HostFailure(.transitionRejected, rejection)
      }
      if target == .claimed {
        // Under the lock and only for an allowed move: a refused or timed-out call creates nothing.
        _ = try allocateWorkspace(mission: mission, wp: a.wp, snapshot: snapshot, context: context)
      }
      let record = TransitionRecord(
        wpID: a.wp, fromLane: from, toLane: target, at: Timestamp.isoNow(), actor: a.actor, force: a.force,
        missionSlug: mission.slug, missionID: mission.meta?.missionID, reason: a.note, reviewRef: a.reviewRef,
        evidence: evidenceValue.map { _ in Self.evidenceJSON(evidence!) }, reviewResult: reviewResult?.json,
        policyMetadata: policy?.json)
      lines.append(record.line)
      try writer.write(lines: lines, commitMessage: "chore(spec-kitty): status transition \(a.wp)")
      return from
    }
    var data = mission.identity
    data["wp_id"] = .string(a.wp)
    data["from_lane"] = .string(from.rawValue)
    data["to_lane"] = .string(target.rawValue)
    data["policy_metadata_recorded"] = .bool(policy != nil)
    return NativeAnswer(value: HostLaneMove(wp: a.wp, from: from, to: target), data: data)
  }

  static func marking(_ current: JSONValue?, _ id: String) -> JSONValue {
    var object = current?.objectValue ?? JSONObject()
    object[id] = "done"
    return .object(object)
  }

  /// The for_review commit gate: the lane branch must hold a commit beyond the target branch.
  func commitGate(mission: Mission, wp: String) throws(HostFailure) {
    guard let lanes = try? mission.lanesManifest(), let laneID = lanes.laneID(for: wp),
      laneID != LanesManifest.planningLaneID
    else { return }
    let workspace = Workspace.resolve(mission: mission, lanes: lanes, wp: wp, repoRoot: repository.root)
    let base = workspace.laneBaseRef ?? mission.targetBranch ?? lanes.targetBranch
    var ahead = 0
    if FileManager.default.fileExists(atPath: workspace.path),
      let repo = try? Repository.discover(from: workspace.path), let head = try? repo.headCommitID(),
      let baseTip = (try? repo.branchTip(base)) ?? (try? repo.remoteBranchTip(base)) ?? nil,
      let counts = try? repo.aheadBehind(head, baseTip)
    {
      ahead = counts.ahead
    }
    if ahead == 0 {
      var data = mission.identity
      data["wp_id"] = .string(wp)
      data["lane_id"] = .string(laneID)
      throw HostFailure(
        .transitionRejected,
        "\(wp) cannot move to for_review: no implementation commit on lane \(laneID) (\(workspace.laneBranch ?? "")) "
          + "beyond \(base). Commit the work in the lane worktree first, or pass --force if there is genuinely "
          + "nothing to commit.", fields: data)
    }
  }

  static func parseEvidenceJSON(_ text: String?) throws(HostFailure) -> JSONValue? {
    guard let text else { return nil }
    let value: JSONValue
    do {
      value = try JSONParser.parse(text)
    } catch let error as JSONParseError {
      throw HostFailure(.usageError, "Invalid JSON in --evidence-json: \(error.pythonDescription(in: text))")
    } catch {
      throw HostFailure(.usageError, "Invalid JSON in --evidence-json: \(error)")
    }
    guard case .object = value else { throw HostFailure(.usageError, "--evidence-json must decode to a JSON object") }
    return value
  }

  static let evidenceMessage =
    "Moving to done requires evidence with review.reviewer review.verdict, and review.reference"

  /// `_build_done_evidence`, with malformed `repos`/`verification` entries answered as USAGE_ERROR.
  static func doneEvidence(_ value: JSONValue) throws(HostFailure) -> DoneEvidence {
    guard case .object(let review)? = value["review"] else { throw HostFailure(.transitionRejected, evidenceMessage) }
    let fields = ["reviewer", "verdict", "reference"].map { review[$0] }
    guard fields.allSatisfy({ $0?.isTruthy == true }),
      !EventLogReader.pythonString(fields[2]!).trimmingWhitespace.isEmpty
    else { throw HostFailure(.transitionRejected, evidenceMessage) }
    var repos: [JSONValue] = []
    for item in value["repos"]?.arrayValue ?? [] {
      guard case .object(let repo) = item, let name = repo["repo"]?.stringValue,
        let branch = repo["branch"]?.stringValue,
        let commit = repo["commit"]?.stringValue,
        Set(repo.keys).isSubset(of: ["repo", "branch", "commit", "files_touched"])
      else {
        throw HostFailure(.usageError, "--evidence-json repos entries need repo, branch and commit strings")
      }
      var entry: JSONObject = ["repo": .string(name), "branch": .string(branch), "commit": .string(commit)]
      if let files = repo["files_touched"]?.arrayValue, !files.isEmpty { entry["files_touched"] = .array(files) }
      repos.append(.object(entry))
    }
    var checks: [JSONValue] = []
    for item in value["verification"]?.arrayValue ?? [] {
      guard case .object(let check) = item, let command = check["command"], let result = check["result"],
        let summary = check["summary"], check.count == 3
      else {
        throw HostFailure(.usageError, "--evidence-json verification entries need command, result and summary")
      }
      checks.append(.object(["command": command, "result": result, "summary": summary]))
    }
    return DoneEvidence(
      review: .init(
        reviewer: EventLogReader.pythonString(fields[0]!), verdict: EventLogReader.pythonString(fields[1]!),
        reference: EventLogReader.pythonString(fields[2]!)),
      repos: repos, verification: checks)
  }

  static func evidenceJSON(_ evidence: DoneEvidence) -> JSONValue {
    var object: JSONObject = [
      "review": [
        "reviewer": .string(evidence.review.reviewer), "verdict": .string(evidence.review.verdict),
        "reference": .string(evidence.review.reference),
      ]
    ]
    if !evidence.repos.isEmpty { object["repos"] = .array(evidence.repos) }
    if !evidence.verification.isEmpty { object["verification"] = .array(evidence.verification) }
    return .object(object)
  }

  /// `parse_review_result_json`, all failures USAGE_ERROR.
  static func parseReviewResult(_ text: String?) throws(HostFailure) -> ReviewResult? {
    guard let text else { return nil }
    let value: JSONValue
    do {
      value = try JSONParser.parse(text)
    } catch let error as JSONParseError {
      throw HostFailure(.usageError, "Invalid JSON in --review-result-json: \(error.pythonDescription(in: text))")
    } catch {
      throw HostFailure(.usageError, "Invalid JSON in --review-result-json: \(error)")
    }
    guard case .object(let object) = value else {
      throw HostFailure(.usageError, "--review-result-json must decode to a JSON object")
    }
    let fields = ["reviewer", "verdict", "reference"].map { object[$0]?.stringValue }
    guard fields.allSatisfy({ !($0 ?? "").trimmingWhitespace.isEmpty }) else {
      throw HostFailure(.usageError, "--review-result-json requires non-empty reviewer, verdict, and reference strings")
    }
    guard fields[1] == "approved" || fields[1] == "changes_requested" else {
      throw HostFailure(.usageError, "--review-result-json verdict must be 'approved' or 'changes_requested'")
    }
    var feedback: String?
    switch object["feedback_path"] {
    case nil, .null?: feedback = nil
    case .string(let path)?: feedback = path
    default: throw HostFailure(.usageError, "--review-result-json feedback_path must be a string")
    }
    return ReviewResult(reviewer: fields[0]!, verdict: fields[1]!, reference: fields[2]!, feedbackPath: feedback)
  }
}
