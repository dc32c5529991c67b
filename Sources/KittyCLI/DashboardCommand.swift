import ArgumentParser
import Foundation
import KittyDashboard
import KittyHost

/// `git kitty dashboard`: a live web board of this repository's missions, WPs, agents, logs and diffs.
struct DashboardCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dashboard",
    abstract: "Serve a live web board of the missions, WPs, agents, logs and diffs (loopback, token in the URL).")
  @Option(name: .long, help: "The port to listen on (0: any free port).") var port = 0
  @Option(name: .long, help: "The address to bind; anything but loopback needs this flag and is warned about.")
  var host = "127.0.0.1"
  @Flag(name: .long, help: "Open the board in a browser (xdg-open).") var open = false
  @Flag(name: .long, help: "Allow approve, request changes, abort and resume from the page.")
  var allowActions = false

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
  }

  func run() async throws {
    try await Console.run {
      let repository = try HostRepository.locate(from: Console.currentDirectory)
      var options = DashboardOptions(root: repository.root)
      options.host = host
      options.port = port
      options.allowActions = allowActions
      if !DashboardOptions.isLoopback(host) {
        Console.error(
          "warning: binding \(host), not loopback: anyone who can reach it and learns the token can read this "
            + "repository's missions and logs\(allowActions ? " and act on them" : "")")
      }
      let server = DashboardServer(options: options)
      let open = self.open
      try await server.run { url in
        var text = "git kitty dashboard: \(url)\n"
        if allowActions { text += "actions are on (approve, request changes, abort, resume)\n" }
        FileHandle.standardOutput.write(Data(text.utf8))
        if open { DashboardCommand.openBrowser(url) }
      }
    }
  }

  /// xdg-open (or $BROWSER) when one exists; otherwise the printed URL is the way in.
  static func openBrowser(_ url: String) {
    let environment = ProcessInfo.processInfo.environment
    let candidates = [environment["BROWSER"], "xdg-open", "sensible-browser", "chromium", "firefox"].compactMap { $0 }
    let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    for name in candidates {
      guard let found = path.map({ "\($0)/\(name)" }).first(where: FileManager.default.isExecutableFile) else {
        continue
      }
      let process = Process()  // Process(): fire and forget; ProcessRunner would own the browser and stop it with us
      process.executableURL = URL(fileURLWithPath: found)
      process.arguments = [url]
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      if (try? process.run()) != nil { return }
    }
    Console.error("no browser found to open; visit the URL above")
  }
}
