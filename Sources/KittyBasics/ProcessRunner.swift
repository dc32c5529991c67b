import Foundation
import Subprocess
import Synchronization

#if canImport(System)
  import System
#else
  import SystemPackage
#endif

/// How a process ended: its exit code, or the signal that killed it (never folded into `128 + signal`).
public enum ExitStatus: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
  case exited(Int32)
  case signalled(Int32)

  public var isSuccess: Bool { self == .exited(0) }

  public var description: String {
    switch self {
    case .exited(let code): return "exit \(code)"
    case .signalled(let signal): return "killed by signal \(signal)\(Self.signalName(signal).map { " (\($0))" } ?? "")"
    }
  }

  static func signalName(_ signal: Int32) -> String? {
    [SIGTERM: "SIGTERM", SIGKILL: "SIGKILL", SIGINT: "SIGINT", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT"][signal]
  }
}

/// One process to run: argv (a bare program name is looked up on the PATH of `environment`), where, with what,
/// where its output goes and how long it may take.
public struct ProcessRequest: Sendable {
  public var argv: [String]
  public var directory: String
  /// The complete environment of the child (build it with `ProcessEnvironment.scrubbed`).
  public var environment: [String: String]
  /// A file whose content becomes the child's stdin; nil = /dev/null.
  public var stdinFile: String?
  /// A file the child's stdout (and stderr, unless `errorFile` is set) is appended to as it comes; nil = discarded.
  public var outputFile: String?
  public var errorFile: String?
  /// Wall-clock limit; nil = none.
  public var timeout: Duration?
  /// Between SIGTERM to the group and SIGKILL to the group, on timeout or cancellation.
  public var grace: Duration = .seconds(5)
  /// When set, stdout goes through a pipe and arrives here line by line (without the newline), as it comes;
  /// stderr still goes to `errorFile` (or `outputFile`).
  public var stdoutLines: (@Sendable (String) -> Void)?
  /// Start the child as the leader of a new session (and process group) without a controlling terminal, instead of
  /// only a new process group. For a sandbox that confines the terminal: bubblewrap's own `--new-session` would put
  /// the agent in a group of its own, out of reach of the teardown's signals to the group.
  public var newSession = false

  public init(
    argv: [String], directory: String, environment: [String: String], stdinFile: String? = nil,
    outputFile: String? = nil, timeout: Duration? = nil
  ) {
    self.argv = argv
    self.directory = directory
    self.environment = environment
    self.stdinFile = stdinFile
    self.outputFile = outputFile
    self.timeout = timeout
  }
}

/// How a run ended.
public struct ProcessResult: Sendable, Equatable {
  public var status: ExitStatus
  /// The timeout ran out and the group was torn down.
  public var timedOut: Bool
  /// The caller's task was cancelled (an abort) and the group was torn down.
  public var cancelled: Bool
  public var pid: Int32
}

/// Why a process could not be started.
public struct SpawnFailure: Error, Sendable, Equatable, CustomStringConvertible {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// The environment git-kitty gives every child: the caller's, minus what a git hook may have set for its own
/// repository (one list for agents, setup commands, hooks' background work and the spec-kitty client).
public enum ProcessEnvironment {
  public static let scrubbedVariables = [
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  ]

  public static func scrubbed(_ base: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
    var env = base
    for key in scrubbedVariables { env[key] = nil }
    return env
  }

  /// The absolute path `program` runs as: itself when it has a slash, else the first executable on `PATH`.
  public static func resolve(_ program: String, environment: [String: String]) -> String? {
    if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
    let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") where !directory.isEmpty {
      let candidate = "\(directory)/\(program)"
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
        access(candidate, X_OK) == 0
      {
        return candidate
      }
    }
    return nil
  }
}

/// The one way git-kitty starts a process (swift-subprocess): its own process group, an explicit environment,
/// output streamed to a file as it comes (never held in memory), and on timeout or task cancellation a teardown
/// of the whole group: SIGTERM, `grace`, SIGKILL.
public enum ProcessRunner {
  /// Runs `request` to its end. `started` gets the pid (which is also the group id) as soon as it exists.
  public static func run(_ request: ProcessRequest, started: @escaping @Sendable (Int32) -> Void = { _ in }) async
    -> Result<ProcessResult, SpawnFailure>
  {
    guard let program = request.argv.first else { return .failure(SpawnFailure("nothing to run")) }
    // A cancelled task starts nothing: swift-subprocess may spawn the child and then end with the cancellation
    // before telling us its pid, which leaves a group nobody tears down.
    if Task.isCancelled { return .failure(SpawnFailure("\(program): not started, the run is stopping")) }
    guard let resolved = ProcessEnvironment.resolve(program, environment: request.environment) else {
      return .failure(SpawnFailure("\(program): command not found on PATH"))
    }
    let files: Files
    do {
      files = try Files(request)
    } catch {
      return .failure(error)
    }
    defer { files.close() }

    var options = PlatformOptions()
    // Either way the child leads its own group, whose id is its pid.
    if request.newSession { options.createSession = true } else { options.processGroupID = 0 }
    options.teardownSequence = [
      .send(signal: .terminate, toProcessGroup: true, allowedDurationToNextStep: request.grace),
      .send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .milliseconds(500)),
    ]
    var environment: [Environment.Key: String] = [:]
    for (key, value) in request.environment { environment[Environment.Key(stringLiteral: key)] = value }
    let configuration = Configuration(
      executable: .path(FilePath(resolved)), arguments: Arguments(Array(request.argv.dropFirst())),
      environment: .custom(environment), workingDirectory: FilePath(request.directory), platformOptions: options)

    enum Ending: Sendable {
      case finished(ExitStatus, Int32)
      case failed(String)
      case timerFired
      case timerCancelled
    }
    let timeout = request.timeout
    // The pid as soon as it exists: a run that ends in an error (swift-subprocess may throw when its task is
    // cancelled while the child lives) must still take the child's group down.
    let spawned = SpawnedPid()
    let (ending, timedOut): (Ending, Bool) = await withTaskGroup(of: Ending.self) { group in
      group.addTask {
        do {
          let (status, pid) = try await runConfigured(configuration, files: files) { pid in
            spawned.set(pid)
            LiveGroups.shared.add(pid)
            started(pid)
          }
          return .finished(status, pid)
        } catch {
          return .failed("\(program): \(error)")
        }
      }
      if let timeout {
        group.addTask {
          do {
            try await Task.sleep(for: timeout)
            return .timerFired
          } catch {
            return .timerCancelled
          }
        }
      }
      var timedOut = false
      while let next = await group.next() {
        switch next {
        case .timerFired:
          timedOut = true
          group.cancelAll()  // swift-subprocess tears the group down; its task then reports the status
        case .timerCancelled:
          continue
        case .finished, .failed:
          group.cancelAll()
          return (next, timedOut)
        }
      }
      return (.failed("\(program): no result"), timedOut)
    }
    // Off the list only once the group is gone: one still alive (a member that outlived its leader, or a teardown
    // that missed) is killed by `LiveGroups.killAll` when the run ends.
    defer { spawned.value.map(LiveGroups.shared.removeIfGone) }
    switch ending {
    case .finished(let status, let pid):
      let cancelled = Task.isCancelled
      if timedOut || cancelled { await killRemainingGroup(pid, grace: request.grace) }
      return .success(ProcessResult(status: status, timedOut: timedOut, cancelled: cancelled, pid: pid))
    case .failed(let message):
      if let pid = spawned.value {
        await killRemainingGroup(pid, grace: request.grace)
        if Task.isCancelled || timedOut {
          return .success(
            ProcessResult(status: .signalled(SIGKILL), timedOut: timedOut, cancelled: Task.isCancelled, pid: pid))
        }
      }
      return .failure(SpawnFailure(message))
    case .timerFired, .timerCancelled:
      return .failure(SpawnFailure("\(program): no result"))
    }
  }

  /// The child's pid, set from swift-subprocess's task and read after it ended.
  private final class SpawnedPid: Sendable {
    private let pid = Mutex<Int32?>(nil)
    func set(_ value: Int32) { pid.withLock { $0 = value } }
    var value: Int32? { pid.withLock { $0 } }
  }

  /// swift-subprocess's teardown stops at the leader's exit: members of its group that ignore SIGTERM would live
  /// on. They got SIGTERM with the leader; after `grace` they get SIGKILL. (A group id cannot be reused while the
  /// group has members, so this cannot reach another group.) Group emptiness has no event: look every 50 ms.
  private static func killRemainingGroup(_ pgid: Int32, grace: Duration) async {
    guard pgid > 0 else { return }
    // A cancelled task cannot sleep; its agents already had SIGTERM and the teardown's grace.
    if Task.isCancelled {
      _ = kill(-pgid, SIGKILL)
      return
    }
    let clock = ContinuousClock()
    let deadline = clock.now + grace
    while kill(-pgid, 0) == 0 && clock.now < deadline {
      _ = kill(-pgid, SIGTERM)
      try? await clock.sleep(for: .milliseconds(50))
    }
    _ = kill(-pgid, SIGKILL)
  }

  /// The descriptors of one run, opened before the spawn and closed after it.
  private struct Files: Sendable {
    var input: FileDescriptor?
    var output: FileDescriptor
    var error: FileDescriptor
    var lines: (@Sendable (String) -> Void)?

    init(_ request: ProcessRequest) throws(SpawnFailure) {
      lines = request.stdoutLines
      func open(_ path: String, write: Bool) throws(SpawnFailure) -> FileDescriptor {
        do {
          if write {
            return try FileDescriptor.open(
              FilePath(path), .writeOnly, options: [.create, .append, .closeOnExec],
              permissions: [.ownerReadWrite, .groupRead, .otherRead])
          }
          return try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch {
          throw SpawnFailure("cannot open \(path): \(error)")
        }
      }
      input = try request.stdinFile.map { path throws(SpawnFailure) in try open(path, write: false) }
      output = try open(request.outputFile ?? "/dev/null", write: true)
      error = try open(request.errorFile ?? request.outputFile ?? "/dev/null", write: true)
    }

    func close() {
      try? input?.close()
      try? output.close()
      try? error.close()
    }
  }

  private static func runConfigured(
    _ configuration: Configuration, files: Files, started: @escaping @Sendable (Int32) -> Void
  ) async throws -> (ExitStatus, Int32) {
    let output = FileDescriptorOutput.fileDescriptor(files.output, closeAfterSpawningProcess: false)
    let error = FileDescriptorOutput.fileDescriptor(files.error, closeAfterSpawningProcess: false)
    if let lines = files.lines {
      let input: FileDescriptorInput = .fileDescriptor(
        try files.input ?? FileDescriptor.open("/dev/null", .readOnly), closeAfterSpawningProcess: files.input == nil)
      let result = try await Subprocess.run(configuration, input: input, output: .sequence, error: error) { execution in
        started(execution.processIdentifier.value)
        for try await line in execution.standardOutput.strings(
          separatedBy: .unicodeScalarSequence(["\n"]), bufferingPolicy: .unbounded)
        {
          lines(line)
        }
        return execution.processIdentifier.value
      }
      return (exitStatus(result.terminationStatus), result.closureResult)
    }
    let result: ExecutionResult<Int32, FileDescriptorOutput, FileDescriptorOutput>
    if let input = files.input {
      result = try await Subprocess.run(
        configuration, input: .fileDescriptor(input, closeAfterSpawningProcess: false), output: output, error: error
      ) { execution in
        started(execution.processIdentifier.value)
        return execution.processIdentifier.value
      }
    } else {
      result = try await Subprocess.run(configuration, input: .none, output: output, error: error) { execution in
        started(execution.processIdentifier.value)
        return execution.processIdentifier.value
      }
    }
    return (exitStatus(result.terminationStatus), result.closureResult)
  }

  private static func exitStatus(_ status: TerminationStatus) -> ExitStatus {
    switch status {
    case .exited(let code): return .exited(Int32(code))
    case .signaled(let signal): return .signalled(Int32(signal))
    }
  }

  /// What a short command printed, stdout and stderr apart (`--version` probes, the spec-kitty client). The
  /// output passes through two files in `scratch`, removed before this returns.
  public struct Captured: Sendable {
    public var result: ProcessResult
    public var stdout: String
    public var stderr: String
  }

  /// `capture` with `input` as the child's stdin (through a file in `scratch`, removed before this returns).
  public static func capture(_ request: ProcessRequest, input: String, scratch: String) async
    -> Result<Captured, SpawnFailure>
  {
    try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    let file = "\(scratch)/kitty-stdin-\(getpid())-\(UUID().uuidString.prefix(8))"
    FileManager.default.createFile(atPath: file, contents: Data(input.utf8))
    defer { unlink(file) }
    var fed = request
    fed.stdinFile = file
    return await capture(fed, scratch: scratch)
  }

  public static func capture(_ request: ProcessRequest, scratch: String = NSTemporaryDirectory()) async
    -> Result<Captured, SpawnFailure>
  {
    let stem =
      "\(scratch.hasSuffix("/") ? String(scratch.dropLast()) : scratch)/kitty-cap-\(getpid())-\(UUID().uuidString.prefix(8))"
    var captured = request
    captured.outputFile = stem + ".out"
    captured.errorFile = stem + ".err"
    defer {
      unlink(stem + ".out")
      unlink(stem + ".err")
    }
    switch await run(captured) {
    case .failure(let failure):
      return .failure(failure)
    case .success(let result):
      let out = (try? String(contentsOfFile: stem + ".out", encoding: .utf8)) ?? ""
      let err = (try? String(contentsOfFile: stem + ".err", encoding: .utf8)) ?? ""
      return .success(Captured(result: result, stdout: out, stderr: err))
    }
  }
}

/// The process groups this process started and has not seen the end of: a safety net for the end of a run (an
/// agent's group that a teardown missed is killed when the orchestrator stops, instead of outliving it).
public final class LiveGroups: Sendable {
  public static let shared = LiveGroups()
  /// Group id (the leader's pid) -> the leader's start time, so a pid reused by another process is left alone.
  private let groups = Mutex<[Int32: UInt64?]>([:])

  func add(_ pgid: Int32) {
    let start = ProcessStartTime.of(pgid)
    groups.withLock { $0[pgid] = start }
  }

  /// Whether `pgid` is still on the list.
  public func isTracked(_ pgid: Int32) -> Bool { groups.withLock { $0[pgid] != nil } }

  func removeIfGone(_ pgid: Int32) {
    if kill(-pgid, 0) == 0 { return }
    _ = groups.withLock { $0.removeValue(forKey: pgid) }
  }

  /// SIGKILLs every group still registered whose leader is gone or is still the process that was started; returns
  /// the group ids it signalled.
  @discardableResult
  public func killAll() -> [Int32] {
    let entries = groups.withLock { current in
      defer { current.removeAll() }
      return current
    }
    var killed: [Int32] = []
    for (pgid, start) in entries.sorted(by: { $0.key < $1.key }) {
      if let now = ProcessStartTime.of(pgid), let start, now != start { continue }  // the pid was reused
      if kill(-pgid, SIGKILL) == 0 { killed.append(pgid) }
    }
    return killed
  }
}

/// When a process started (field 22 of /proc/<pid>/stat, clock ticks since boot); nil when it does not exist.
public enum ProcessStartTime {
  public static func of(_ pid: Int32) -> UInt64? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return nil }
    // After the parenthesised command name (which may contain spaces): fields[0] is field 3, so 22 is fields[19].
    let fields = text[text.index(after: close)...].split(separator: " ")
    return fields.count > 19 ? UInt64(fields[19]) : nil
  }
}
