import Foundation
import KittyCore

/// The orchestrator-api's closed list of error codes (contract 1.5.0, host-contract §2.14).
public enum ErrorCode: String, Sendable, CaseIterable {
  case usageError = "USAGE_ERROR"
  case policyMetadataRequired = "POLICY_METADATA_REQUIRED"
  case policyValidationFailed = "POLICY_VALIDATION_FAILED"
  case missionNotFound = "MISSION_NOT_FOUND"
  case statusReadPathNotFound = "STATUS_READ_PATH_NOT_FOUND"
  case wpNotFound = "WP_NOT_FOUND"
  case transitionRejected = "TRANSITION_REJECTED"
  case wpAlreadyClaimed = "WP_ALREADY_CLAIMED"
  case missionNotReady = "MISSION_NOT_READY"
  case workflowEvidenceRequired = "WORKFLOW_EVIDENCE_REQUIRED"
  case preflightFailed = "PREFLIGHT_FAILED"
  case contractVersionMismatch = "CONTRACT_VERSION_MISMATCH"
  case unsupportedStrategy = "UNSUPPORTED_STRATEGY"
  case historyCommitFailed = "HISTORY_COMMIT_FAILED"
  case dependenciesNotSatisfied = "DEPENDENCIES_NOT_SATISFIED"
  case laneAllocationFailed = "LANE_ALLOCATION_FAILED"
  case ancestryNotEstablished = "ANCESTRY_NOT_ESTABLISHED"
  case safeCommitProtectedBranch = "SAFE_COMMIT_PROTECTED_BRANCH"
  case safeCommitHeadMismatch = "SAFE_COMMIT_HEAD_MISMATCH"
  case safeCommitGeneric = "SAFE_COMMIT_GENERIC"
  case safeCommitDestinationNotFound = "SAFE_COMMIT_DESTINATION_NOT_FOUND"
  case dirtyWorktree = "DIRTY_WORKTREE"
  // The seed-003 dialect's names (spec-kitty 1.0.3), forbidden in contract 1.5.0: only `Seed003` answers with them.
  case featureNotFound = "FEATURE_NOT_FOUND"
  case featureNotReady = "FEATURE_NOT_READY"
  // Codes of spec-kitty 4.0 (contract 1.16.0) that a client of the real host can receive; the native host, a 1.5.0
  // host, never answers with them.
  case statusLockHeld = "STATUS_LOCK_HELD"
  case laneMovedAfterApproval = "LANE_MOVED_AFTER_APPROVAL"
}

/// A failed verb: the error code, the message and any structured fields for `data`.
public struct HostFailure: Error, Sendable, Equatable {
  public let code: ErrorCode
  public let message: String
  /// Extra `data` fields, in order, placed before `message` (as spec-kitty does).
  public let fields: JSONObject
  /// 1 for domain failures, 2 for command-line usage errors.
  public let exitCode: Int32

  public init(_ code: ErrorCode, _ message: String, fields: JSONObject = JSONObject(), exitCode: Int32 = 1) {
    self.code = code
    self.message = message
    self.fields = fields
    self.exitCode = exitCode
  }
}

/// A failure reads as its message (with the code for context) wherever a human sees it.
extension HostFailure: CustomStringConvertible, LocalizedError {
  public var description: String { message }
  public var errorDescription: String? { message }
}
