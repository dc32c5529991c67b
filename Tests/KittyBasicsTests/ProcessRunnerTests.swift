import Foundation
@testable import KittyBasics
import KittyTestSupport
import Synchronization
import Testing

/// The one process module: typed exit status, output to a file, stdin from a file, line streaming, time-outs and
/// cancellation that tear down the whole process group.
@Suite struct ProcessRunnerTests {
  func request(_ script: String, in dir: String, timeout: Duration? = nil) -> ProcessRequest {
    ProcessRequest(
      argv: ["sh", "-c", script], directory: dir, environment: ProcessEnvironment.scrubbed(),
      outputFile: "\(dir)/out.log", timeout: timeout)
  }

  @Test func exitCodesAndSignalsAreTyped() async throws {
    let dir = TestSupport.temporaryDirectory("proc")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let exited = try await ProcessRunner.run(request("exit 3", in: dir)).get()
    #expect(exited.status == .exited(3))
    let killed = try await ProcessRunner.run(request("kill -SEGV $$", in: dir)).get()
    #expect(killed.status == .signalled(SIGSEGV))
    #expect(killed.status.description.contains("SIGSEGV"))
    #expect(!killed.timedOut)
  }

  @Test func outputIsAppendedToTheFileAndStdinComesFromAFile() async throws {
    let dir = TestSupport.temporaryDirectory("proc")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "first\n".write(toFile: "\(dir)/out.log", atomically: true, encoding: .utf8)
    try "from stdin\n".write(toFile: "\(dir)/in.txt", atomically: true, encoding: .utf8)
    var req = request("cat; echo to-stderr >&2; pwd", in: dir)
    req.stdinFile = "\(dir)/in.txt"
    let result = try await ProcessRunner.run(req).get()
    #expect(result.status == .exited(0))
    let log = try String(contentsOfFile: "\(dir)/out.log", encoding: .utf8)
    #expect(log == "first\nfrom stdin\nto-stderr\n\(dir)\n")
  }

  @Test func theEnvironmentIsExactlyTheOneGiven() async throws {
    let dir = TestSupport.temporaryDirectory("proc")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var env = ProcessEnvironment.scrubbed(["PATH": "/usr/bin:/bin", "GIT_DIR": "/elsewhere", "KEEP": "yes"])
    env["EXTRA"] = "1"
    let req = ProcessRequest(
      argv: ["sh", "-c", "echo \"${GIT_DIR:-unset} $KEEP $EXTRA\""], directory: dir, environment: env,
      outputFile: "\(dir)/out.log")
    _ = try await ProcessRunner.run(req).get()
    #expect(try String(contentsOfFile: "\(dir)/out.log", encoding: .utf8) == "unset yes 1\n")
  }

  @Test func stdoutLinesArriveOneByOneAndStderrStillGoesToTheFile() async throws {
    let dir = TestSupport.temporaryDirectory("proc")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let lines = Mutex<[String]>([])
    var req = request("printf 'a\\nb b\\n'; echo oops >&2; printf 'no newline'", in: dir)
    req.stdoutLines = { line in lines.withLock { $0.append(line) } }
    let result = try await ProcessRunner.run(req).get()
    #expect(result.status == .exited(0))
    #expect(lines.withLock { $0 } == ["a", "b b", "no newline"])
    #expect(try String(contentsOfFile: "\(dir)/out.log", encoding: .utf8) == "oops\n")
  }

  @Test func aMissingProgramIsASpawnFailureThatNamesIt() async throws {
    let dir = TestSupport.temporaryDirectory("proc")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let req = ProcessRequest(
      argv: ["kitty-no-such-tool-31"], directory: dir, environment: ProcessEnvironment.scrubbed())
    guard case .failure(let failure) = await ProcessRunner.run(req) else {
      Issue.record("a missing program must not start")
      return
    }
    #expect(failure.message == "kitty-no-such-tool-31: command not found on PATH")
  }

  /// The time-out reaches a grandchild that ignores nothing: the whole group goes, not just the leader.
  @Test(.timeLimit(.minutes(1))) func aTimeoutTearsDownTheWholeGroup() async throws {
    let dir = TestSupport.temporaryDirectory("proc")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var req = request(
      "sleep 300 & echo $! > child.pid; ( trap '' TERM; exec sleep 301 ) & echo $! > stubborn.pid; wait", in: dir,
      timeout: .milliseconds(500))
    req.grace = .milliseconds(300)
    let result = try await ProcessRunner.run(req).get()
    #expect(result.timedOut)
    #expect(result.status == .signalled(SIGTERM) || result.status == .signalled(SIGKILL))
    let child = Int32(try TestSupport.read("\(dir)/child.pid").trimmingCharacters(in: .whitespacesAndNewlines))!
    let stubborn = Int32(try TestSupport.read("\(dir)/stubborn.pid").trimmingCharacters(in: .whitespacesAndNewlines))!
    #expect(await Self.gone(stubborn), "a member that ignores SIGTERM gets SIGKILL")
    #expect(await Self.gone(child), "the grandchild must be gone")
  }

  /// Whether `pid` ends within two seconds (a zombie counts as gone: init reaps orphans when it gets to them).
  static func gone(_ pid: Int32) async -> Bool {
    for _ in 0..<40 {
      let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
      let state = stat.split(separator: ")").last?.split(separator: " ").first
      if kill(pid, 0) != 0 || state == "Z" { return true }
      try? await Task.sleep(for: .milliseconds(50))
    }
    return false
  }

  @Test(.timeLimit(.minutes(1))) func cancellingTheTaskStopsTheProcess() async throws {
    let dir = TestSupport.temporaryDirectory("proc")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let pid = Mutex<Int32>(0)
    var req = request("trap 'echo got-term; exit 7' TERM; sleep 300 & wait", in: dir)
    req.grace = .seconds(5)
    let task = Task { await ProcessRunner.run(req) { started in pid.withLock { $0 = started } } }
    while pid.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(20)) }
    try await Task.sleep(for: .milliseconds(200))
    task.cancel()
    let result = try await task.value.get()
    #expect(result.cancelled)
    #expect(!result.timedOut)
    #expect(result.status == .exited(7), "SIGTERM first: the trap runs")
    #expect(try String(contentsOfFile: "\(dir)/out.log", encoding: .utf8).contains("got-term"))
  }

  @Test func captureKeepsStdoutAndStderrApartAndLeavesNoFiles() async throws {
    let dir = TestSupport.temporaryDirectory("proc")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let req = ProcessRequest(
      argv: ["sh", "-c", "echo out; echo err >&2; exit 2"], directory: dir, environment: ProcessEnvironment.scrubbed())
    let captured = try await ProcessRunner.capture(req, scratch: dir).get()
    #expect(captured.stdout == "out\n")
    #expect(captured.stderr == "err\n")
    #expect(captured.result.status == .exited(2))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
  }

  @Test func directoryOfHandlesBareAndRootNames() {
    #expect(FilePaths.directory(of: "a") == ".")
    #expect(FilePaths.directory(of: "/a") == "/")
    #expect(FilePaths.directory(of: "x/y/z.txt") == "x/y")
    #expect(FilePaths.directory(of: ".merge_file_A") == ".")
  }

  @Test func aGroupThatOutlivesItsLeaderStaysListedUntilKilled() async throws {
    let dir = TestSupport.temporaryDirectory("proc")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let alone = try await ProcessRunner.run(request("exit 0", in: dir)).get()
    #expect(!LiveGroups.shared.isTracked(alone.pid), "a group that ended is off the list")
    // The leader exits; a member it left in the background keeps the group alive.
    let leader = try await ProcessRunner.run(request("sleep 30 >/dev/null 2>&1 & exit 0", in: dir)).get()
    #expect(leader.status == .exited(0))
    #expect(kill(-leader.pid, 0) == 0, "the background member lives on")
    #expect(LiveGroups.shared.isTracked(leader.pid))
    let own = LiveGroups()
    own.add(leader.pid)
    #expect(own.killAll() == [leader.pid])
    let deadline = Date().addingTimeInterval(5)
    while kill(-leader.pid, 0) == 0 && Date() < deadline { usleep(10_000) }
    #expect(kill(-leader.pid, 0) != 0, "killed")
    #expect(own.killAll().isEmpty, "the list is emptied")
  }
}
