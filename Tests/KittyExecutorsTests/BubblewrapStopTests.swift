import Foundation
import Synchronization
import KittyBasics
import KittyExecutors
import KittyTestSupport
import Testing

/// A stop that comes right after a sandboxed agent started takes down all of it. bwrap used to be told
/// `--new-session`: the agent then led a process group of its own, and when the stop's SIGTERM to bwrap's group
/// came before `--die-with-parent` had taken hold in bwrap's child, the agent and bwrap's namespace init lived on.
@Suite struct BubblewrapStopTests {
  static let bwrap: String? = {
    let box = Mutex<String?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
      let found = await Bubblewrap.probe().path
      box.withLock { $0 = found }
      done.signal()
    }
    done.wait()
    return box.withLock { $0 }
  }()

  @Test(.enabled(if: bwrap != nil, "bubblewrap cannot make a sandbox here"))
  func aStopRightAfterTheStartLeavesNothingOfTheSandboxAlive() async throws {
    let bwrap = try #require(Self.bwrap)
    let directory = TestSupport.temporaryDirectory("bwrap-stop")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let marker = "kittystop\(UInt32.random(in: 0...UInt32.max))"
    // The same command line the sandboxed executor uses, and the same session.
    let argv = BubblewrapProfile(directory: directory).arguments(
      bwrap: bwrap, command: ["/bin/sh", "-c", ": \(marker)\nsleep 30"], newSession: false)
    #expect(!argv.contains("--new-session"))
    for round in 0..<12 {
      var request = ProcessRequest(argv: argv, directory: directory, environment: ProcessEnvironment.scrubbed())
      request.newSession = true
      request.grace = .milliseconds(200)
      let started = AsyncStream<Int32>.makeStream()
      let run = Task { await ProcessRunner.run(request) { started.continuation.yield($0) } }
      var pids = started.stream.makeAsyncIterator()
      let pid = await pids.next()
      // Half the rounds stop at once (inside bwrap's own start-up), half once the agent runs.
      if round % 2 == 1 { try await Task.sleep(for: .milliseconds(150)) }
      run.cancel()
      _ = await run.value
      #expect(pid.map { getsid($0) == $0 || getsid($0) == -1 } == true, "bwrap leads its own session")
      let deadline = Date().addingTimeInterval(5)
      var alive = ProcessTable.entries().filter { $0.commandLine.contains(marker) && !$0.isZombie }
      while !alive.isEmpty && Date() < deadline {
        try await Task.sleep(for: .milliseconds(20))
        alive = ProcessTable.entries().filter { $0.commandLine.contains(marker) && !$0.isZombie }
      }
      #expect(alive.isEmpty, "round \(round): \(alive)")
      for entry in alive { kill(entry.pid, SIGKILL) }
    }
  }
}
