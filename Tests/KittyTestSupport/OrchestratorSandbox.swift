import Foundation

/// One work package of a generated mission: its dependencies, the file it owns and the `sh kitty-implement` /
/// `sh kitty-review` blocks the built-in script agent runs (defaults: write the file / check that it exists).
public struct SandboxWP: Sendable {
  public var id: String
  public var dependencies: [String]
  public var file: String
  public var implement: String
  public var review: String
  /// The frontmatter's `subtasks` ids.
  public var subtasks: [String] = []

  public init(_ id: String, dependsOn: [String] = [], file: String, implement: String? = nil, review: String? = nil) {
    self.id = id
    self.dependencies = dependsOn
    self.file = file
    self.implement = implement ?? "mkdir -p \"$(dirname \(file))\" && echo \(id) > \(file)"
    self.review = review ?? "test -f \(file)"
  }
}

extension SandboxWP {
  /// WP01 ← WP02 ← … ← WPnn, each writing `src/wpN.sh`.
  public static func chain(_ count: Int) -> [SandboxWP] {
    (1...count).map { n in
      let id = String(format: "WP%02d", n)
      return SandboxWP(id, dependsOn: n == 1 ? [] : [String(format: "WP%02d", n - 1)], file: "src/wp\(n).sh")
    }
  }
}

/// A throwaway repository (a clone of the `lanes-fresh` fixture without `origin`, so `develop` is not protected)
/// holding a freshly generated lanes mission, one WP per lane, ready for `git kitty orchestrate`.
///
/// Every script block and fake agent carries `marker`, a string unique to the sandbox, so the processes a run
/// started can be found in `/proc` afterwards.
public final class OrchestratorSandbox: Sendable {
  public let repo: String
  public let slug: String
  public let marker: String
  /// A directory outside the repository for fake agents and their notes.
  public let scratch: String
  public let wps: [SandboxWP]

  /// Creates the repository and commits the mission (and `config`, as `.kittify/orchestrator.toml`, when given).
  /// `agents` are fake agents written with `writeAgent`; `{scratch}` in them and in `config` becomes `scratch`.
  public init(_ wps: [SandboxWP], name: String = "mission", config: String? = nil, agents: [String: String] = [:])
    throws
  {
    let marker = "kittymark\(UUID().uuidString.prefix(8).lowercased())"
    self.marker = marker
    self.wps = wps
    scratch = TestSupport.temporaryDirectory("agents-\(marker)")
    repo = try TestSupport.cloneFixture("lanes-fresh")
    try TestSupport.git(["remote", "remove", "origin"], in: repo)
    let missionID = MissionIDs.ulid()
    slug = "\(name)-\(missionID.prefix(8))"
    try MissionWriter.write(wps, slug: slug, missionID: missionID, marker: marker, repo: repo)
    for (agent, body) in agents { try writeAgent(agent, body.replacingOccurrences(of: "{scratch}", with: scratch)) }
    if let config {
      try TestSupport.write(
        config.replacingOccurrences(of: "{scratch}", with: scratch), to: "\(repo)/.kittify/orchestrator.toml")
    }
    try TestSupport.git(["add", "-A"], in: repo)
    try TestSupport.git(["commit", "-q", "-m", "mission \(slug)"], in: repo)
  }

  /// Removes the repository and the scratch directory (kept with `KITTY_KEEP_SANDBOXES=1`, to look at them).
  deinit {
    guard ProcessInfo.processInfo.environment["KITTY_KEEP_SANDBOXES"] == nil else { return }
    try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent)
    try? FileManager.default.removeItem(atPath: scratch)
  }

  /// Writes an executable `#!/bin/sh` fake agent `<scratch>/<name>.sh` (its path carries the marker).
  @discardableResult
  public func writeAgent(_ name: String, _ body: String) throws -> String {
    let path = "\(scratch)/\(name).sh"
    try TestSupport.write("#!/bin/sh\n# \(marker)\n\(body)\n", to: path)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    return path
  }

  // MARK: running git-kitty

  /// Runs git-kitty in the repository and waits for it.
  @discardableResult
  public func kitty(_ arguments: [String]) throws -> TestSupport.CommandResult {
    try TestSupport.run(KittyExecutable.path, arguments, in: repo)
  }

  /// `git kitty <status|resume|abort> …`.
  @discardableResult
  public func control(_ verb: String, _ arguments: [String] = []) throws -> TestSupport.CommandResult {
    try kitty([verb] + arguments)
  }

  /// The `orchestrate` arguments for this mission.
  public func orchestrateArguments(
    implement: [String] = ["script"], review: [String] = ["script"], merge: Bool = false, extra: [String] = []
  ) -> [String] {
    var args = ["orchestrate", "--mission", slug]
    for agent in implement { args += ["--impl-agent", agent] }
    for agent in review { args += ["--review-agent", agent] }
    if merge { args.append("--merge") }
    return args + extra
  }

  @discardableResult
  public func orchestrate(
    implement: [String] = ["script"], review: [String] = ["script"], merge: Bool = false, extra: [String] = []
  ) throws -> TestSupport.CommandResult {
    try kitty(orchestrateArguments(implement: implement, review: review, merge: merge, extra: extra))
  }

  /// Starts git-kitty in the background (stdout and stderr go to files that can be watched).
  public func start(_ arguments: [String]) throws -> BackgroundKitty {
    try BackgroundKitty(arguments, in: repo, logs: scratch, owner: self)
  }

  // MARK: what the run left

  public var eventsPath: String { "\(repo)/kitty-specs/\(slug)/status.events.jsonl" }

  /// Every row of the mission's event log.
  public func events() throws -> [[String: Any]] {
    try TestSupport.read(eventsPath).split(separator: "\n").map { line in
      guard let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        throw TestFailure("not a JSON object: \(line)")
      }
      return row
    }
  }

  /// The lane transitions of one WP, in log order, as `from->to`.
  public func transitions(_ wp: String) throws -> [String] {
    try events().filter { $0["wp_id"] as? String == wp }.map {
      "\($0["from_lane"] as? String ?? "?")->\($0["to_lane"] as? String ?? "?")"
    }
  }

  /// The `review_result.verdict` values recorded for one WP, in log order.
  public func verdicts(_ wp: String) throws -> [String] {
    try events().filter { $0["wp_id"] as? String == wp }.compactMap {
      ($0["review_result"] as? [String: Any])?["verdict"] as? String
    }
  }

  /// Lane per WP, as the host folds the log (`orchestrator-api mission-state`).
  public func lanes() throws -> [String: String] {
    let result = try kitty(["orchestrator-api", "mission-state", "--mission", slug])
    let envelope = try GoldenJSON.parse(result.stdout)
    guard envelope["success"] as? Bool == true, let data = envelope["data"] as? [String: Any],
      let items = data["work_packages"] as? [[String: Any]]
    else { throw TestFailure("mission-state failed: \(result.stdout)") }
    var lanes: [String: String] = [:]
    for item in items {
      if let wp = item["wp_id"] as? String, let lane = item["lane"] as? String { lanes[wp] = lane }
    }
    return lanes
  }

  /// `.kittify/orchestrator-run-state.json`.
  public func runState() throws -> [String: Any] {
    try GoldenJSON.parse(try TestSupport.read("\(repo)/.kittify/orchestrator-run-state.json"))
  }

  /// `git kitty status --json`.
  public func statusJSON() throws -> [String: Any] {
    let result = try control("status", ["--json"])
    guard result.status == 0 else { throw TestFailure("status --json failed: \(result.stderr)") }
    return try GoldenJSON.parse(result.stdout)
  }

  /// Problems with the event log: duplicate event ids, and transitions whose `from_lane` is not the lane the WP
  /// was in (a duplicated or lost transition breaks that chain).
  public func eventLogProblems() throws -> [String] {
    var problems: [String] = []
    var seen = Set<String>()
    var lane: [String: String] = [:]
    for row in try events() {
      let id = row["event_id"] as? String ?? ""
      if !seen.insert(id).inserted { problems.append("duplicate event_id \(id)") }
      guard let wp = row["wp_id"] as? String, let from = row["from_lane"] as? String,
        let to = row["to_lane"] as? String
      else {
        problems.append("row without wp_id/from_lane/to_lane: \(id)")
        continue
      }
      if let current = lane[wp], current != from { problems.append("\(wp): \(from)->\(to) while in \(current)") }
      lane[wp] = to
    }
    return problems
  }

  /// Waits until the run state records a live agent process for `wp`; returns its pid (= its process group).
  @discardableResult
  public func waitForAgent(_ wp: String, timeout: Double = 30) throws -> Int32 {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if let state = try? runState(), let wps = state["wps"] as? [String: [String: Any]],
        let pid = wps[wp]?["pid"] as? Int, ProcessTable.isAlive(Int32(pid))
      {
        return Int32(pid)
      }
      usleep(10_000)
    }
    throw TestFailure("no live agent for \(wp) within \(timeout)s")
  }

  /// Live (not zombie) processes whose command line carries this sandbox's marker.
  public func survivors() -> [ProcessTable.Entry] {
    ProcessTable.entries().filter { $0.commandLine.contains(marker) && !$0.isZombie }
  }

  /// Waits until no process carries the marker (true) or `timeout` passes (false).
  @discardableResult
  public func waitForNoSurvivors(timeout: Double) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if survivors().isEmpty { return true }
      usleep(20_000)
    }
    return survivors().isEmpty
  }

  /// Files in the checkout (outside .git) whose names look like an interrupted atomic write (`.name.tmp-…`).
  public func atomicWriteLeftovers() -> [String] {
    TestSupport.snapshotTree(repo).keys.filter { path in
      !path.hasPrefix(".git/") && (path as NSString).lastPathComponent.contains(".tmp-")
    }.sorted()
  }
}

/// `git-kitty`, hard-linked (or copied) once per test process so that a concurrent `swift build`, which writes a
/// new file, cannot swap it mid-test.
public enum KittyExecutable {
  public static let path: String = {
    let source = GitKittyBinary.path
    let copy = TestSupport.temporaryDirectory("git-kitty-bin") + "/git-kitty"
    if link(source, copy) == 0 { return copy }
    // Copied by a `cp` process: a write descriptor held open here could leak into a concurrent fork, and exec
    // of the copy would then fail with ETXTBSY.
    let copied = try? TestSupport.run("/bin/cp", [source, copy])
    return copied?.status == 0 ? copy : source
  }()
}

/// A git-kitty process running in the background, its output in files.
public final class BackgroundKitty: @unchecked Sendable {
  public let process = Process()
  public let stdoutPath: String
  public let stderrPath: String
  /// The sandbox the process runs in, kept alive (and on disk) as long as this object.
  let owner: AnyObject?

  init(_ arguments: [String], in directory: String, logs: String, owner: AnyObject? = nil) throws {
    self.owner = owner
    let tag = UUID().uuidString.prefix(8)
    stdoutPath = "\(logs)/run-\(tag).out"
    stderrPath = "\(logs)/run-\(tag).err"
    FileManager.default.createFile(atPath: stdoutPath, contents: nil)
    FileManager.default.createFile(atPath: stderrPath, contents: nil)
    process.executableURL = URL(fileURLWithPath: KittyExecutable.path)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment
    for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR"] { env[key] = nil }
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    process.environment = env
    process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
    process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
    process.standardError = FileHandle(forWritingAtPath: stderrPath)
    try process.run()
  }

  public var pid: Int32 { process.processIdentifier }
  public var stderr: String { (try? TestSupport.read(stderrPath)) ?? "" }
  public var stdout: String { (try? TestSupport.read(stdoutPath)) ?? "" }

  /// Polls stderr until `condition` holds; throws after `timeout` seconds or when the process ended first.
  public func waitFor(_ what: String, timeout: Double = 30, _ condition: (String) -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
      let text = stderr
      if condition(text) { return }
      if !process.isRunning {
        if condition(stderr) { return }
        throw TestFailure("git-kitty exited (\(process.terminationStatus)) before \(what); stderr:\n\(stderr)")
      }
      if Date() > deadline { throw TestFailure("timed out waiting for \(what); stderr:\n\(text)") }
      usleep(2_000)
    }
  }

  /// Waits until stderr has `count` lines containing `text`.
  public func waitForLine(_ text: String, count: Int = 1, timeout: Double = 30) throws {
    try waitFor("\(count)× '\(text)'", timeout: timeout) {
      $0.split(separator: "\n").filter { $0.contains(text) }.count >= count
    }
  }

  public func signal(_ number: Int32) { kill(pid, number) }

  /// Waits for the exit; returns the exit status (the signal number when killed by one).
  ///
  /// Foundation notices the exit only once every holder of its status socket has closed it, and descendants that
  /// inherited it (agents of a git-kitty that did not close descriptors above 2) can outlive a killed git-kitty;
  /// so the process table is watched too (an exited child is a zombie there, whose `exit_code` holds the status).
  @discardableResult
  public func wait(timeout: Double = 60) throws -> Int32 {
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning {
      if let entry = ProcessTable.entry(pid), entry.isZombie, let raw = entry.exitCode {
        return raw & 0x7F != 0 ? raw & 0x7F : (raw >> 8) & 0xFF
      }
      if Date() > deadline {
        kill(pid, SIGKILL)
        throw TestFailure("git-kitty did not exit within \(timeout)s; stderr:\n\(stderr)")
      }
      usleep(5_000)
    }
    process.waitUntilExit()
    return process.terminationStatus
  }
}

/// Processes as /proc shows them.
public enum ProcessTable {
  public struct Entry: Sendable, CustomStringConvertible {
    public var pid: Int32
    public var state: String
    public var processGroup: Int32
    public var commandLine: String
    /// The wait status of an exited (zombie) process (`/proc/<pid>/stat` field 52).
    public var exitCode: Int32?
    public var isZombie: Bool { state == "Z" || state == "X" }
    public var description: String { "\(pid) [\(state) pgrp \(processGroup)] \(commandLine.prefix(160))" }
  }

  public static func entries() -> [Entry] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return names.compactMap { name -> Entry? in
      guard let pid = Int32(name), pid != getpid() else { return nil }
      return entry(pid)
    }
  }

  public static func entry(_ pid: Int32) -> Entry? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.range(of: ")", options: .backwards)
    else { return nil }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
    let fields = stat[close.upperBound...].split(separator: " ")
    guard fields.count > 3, let group = Int32(fields[2]) else { return nil }
    let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
    let commandLine = String(decoding: raw.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    let exitCode = fields.count >= 50 ? Int32(fields[49].trimmingCharacters(in: .whitespacesAndNewlines)) : nil
    return Entry(
      pid: pid, state: String(fields[0]), processGroup: group, commandLine: commandLine, exitCode: exitCode)
  }

  /// The file descriptors `pid` has open, with what they point at.
  public static func openFiles(_ pid: Int32) -> [Int: String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
    var files: [Int: String] = [:]
    for name in names {
      guard let fd = Int(name) else { continue }
      files[fd] = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(name)")) ?? "?"
    }
    return files
  }

  /// Whether `pid` is a live process (zombies count as dead).
  public static func isAlive(_ pid: Int32) -> Bool {
    guard let entry = entry(pid) else { return false }
    return !entry.isZombie
  }

  /// Live members of process group `group`.
  public static func members(ofGroup group: Int32) -> [Entry] {
    entries().filter { $0.processGroup == group && !$0.isZombie }
  }
}

/// Crockford base-32 ULIDs for mission and event ids.
public enum MissionIDs {
  static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

  public static func ulid(milliseconds: UInt64 = UInt64(Date().timeIntervalSince1970 * 1000)) -> String {
    var time = milliseconds
    var head = ""
    for _ in 0..<10 {
      head = String(alphabet[Int(time % 32)]) + head
      time /= 32
    }
    return head + String((0..<16).map { _ in alphabet[Int.random(in: 0..<32)] })
  }
}

/// Writes a lanes mission the way spec-kitty's finalize-tasks leaves it: meta.json, lanes.json, one prompt file
/// per WP and a `genesis -> planned` row per WP.
enum MissionWriter {
  static func write(_ wps: [SandboxWP], slug: String, missionID: String, marker: String, repo: String) throws {
    let dir = "\(repo)/kitty-specs/\(slug)"
    let laneOf = Dictionary(uniqueKeysWithValues: wps.enumerated().map { ($1.id, "lane-\(laneLetter($0))") })
    let meta: [String: Any] = [
      "created_at": timestamp(Date().addingTimeInterval(-3600)), "flattened": false, "friendly_name": slug,
      "mission_id": missionID, "mission_number": NSNull(), "mission_slug": slug, "mission_type": "software-dev",
      "purpose_context": "generated by the orchestrator tests", "purpose_tldr": "orchestrator test mission",
      "slug": slug, "target_branch": "develop", "topology": "lanes",
    ]
    try TestSupport.write(try json(meta), to: "\(dir)/meta.json")
    let lanes: [[String: Any]] = wps.map { wp in
      [
        "lane_id": laneOf[wp.id]!, "wp_ids": [wp.id], "write_scope": [wp.file], "predicted_surfaces": [String](),
        "depends_on_lanes": wp.dependencies.compactMap { laneOf[$0] }, "parallel_group": 0,
      ]
    }
    let manifest: [String: Any] = [
      "version": 1, "mission_slug": slug, "mission_id": missionID, "mission_branch": "kitty/mission-\(slug)",
      "target_branch": "develop", "lanes": lanes, "computed_at": timestamp(Date().addingTimeInterval(-3600)),
      "computed_from": "dependency_graph+ownership", "planning_artifact_wps": [String](),
      "planning_commit_sha": NSNull(),
    ]
    try TestSupport.write(try json(manifest), to: "\(dir)/lanes.json")
    var rows: [String] = []
    let base = Date().addingTimeInterval(-1800)
    for (index, wp) in wps.enumerated() {
      let dependencies =
        wp.dependencies.isEmpty ? " []" : "\n" + wp.dependencies.map { "- \($0)" }.joined(separator: "\n")
      let prompt = """
        ---
        work_package_id: \(wp.id)
        title: \(wp.id)
        dependencies:\(dependencies)
        subtasks: [\(wp.subtasks.joined(separator: ", "))]
        owned_files:
        - \(wp.file)
        execution_mode: code_change
        ---

        # Work Package Prompt: \(wp.id)

        Create `\(wp.file)`.

        ```sh kitty-implement
        : \(marker)
        \(wp.implement)
        ```

        ```sh kitty-review
        : \(marker)
        \(wp.review)
        ```

        """
      try TestSupport.write(prompt, to: "\(dir)/tasks/\(wp.id)-work.md")
      let at = base.addingTimeInterval(Double(index))
      let row: [String: Any] = [
        "actor": "finalize-tasks", "at": timestamp(at),
        "event_id": MissionIDs.ulid(milliseconds: UInt64(at.timeIntervalSince1970 * 1000)), "evidence": NSNull(),
        "execution_mode": "worktree", "force": false, "from_lane": "genesis", "mission_id": missionID,
        "mission_slug": slug, "policy_metadata": NSNull(), "reason": "canonical bootstrap", "review_ref": NSNull(),
        "to_lane": "planned", "wp_id": wp.id,
      ]
      let data = try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys, .withoutEscapingSlashes])
      rows.append(String(decoding: data, as: UTF8.self))
    }
    try TestSupport.write(rows.joined(separator: "\n") + "\n", to: "\(dir)/status.events.jsonl")
  }

  static func laneLetter(_ index: Int) -> String {
    let letters = Array("abcdefghijklmnopqrstuvwxyz")
    return index < 26 ? String(letters[index]) : "x\(index)"
  }

  static func json(_ object: [String: Any]) throws -> String {
    let data = try JSONSerialization.data(
      withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self) + "\n"
  }

  /// `2026-11-22T00:41:03.138892+00:00`, as spec-kitty writes it.
  static func timestamp(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
    let micros = Int((date.timeIntervalSince1970 * 1_000_000).truncatingRemainder(dividingBy: 1_000_000))
    return formatter.string(from: date) + String(format: ".%06d+00:00", micros)
  }
}
