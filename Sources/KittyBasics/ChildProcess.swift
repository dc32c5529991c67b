import CKittySystem
import Foundation
import Synchronization

/// The synchronous side of the process module, for short commands whose callers are not async (doctor's probes,
/// the hooks' `git config` reads, `git push`, the hook runner): same process group, scrub list and teardown as
/// `ProcessRunner`. Agents, setup commands and the spec-kitty client use `ProcessRunner`.
public enum ChildProcess {
  public struct Captured: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
    public var launchError: String?
  }

  /// The environment with git's per-invocation variables removed (`ProcessEnvironment.scrubbedVariables`).
  public static func scrubbedEnvironment(_ base: [String: String] = ProcessInfo.processInfo.environment)
    -> [String: String]
  {
    ProcessEnvironment.scrubbed(base)
  }

  /// Spawns `argv` (PATH lookup for a bare name) in a new process group with stdin/stdout/stderr redirected
  /// to the given file descriptors (-1 = /dev/null). Returns the pid, or an error text.
  public static func spawn(
    _ argv: [String], directory: String, environment: [String: String], stdin: Int32 = -1, stdout: Int32 = -1,
    stderr: Int32 = -1
  ) -> Result<pid_t, SpawnError> {
    guard let program = argv.first, let resolved = resolve(program, environment: environment) else {
      return .failure(SpawnError(message: "\(argv.first ?? "(nothing)"): command not found on PATH"))
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let null = open("/dev/null", O_RDWR | O_CLOEXEC)
    defer { close(null) }
    posix_spawn_file_actions_adddup2(&actions, stdin >= 0 ? stdin : null, 0)
    posix_spawn_file_actions_adddup2(&actions, stdout >= 0 ? stdout : null, 1)
    posix_spawn_file_actions_adddup2(&actions, stderr >= 0 ? stderr : null, 2)
    kitty_spawn_addchdir(&actions, directory)
    kitty_spawn_addclosefrom(&actions, 3)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    posix_spawnattr_setpgroup(&attributes, 0)
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)

    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      cArgs.forEach { free($0) }
      cEnv.forEach { free($0) }
    }
    var pid: pid_t = 0
    var rc = posix_spawn(&pid, resolved, &actions, &attributes, cArgs, cEnv)
    // A script written a moment ago can still be open for writing in a child that another thread forked before
    // the writer closed it (ETXTBSY); that passes as soon as the child execs or exits.
    for retry in 1...20 where rc == ETXTBSY {
      usleep(useconds_t(5_000 * retry))  // usleep: ETXTBSY passes with no event to wait for; bounded
      rc = posix_spawn(&pid, resolved, &actions, &attributes, cArgs, cEnv)
    }
    guard rc == 0 else { return .failure(SpawnError(message: "\(program): \(String(cString: strerror(rc)))")) }
    return .success(pid)
  }

  public struct SpawnError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
  }

  /// The executable path of `program` (as is when it contains a slash), nil when not found.
  public static func resolve(_ program: String, environment: [String: String]) -> String? {
    ProcessEnvironment.resolve(program, environment: environment)
  }

  /// Waits for `pid` (a blocking waitpid: no polling); after `timeout` seconds a timer sends SIGTERM to its group,
  /// then SIGKILL after `grace`. Returns the exit status (128+signal for a signal) and whether the timeout fired.
  public static func wait(pid: pid_t, timeout: Double?, grace: Double = 5) -> (status: Int32, timedOut: Bool) {
    let fired = TimeoutFlag()
    var timer: DispatchSourceTimer?
    let kill9 = DispatchWorkItem { _ = kill(-pid, SIGKILL) }
    if let timeout {
      let source = DispatchSource.makeTimerSource(queue: .global())
      source.schedule(deadline: .now() + timeout)
      source.setEventHandler {
        fired.value.store(true, ordering: .relaxed)
        _ = kill(-pid, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + grace, execute: kill9)
      }
      source.resume()
      timer = source
    }
    var status: Int32 = 0
    var rc = waitpid(pid, &status, 0)
    while rc < 0 && errno == EINTR { rc = waitpid(pid, &status, 0) }
    timer?.cancel()
    kill9.cancel()
    // Whatever the direct child left behind in its group goes too.
    _ = kill(-pid, SIGKILL)
    if rc < 0 { return (-1, fired.value.load(ordering: .relaxed)) }
    return (exitStatus(status), fired.value.load(ordering: .relaxed))
  }

  /// Set by the time-out timer, read by the waiting thread.
  private final class TimeoutFlag: Sendable {
    let value = Atomic<Bool>(false)
  }

  public static func exitStatus(_ status: Int32) -> Int32 {
    let signal = status & 0x7F
    if signal == 0 { return (status >> 8) & 0xFF }
    return 128 + signal
  }

  /// Runs a command to completion, capturing stdout and stderr (for short tool calls, not agents).
  public static func runCapturing(
    _ argv: [String], directory: String, environment: [String: String], timeout: Double?, input: String? = nil
  ) -> Captured {
    let scratch = NSTemporaryDirectory() + "kitty-cap-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let outPath = scratch + ".out"
    let errPath = scratch + ".err"
    let inPath = scratch + ".in"
    let outFD = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    let errFD = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    var inFD: Int32 = -1
    if let input {
      _ = FileManager.default.createFile(atPath: inPath, contents: Data(input.utf8))
      inFD = open(inPath, O_RDONLY | O_CLOEXEC)
    }
    defer {
      close(outFD)
      close(errFD)
      if inFD >= 0 { close(inFD) }
      unlink(outPath)
      unlink(errPath)
      unlink(inPath)
    }
    switch spawn(argv, directory: directory, environment: environment, stdin: inFD, stdout: outFD, stderr: errFD) {
    case .failure(let error):
      return Captured(status: 127, stdout: "", stderr: "", timedOut: false, launchError: error.message)
    case .success(let pid):
      let (status, timedOut) = wait(pid: pid, timeout: timeout)
      let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
      let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
      return Captured(status: status, stdout: out, stderr: err, timedOut: timedOut, launchError: nil)
    }
  }
}
