import Foundation
import KittyCore
import KittyWorkspaces

/// A whole review in one call: the seed-003 dialect's `transition --to done` (approve) and `start-review` (reject)
/// move a WP out of for_review without the in_review/approved steps of 3.2.7's lanes. They are written as the
/// legal 3.2.7 events those steps would have left (`for_review -> in_review -> done|in_progress|planned`, 1 µs
/// apart, with a review result and, for done, approval evidence), so the log stays one that spec-kitty accepts.
extension NativeHost {
  public struct ReviewVerdict: Sendable {
    public var approved: Bool
    /// `.done` for an approval; `.inProgress` or `.planned` for a rejection.
    public var target: Lane
    public var reviewRef: String
    public var reason: String?

    public init(approved: Bool, target: Lane, reviewRef: String, reason: String? = nil) {
      self.approved = approved
      self.target = target
      self.reviewRef = reviewRef
      self.reason = reason
    }
  }

  /// Records `verdict` by `actor` on a WP in for_review, in_review or (for an approval) approved. Returns the lane
  /// the WP was in. TRANSITION_REJECTED when the WP is elsewhere or a step breaks a 3.2.7 guard; nothing is written
  /// then.
  public func recordReviewVerdict(
    mission handle: String, wp: String, actor: String, policy: OrchestratorPolicy?, verdict: ReviewVerdict
  ) throws(HostFailure) -> Lane {
    let mission = try repository.mission(handle)
    _ = try Self.promptPathOrFail(mission: mission, wp: wp, handle: handle)
    let writer = MissionWriter(mission: mission, context: try writeContext())
    _ = try writer.preflight()
    return try writer.locked("review") { () throws(HostFailure) -> Lane in
      let from = try Self.snapshot(mission).lane(of: wp)
      let result = ReviewResult(
        reviewer: actor, verdict: verdict.approved ? "approved" : "changes_requested", reference: verdict.reviewRef)
      let evidence =
        verdict.approved
        ? DoneEvidence(review: .init(reviewer: actor, verdict: "approved", reference: verdict.reviewRef)) : nil
      var steps: [LaneMachine.Request] = []
      switch from {
      case .forReview:
        steps.append(.init(from: .forReview, to: .inReview, actor: actor, reviewRef: verdict.reviewRef))
        steps.append(
          .init(
            from: .inReview, to: verdict.target, actor: actor, reason: verdict.reason, reviewRef: verdict.reviewRef,
            reviewResult: result, evidence: evidence))
      case .inReview:
        steps.append(
          .init(
            from: .inReview, to: verdict.target, actor: actor, reason: verdict.reason, reviewRef: verdict.reviewRef,
            reviewResult: result, evidence: evidence))
      case .approved where verdict.approved && verdict.target == .done:
        steps.append(
          .init(from: .approved, to: .done, actor: actor, reason: verdict.reason, evidence: evidence))
      default:
        throw HostFailure(.transitionRejected, "WP \(wp) is in '\(from.rawValue)', not waiting for a review verdict")
      }
      for step in steps {
        if let rejection = LaneMachine.check(step) { throw HostFailure(.transitionRejected, rejection) }
      }
      let start = Timestamp.nowMicroseconds()
      let lines = steps.enumerated().map { index, step in
        TransitionRecord(
          wpID: wp, fromLane: step.from, toLane: step.to,
          at: Timestamp.iso(microsecondsSinceEpoch: start + Int64(index)), actor: actor, missionSlug: mission.slug,
          missionID: mission.meta?.missionID,
          reason: step.to == .inReview ? "Started review via action command" : step.reason,
          reviewRef: step.reviewRef, evidence: step.evidence.map(Self.evidenceJSON),
          reviewResult: step.reviewResult?.json, policyMetadata: policy?.json
        ).line
      }
      try writer.write(
        lines: lines,
        commitMessage: "chore(spec-kitty): status transition \(lines.count > 1 ? "batch " : "")\(wp)")
      return from
    }
  }
}
