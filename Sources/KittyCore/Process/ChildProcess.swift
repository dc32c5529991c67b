import CKittySystem
import Foundation

/// Child processes started in their own process group, so a timeout or an abort stops the whole tree.
public enum ChildProcess {
  public struct Captured: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
    public var launchError: String?
  }

  /// Variables a git hook may have set that must not leak into another repository or worktree.
  public static let gitVariables = [
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  ]

  /// The environment with git's per-invocation variables removed.
  public static func scrubbedEnvironment(_ base: [String: String] = ProcessInfo.processInfo.environment)
    -> [String: String]
  {
    var env = base
    for key in gitVariables { env[key] = nil }
    return env
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
      usleep(useconds_t(5_000 * retry))
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
    if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
    let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") where !dir.isEmpty {
      let candidate = "\(dir)/\(program)"
      var info = stat()
      if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
        return candidate
      }
    }
    return nil
  }

  /// Waits for `pid`; after `timeout` seconds sends SIGTERM to its group, then SIGKILL after `grace`.
  /// Returns the exit status (128+signal for a signal) and whether the timeout fired.
  public static func wait(pid: pid_t, timeout: Double?, grace: Double = 5) -> (status: Int32, timedOut: Bool) {
    let deadline = timeout.map { Date().addingTimeInterval($0) }
    var timedOut = false
    var killAt: Date?
    var status: Int32 = 0
    var delay: useconds_t = 1_000
    while true {
      let rc = waitpid(pid, &status, WNOHANG)
      if rc == pid { break }
      if rc < 0 && errno != EINTR { return (-1, timedOut) }
      let now = Date()
      if let deadline, now >= deadline, !timedOut {
        timedOut = true
        kill(-pid, SIGTERM)
        killAt = now.addingTimeInterval(grace)
      }
      if let due = killAt, now >= due {
        kill(-pid, SIGKILL)
        killAt = nil
      }
      usleep(delay)
      delay = min(delay * 2, 50_000)
    }
    // Whatever the direct child left behind in its group goes too.
    kill(-pid, SIGKILL)
    return (exitStatus(status), timedOut)
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
