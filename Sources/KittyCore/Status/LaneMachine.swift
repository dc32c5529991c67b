/// spec-kitty 3.2.7's lane state machine (host-contract §4.2): which edges exist, and the guard on each.
public enum LaneMachine {
  /// Everything a guard may look at.
  public struct Request: Sendable {
    public var from: Lane
    public var to: Lane
    public var actor: String
    public var reason: String?
    public var force: Bool
    public var reviewRef: String?
    public var reviewResult: ReviewResult?
    public var evidence: DoneEvidence?
    public var subtasksComplete: Bool
    public var implementationEvidence: Bool

    public init(
      from: Lane, to: Lane, actor: String, reason: String? = nil, force: Bool = false, reviewRef: String? = nil,
      reviewResult: ReviewResult? = nil, evidence: DoneEvidence? = nil, subtasksComplete: Bool = true,
      implementationEvidence: Bool = true
    ) {
      self.from = from
      self.to = to
      self.actor = actor
      self.reason = reason
      self.force = force
      self.reviewRef = reviewRef
      self.reviewResult = reviewResult
      self.evidence = evidence
      self.subtasksComplete = subtasksComplete
      self.implementationEvidence = implementationEvidence
    }
  }

  /// Allowed targets from each lane, without force.
  public static let edges: [Lane: Set<Lane>] = [
    .genesis: [.planned, .canceled],
    .planned: [.claimed, .blocked, .canceled],
    .claimed: [.inProgress, .blocked, .canceled],
    .inProgress: [.forReview, .approved, .planned, .blocked, .canceled],
    .forReview: [.inReview, .blocked, .canceled],
    .inReview: [.approved, .done, .inProgress, .planned, .blocked, .canceled],
    .approved: [.done, .inProgress, .planned, .blocked, .canceled],
    .blocked: [.inProgress, .canceled],
  ]

  /// nil when the transition is allowed; otherwise spec-kitty's rejection message.
  public static func check(_ r: Request) -> String? {
    let actor = r.actor.trimmingWhitespace
    if r.force {
      guard !actor.isEmpty, !(r.reason ?? "").trimmingWhitespace.isEmpty else {
        return "Force transitions require actor and reason"
      }
      return r.to == .genesis ? "Illegal transition: \(r.from.rawValue) -> \(r.to.rawValue)" : nil
    }
    guard edges[r.from]?.contains(r.to) == true else {
      return "Illegal transition: \(r.from.rawValue) -> \(r.to.rawValue)"
    }
    switch (r.from, r.to) {
    case (.planned, .claimed), (.forReview, .inReview):
      return actor.isEmpty ? "Transition requires actor identity" : nil
    case (.inProgress, .forReview):
      guard r.subtasksComplete, r.implementationEvidence else {
        return "Transition in_progress -> for_review requires completed subtasks or force with reason"
      }
      return nil
    case (.inProgress, .approved):
      return hasApprovalEvidence(r.evidence) ? nil : approvalEvidenceMessage
    case (.inProgress, .planned):
      return (r.reason ?? "").trimmingWhitespace.isEmpty ? "Transition in_progress -> planned requires reason" : nil
    case (.inReview, _):
      guard let result = r.reviewResult else {
        return "Transition from in_review requires review_result (structured review outcome)"
      }
      if r.to == .approved || r.to == .done {
        if let evidence = r.evidence {
          if !hasApprovalEvidence(evidence) { return approvalEvidenceMessage }
        } else if result.reviewer.isEmpty || result.verdict != "approved" || result.reference.isEmpty {
          return approvalEvidenceMessage
        }
      }
      if let ref = r.reviewRef, ref != result.reference { return "review_ref must match review_result.reference" }
      if let evidence = r.evidence,
        evidence.review
          != DoneEvidence.Review(reviewer: result.reviewer, verdict: result.verdict, reference: result.reference)
      {
        return "Review evidence must match review_result"
      }
      return nil
    case (.approved, .done):
      return hasApprovalEvidence(r.evidence) ? nil : approvalEvidenceMessage
    case (.approved, .inProgress), (.approved, .planned):
      return (r.reviewRef ?? "").isEmpty ? "Transition requires review_ref (review feedback reference)" : nil
    default:
      return nil
    }
  }

  public static let approvalEvidenceMessage =
    "Transition to approved/done requires evidence (reviewer identity and approval reference)"

  static func hasApprovalEvidence(_ evidence: DoneEvidence?) -> Bool {
    guard let evidence else { return false }
    return evidence.review.verdict == "approved" && !evidence.review.reviewer.trimmingWhitespace.isEmpty
      && !evidence.review.reference.trimmingWhitespace.isEmpty
  }
}

/// A structured review outcome (`--review-result-json`).
public struct ReviewResult: Sendable, Equatable {
  public var reviewer: String
  public var verdict: String
  public var reference: String
  public var feedbackPath: String?

  public init(reviewer: String, verdict: String, reference: String, feedbackPath: String? = nil) {
    self.reviewer = reviewer
    self.verdict = verdict
    self.reference = reference
    self.feedbackPath = feedbackPath
  }

  /// `ReviewResult.to_dict()`: `feedback_path` only when set.
  public var json: JSONObject {
    var object: JSONObject = [
      "reviewer": .string(reviewer), "verdict": .string(verdict), "reference": .string(reference),
    ]
    if let feedbackPath { object["feedback_path"] = .string(feedbackPath) }
    return object
  }
}

/// Evidence that a WP is done (`--evidence-json`): who approved it and with what reference.
public struct DoneEvidence: Sendable, Equatable {
  public struct Review: Sendable, Equatable {
    public var reviewer: String
    public var verdict: String
    public var reference: String
    public init(reviewer: String, verdict: String, reference: String) {
      self.reviewer = reviewer
      self.verdict = verdict
      self.reference = reference
    }
  }
  public var review: Review
  public var repos: [JSONValue]
  public var verification: [JSONValue]

  public init(review: Review, repos: [JSONValue] = [], verification: [JSONValue] = []) {
    self.review = review
    self.repos = repos
    self.verification = verification
  }
}
