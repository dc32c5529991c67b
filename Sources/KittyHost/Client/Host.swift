import Foundation
import KittyCore

/// One orchestrator-api answer, as an orchestrator sees it.
public struct HostResponse: Sendable {
  public var success: Bool
  public var errorCode: String?
  public var data: JSONObject
  /// Why there was no usable envelope (a crash, a timeout), when there was none.
  public var transportError: String?

  public var message: String { data["message"]?.stringValue ?? transportError ?? "" }

  public init(success: Bool, errorCode: String?, data: JSONObject, transportError: String? = nil) {
    self.success = success
    self.errorCode = errorCode
    self.data = data
    self.transportError = transportError
  }

  /// Parses the last stdout line that starts with `{` (spec-kitty may print text before the envelope).
  public static func parse(stdout: String, stderr: String, exitCode: Int32) -> HostResponse {
    let line = stdout.split(separator: "\n").last { $0.hasPrefix("{") }
    guard let line, case .object(let envelope)? = try? JSONParser.parse(String(line)) else {
      let tail = stderr.split(separator: "\n").suffix(3).joined(separator: " | ")
      return HostResponse(
        success: false, errorCode: nil, data: [:],
        transportError: "host printed no envelope (exit \(exitCode))\(tail.isEmpty ? "" : ": \(tail)")")
    }
    return HostResponse(
      success: envelope["success"]?.boolValue ?? false, errorCode: envelope["error_code"]?.stringValue,
      data: envelope["data"]?.objectValue ?? [:])
  }
}

/// The orchestrator's only way to touch mission state (ARCHITECTURE decision 2).
public protocol OrchestratorHost: Sendable {
  /// Runs one orchestrator-api verb with its arguments.
  func call(_ arguments: [String]) -> HostResponse
  /// A name for messages ("native", "spec-kitty").
  var name: String { get }
}

/// The in-process host: no subprocess per call.
public struct InProcessHost: OrchestratorHost {
  public let root: String
  public var name: String { "native" }

  public init(root: String) {
    self.root = root
  }

  public func call(_ arguments: [String]) -> HostResponse {
    let response = OrchestratorAPI.run(arguments, currentDirectory: root)
    let envelope = response.envelope
    return HostResponse(success: envelope.success, errorCode: envelope.errorCode?.rawValue, data: envelope.data)
  }
}

/// The real Python host through its subprocess contract: tolerant of text before the envelope, tracebacks
/// with empty stdout, and hangs (every call has a timeout and kills the process group).
public struct SpecKittyHost: OrchestratorHost {
  public let root: String
  public let executable: String
  public let timeout: Double
  public var name: String { "spec-kitty" }

  public init(root: String, executable: String = "spec-kitty", timeout: Double = 300) {
    self.root = root
    self.executable = executable
    self.timeout = timeout
  }

  public func call(_ arguments: [String]) -> HostResponse {
    var env = ProcessInfo.processInfo.environment
    for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR"] { env[key] = nil }
    env["SPEC_KITTY_NO_UPGRADE_CHECK"] = "1"
    let result = ChildProcess.runCapturing(
      [executable, "orchestrator-api"] + arguments, directory: root, environment: env, timeout: timeout)
    if result.timedOut {
      return HostResponse(
        success: false, errorCode: nil, data: [:], transportError: "spec-kitty timed out after \(Int(timeout))s")
    }
    if let launchError = result.launchError {
      return HostResponse(success: false, errorCode: nil, data: [:], transportError: launchError)
    }
    return HostResponse.parse(stdout: result.stdout, stderr: result.stderr, exitCode: result.status)
  }
}
