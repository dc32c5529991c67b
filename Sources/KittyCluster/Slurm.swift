import Foundation
import KittyBasics

/// Slurm's client commands (`sbatch`, `squeue`, `scontrol`, `scancel`): all git-kitty needs of a cluster. No
/// slurmdbd is needed: finished jobs are read from `squeue --states=all` while the controller remembers them
/// (`MinJobAge`), and a job's result comes back through git, not through Slurm.
public struct SlurmCommands: Sendable {
  public var environment: [String: String]
  var scratch: String

  public init(scratch: String, environment: [String: String] = ProcessEnvironment.scrubbed()) {
    self.scratch = scratch
    self.environment = environment
  }

  public struct Failure: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
  }

  func run(_ argv: [String], stdin: String? = nil, timeout: Duration = .seconds(30)) async throws(Failure) -> String {
    try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    var request = ProcessRequest(argv: argv, directory: scratch, environment: environment, timeout: timeout)
    request.grace = .seconds(2)
    let ran =
      if let stdin { await ProcessRunner.capture(request, input: stdin, scratch: scratch) } else {
        await ProcessRunner.capture(request, scratch: scratch)
      }
    switch ran {
    case .failure(let failure):
      throw Failure(message: "\(argv[0]) could not be started: \(failure.message) (is Slurm's client installed?)")
    case .success(let captured):
      guard captured.result.status.isSuccess, !captured.result.timedOut else {
        let said = captured.stderr.split(separator: "\n").last.map(String.init) ?? ""
        throw Failure(
          message: "\(argv[0]) failed (\(captured.result.timedOut ? "timed out" : "\(captured.result.status)"))"
            + (said.isEmpty ? "" : ": \(said)"))
      }
      return captured.stdout
    }
  }

  /// Submits a batch script; returns the job id.
  public func submit(script: String, arguments: [String]) async throws(Failure) -> String {
    let out = try await run(["sbatch", "--parsable"] + arguments, stdin: script)
    let id = out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
    guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
      throw Failure(message: "sbatch answered \"\(out.prefix(200))\", not a job id")
    }
    return id
  }

  /// One job as the queue shows it.
  public struct JobStatus: Sendable, Equatable {
    public var id: String
    public var name: String
    public var state: String
    public var node: String?
    public var reason: String?

    public var isFinished: Bool {
      [
        "COMPLETED", "FAILED", "CANCELLED", "NODE_FAIL", "TIMEOUT", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE",
        "PREEMPTED", "SPECIAL_EXIT", "REVOKED",
      ].contains(state)
    }
  }

  /// Every job (running, pending or recently finished) with one of these names.
  public func jobs(named names: [String]) async throws(Failure) -> [JobStatus] {
    guard !names.isEmpty else { return [] }
    let out = try await run([
      "squeue", "-h", "--states=all", "--name=\(names.joined(separator: ","))", "-o", "%i|%j|%T|%N|%r",
    ])
    return out.split(separator: "\n").compactMap { line in
      let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
      guard fields.count >= 5 else { return nil }
      let node = fields[3].trimmingCharacters(in: .whitespaces)
      let reason = fields[4].trimmingCharacters(in: .whitespaces)
      return JobStatus(
        id: fields[0], name: fields[1], state: fields[2].split(separator: " ").first.map(String.init) ?? fields[2],
        node: node.isEmpty || node == "(null)" ? nil : node,
        reason: reason.isEmpty || reason == "None" || reason == "(null)" ? nil : reason)
    }
  }

  /// `scontrol show job` as key=value pairs (ExitCode, NodeList, JobState); nil when the controller forgot it.
  public func details(_ id: String) async -> [String: String]? {
    guard let out = try? await run(["scontrol", "-o", "show", "job", id]) else { return nil }
    var fields: [String: String] = [:]
    for token in out.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
      guard let equals = token.firstIndex(of: "=") else { continue }
      fields[String(token[..<equals])] = String(token[token.index(after: equals)...])
    }
    return fields.isEmpty ? nil : fields
  }

  public func cancel(_ ids: [String]) async throws(Failure) {
    guard !ids.isEmpty else { return }
    _ = try await run(["scancel"] + ids)
  }

  /// Whether the controller answers (`scontrol ping`), with its own words.
  public func ping() async -> (up: Bool, said: String) {
    do {
      let out = try await run(["scontrol", "ping"], timeout: .seconds(15))
      let line = out.split(separator: "\n").first.map(String.init) ?? out
      return (out.contains("is UP"), line.trimmingCharacters(in: .whitespaces))
    } catch {
      return (false, error.message)
    }
  }
}

/// One `squeue` call per poll interval for all of a run's jobs, however many WPs wait on them.
actor SlurmQueue {
  let slurm: SlurmCommands
  let interval: Duration
  private var names: Set<String> = []
  private var snapshot: [String: SlurmCommands.JobStatus] = [:]
  private var takenAt: ContinuousClock.Instant?
  private var inFlight: Task<[SlurmCommands.JobStatus]?, Never>?
  /// The last time the queue could not be read, and why.
  private(set) var lastError: String?

  init(slurm: SlurmCommands, interval: Duration) {
    self.slurm = slurm
    self.interval = interval
  }

  func track(_ name: String) { names.insert(name) }
  func untrack(_ name: String) { names.remove(name) }

  /// The job's status as of at most one interval ago; nil when the queue does not (or no longer) show it.
  func status(id: String, name: String) async -> SlurmCommands.JobStatus? {
    names.insert(name)
    if let takenAt, ContinuousClock.now - takenAt < interval, snapshot[id] != nil { return snapshot[id] }
    if let inFlight {
      _ = await inFlight.value
    } else {
      let slurm = self.slurm
      let wanted = names.sorted()
      let task = Task { () -> [SlurmCommands.JobStatus]? in
        do { return try await slurm.jobs(named: wanted) } catch {
          return nil
        }
      }
      inFlight = task
      let jobs = await task.value
      inFlight = nil
      if let jobs {
        snapshot = Dictionary(jobs.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        takenAt = ContinuousClock.now
        lastError = nil
      } else {
        lastError = "squeue failed"
      }
    }
    return snapshot[id]
  }

  func forget(_ id: String) { snapshot[id] = nil }
}
