import Foundation
import KittyDashboard
import KittyTestSupport

/// A dashboard serving a sandbox repository on a free loopback port, for one test.
final class RunningDashboard: @unchecked Sendable {  // the task and port are set once, before use
  let port: Int
  let token: String
  let server: DashboardServer
  private let task: Task<Void, Error>

  var probe: HTTPProbe { HTTPProbe(port: port) }

  private init(port: Int, token: String, server: DashboardServer, task: Task<Void, Error>) {
    self.port = port
    self.token = token
    self.server = server
    self.task = task
  }

  static func start(root: String, allowActions: Bool = false) async throws -> RunningDashboard {
    var options = DashboardOptions(root: root)
    options.allowActions = allowActions
    let server = DashboardServer(options: options)
    let (urls, continuation) = AsyncStream.makeStream(of: String.self)
    let task = Task { try await server.run { url in continuation.yield(url) } }
    var iterator = urls.makeAsyncIterator()
    guard let url = await iterator.next(), let components = URLComponents(string: url), let port = components.port
    else { throw ProbeError("the dashboard did not start") }
    return RunningDashboard(port: port, token: options.token, server: server, task: task)
  }

  /// `path` with the token appended.
  func authed(_ path: String) -> String { path + (path.contains("?") ? "&" : "?") + "token=\(token)" }

  func get(_ path: String) throws -> HTTPProbe.Reply { try probe.request(authed(path)) }

  func stop() async {
    task.cancel()
    _ = try? await task.value
  }
}

/// A sandbox mission of `count` chained WPs, run to the end by the script agent (logs, run state, reviews).
func finishedSandbox(_ count: Int = 3) throws -> OrchestratorSandbox {
  let sandbox = try OrchestratorSandbox(SandboxWP.chain(count), name: "board")
  let result = try sandbox.orchestrate()
  guard result.status == 0 else { throw ProbeError("orchestrate failed: \(result.stderr)") }
  return sandbox
}
