import Foundation
import KittyBasics
import KittyCore
import KittyHooks
import KittyOrchestrator

/// What a person may do from the dashboard (only with --allow-actions), through the same calls as the CLI:
/// `git kitty review --approve / --request-changes`, `git kitty abort`, `git kitty resume`.
struct DashboardActions: Sendable {
  let options: DashboardOptions

  func review(mission: String, wp: String, action: String, feedback: String?) async throws(DashboardError)
    -> JSONValue
  {
    let approve: Bool
    switch action {
    case "approve": approve = true
    case "request-changes":
      guard let feedback, !feedback.trimmingWhitespace.isEmpty else {
        throw .badRequest("request-changes needs feedback for the implementer")
      }
      approve = false
    default: throw .notFound("action \(action)")
    }
    guard WorkPackage.isValidID(wp), MissionPaths.isSafeSegment(mission) else { throw .notFound("work package \(wp)") }
    do {
      let reference = try await DeveloperFlow(directory: options.root).review(
        wp: wp, mission: mission, approve: approve, feedback: approve ? nil : feedback)
      return ["ok": true, "action": .string(action), "wp": .string(wp), "reference": .string(reference)]
    } catch {
      throw .refused("\(error)")
    }
  }

  func run(_ action: String) async throws(DashboardError) -> JSONValue {
    switch action {
    case "abort":
      do {
        let report = try await RunAbort.abort(root: options.root, cleanup: false, force: false)
        return ["ok": true, "action": "abort", "report": .strings(report)]
      } catch {
        throw .refused("\(error)")
      }
    case "resume":
      guard RunState.load(root: options.root) != nil else { throw .refused("no previous run to resume") }
      guard RunLock.holder(root: options.root) == nil else { throw .refused("a run is already going") }
      let log = "\(options.root)/.kittify/logs/dashboard-resume.log"
      try? FileManager.default.createDirectory(
        atPath: (log as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      let request = ProcessRequest(
        argv: [options.executable, "resume"], directory: options.root, environment: ProcessEnvironment.scrubbed(),
        outputFile: log)
      // The run outlives this request: it goes on in the background and reports through the run state.
      Task.detached { _ = await ProcessRunner.run(request) }
      return ["ok": true, "action": "resume", "log": ".kittify/logs/dashboard-resume.log"]
    default:
      throw .notFound("action \(action)")
    }
  }
}
