import Foundation
import HTTPTypes
import Hummingbird
import KittyCore
import Logging
import NIOCore

/// How `git kitty dashboard` was started.
public struct DashboardOptions: Sendable {
  public var root: String
  public var host = "127.0.0.1"
  /// 0 picks a free port.
  public var port = 0
  public var allowActions = false
  public var token = AccessGuard.makeToken()
  /// The git-kitty executable that `resume` starts (this process's own by default).
  public var executable = DashboardOptions.ownExecutable

  public init(root: String) {
    self.root = root
  }

  public static var ownExecutable: String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
  }

  /// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
  public static func isLoopback(_ host: String) -> Bool {
    host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
  }
}

/// The dashboard's web server: JSON endpoints, the server-sent change feed, the static app, and (when allowed)
/// the actions. Bound to loopback unless told otherwise; every request needs the session token.
public struct DashboardServer: Sendable {
  public let options: DashboardOptions
  public let reader: BoardReader
  public let feed = ChangeFeed()
  let pageTokens = PageTokens()

  public init(options: DashboardOptions) {
    self.options = options
    reader = BoardReader(root: options.root)
  }

  /// Serves until the task is cancelled; `started` gets the URL (with the token) once the socket is bound.
  public func run(started: @escaping @Sendable (String) async -> Void = { _ in }) async throws {
    let watcher = try RepositoryWatcher(root: options.root)
    var logger = Logger(label: "git-kitty.dashboard")
    logger.logLevel = .critical
    let portBox = PortBox()
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: AccessMiddleware(options: options, portBox: portBox))
    routes(router, portBox: portBox)
    let app = Application(
      router: router, configuration: .init(address: .hostname(options.host, port: options.port)),
      onServerRunning: { channel in
        let port = channel.localAddress?.port ?? options.port
        await portBox.set(port)
        let host = options.host.contains(":") ? "[\(options.host)]" : options.host
        await started("http://\(host):\(port)/?token=\(options.token)")
      }, logger: logger)
    let feed = self.feed
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { await watcher.run { changes in await feed.publish(changes) } }
      group.addTask {
        while !Task.isCancelled {
          try await Task.sleep(for: .seconds(15))
          await feed.heartbeat()
        }
      }
      group.addTask {
        try await withTaskCancellationHandler {
          try await app.run()
        } onCancel: {
          // Open event streams would hold the graceful shutdown forever: end them first.
          Task { await feed.close() }
        }
      }
      try await group.next()
      group.cancelAll()
    }
  }

  // MARK: routes

  func routes(_ router: Router<BasicRequestContext>, portBox: PortBox) {
    let reader = self.reader
    let feed = self.feed
    let pageTokens = self.pageTokens
    let options = self.options

    router.get("/") { request, _ in
      let page = await pageTokens.issue()
      let port = await portBox.port
      var response = Responses.text(
        WebAssets.indexHTML.replacingOccurrences(of: "{{PAGE_TOKEN}}", with: page)
          .replacingOccurrences(of: "{{ACTIONS}}", with: options.allowActions ? "true" : "false"),
        type: "text/html; charset=utf-8")
      response.setCookie(
        .init(
          name: "kitty_token_\(port)", value: options.token, path: "/", httpOnly: true, sameSite: .strict))
      return response
    }
    router.get("/app.js") { _, _ in Responses.text(WebAssets.appJS, type: "text/javascript; charset=utf-8") }
    router.get("/app.css") { _, _ in Responses.text(WebAssets.appCSS, type: "text/css; charset=utf-8") }

    router.get("/api/missions") { _, _ in Responses.json(await reader.missions()) }
    router.get("/api/missions/:mission/board") { _, context in
      try await Responses.answer { () async throws(DashboardError) in
        try await reader.board(mission: try context.parameters.value("mission"))
      }
    }
    router.get("/api/missions/:mission/wps/:wp") { _, context in
      try await Responses.answer { () async throws(DashboardError) in
        try await reader.workPackage(
          mission: try context.parameters.value("mission"), wp: try context.parameters.value("wp"))
      }
    }
    router.get("/api/missions/:mission/wps/:wp/diff") { _, context in
      try await Responses.answer { () async throws(DashboardError) in
        try await reader.diff(
          mission: try context.parameters.value("mission"), wp: try context.parameters.value("wp"))
      }
    }
    router.get("/api/missions/:mission/wps/:wp/logs/:name") { request, context in
      try await Responses.answer { () async throws(DashboardError) in
        let query = request.uri.queryParameters
        let offset = query["offset"].flatMap { Int(String($0)) }
        let limit = query["limit"].flatMap { Int(String($0)) } ?? (64 << 10)
        return try reader.logPage(
          mission: try context.parameters.value("mission"), wp: try context.parameters.value("wp"),
          name: try context.parameters.value("name"), offset: offset, limit: limit)
      }
    }
    router.get("/api/run") { _, _ in Responses.json(reader.run()) }
    router.get("/api/events") { _, _ in
      let stream = await feed.subscribe()
      var headers = HTTPFields()
      headers[.contentType] = "text/event-stream"
      headers[.cacheControl] = "no-cache"
      return Response(
        status: .ok, headers: headers,
        body: ResponseBody { writer in
          for await frame in stream { try await writer.write(ByteBuffer(string: frame)) }
          try await writer.finish(nil)
        })
    }

    let actions = DashboardActions(options: options)
    router.post("/api/missions/:mission/wps/:wp/:action") { request, context in
      try await Responses.answer { () async throws(DashboardError) in
        try await Self.checkAction(request, options: options, pageTokens: pageTokens, portBox: portBox)
        let body = await Responses.body(request)
        return try await actions.review(
          mission: try context.parameters.value("mission"), wp: try context.parameters.value("wp"),
          action: try context.parameters.value("action"), feedback: body["feedback"]?.stringValue)
      }
    }
    router.post("/api/run/:action") { request, context in
      try await Responses.answer { () async throws(DashboardError) in
        try await Self.checkAction(request, options: options, pageTokens: pageTokens, portBox: portBox)
        return try await actions.run(try context.parameters.value("action"))
      }
    }
  }

  /// Actions only with --allow-actions, from a page this server served, with this server's Origin.
  static func checkAction(_ request: Request, options: DashboardOptions, pageTokens: PageTokens, portBox: PortBox)
    async throws(DashboardError)
  {
    guard options.allowActions else {
      throw .refused("actions are off: start git kitty dashboard with --allow-actions")
    }
    let access = AccessGuard(token: options.token, port: await portBox.port, boundHost: options.host)
    guard access.originAllowed(request) else { throw .refused("actions need an Origin header of this dashboard") }
    guard await pageTokens.isValid(request.headers[HTTPField.Name("X-Kitty-Page-Token")!]) else {
      throw .refused("actions need the page token of a page this dashboard served; reload the page")
    }
  }
}

/// The port the socket got (known only once it is bound, when `--port 0` picks one).
actor PortBox {
  private(set) var port = 0
  func set(_ port: Int) { self.port = port }
}
