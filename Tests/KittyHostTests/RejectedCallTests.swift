import Foundation
import KittyCore
import KittyHost
import KittyTestSupport
import Testing

/// A refused write changes nothing: the event log, status.json, meta.json, every ref, the worktree list, the
/// worktree admin directory and the main checkout's status are byte-identical before and after, and the envelope
/// carries the right error code and exit status (spec-kitty answers several of these with a traceback, or
/// creates the lane worktree before refusing).
@Suite struct RejectedCallTests {
  static let slug = WriteFixture.slug
  static let policy = WriteFixture.policy
  static let otherPolicy =
    #""orchestrator_version":"1","agent_family":"claude","approval_mode":"x","sandbox_mode":"y","network_mode":"z""#

  enum Setup: Sendable {
    case none
    /// WP01 started by impl-1 (lane-a worktree exists).
    case wp01InProgress
    /// The main checkout is on a branch other than the target branch.
    case otherBranch
  }

  struct Case: CustomStringConvertible, Sendable {
    let name: String
    let arguments: [String]
    let code: String
    var exitCode: Int32 = 1
    /// The exact message, or (when it ends with "…") its prefix.
    var message: String? = nil
    var setup: Setup = .none
    /// Keep `origin` (whose HEAD makes `develop` protected).
    var keepOrigin = false
    var description: String { name }
  }

  static func start(_ extra: [String] = [], wp: String = "WP01", actor: String = "a") -> [String] {
    ["start-implementation", "--mission", slug, "--wp", wp, "--actor", actor] + extra
  }

  static func transition(_ to: String, _ extra: [String] = [], wp: String = "WP01") -> [String] {
    ["transition", "--mission", slug, "--wp", wp, "--to", to, "--actor", "a"] + extra
  }

  static func policyCase(_ name: String, _ policy: String, _ message: String) -> Case {
    Case(
      name: "policy: \(name)", arguments: start(["--policy", policy]), code: "POLICY_VALIDATION_FAILED",
      message: message)
  }

  static let reviewResultMissing = "--review-result-json requires non-empty reviewer, verdict, and reference strings"
  static let evidenceMissing =
    "Moving to done requires evidence with review.reviewer review.verdict, and review.reference"

  static let cases: [Case] = [
    // §3 policy: presence, then validity, before anything else.
    Case(
      name: "policy missing (start-implementation)", arguments: start(), code: "POLICY_METADATA_REQUIRED",
      message: "--policy is required for start-implementation"),
    Case(
      name: "policy missing (transition to in_progress)", arguments: transition("in_progress"),
      code: "POLICY_METADATA_REQUIRED", message: "--policy is required when transitioning to 'in_progress'"),
    Case(
      name: "policy missing (start-review)",
      arguments: ["start-review", "--mission", slug, "--wp", "WP01", "--actor", "r"], code: "POLICY_METADATA_REQUIRED",
      message: "--policy is required for start-review"),
    policyCase("not JSON", "not json", "--policy is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
    policyCase("not an object", "[1,2]", "--policy must be a JSON object"),
    policyCase(
      "missing field",
      #"{"orchestrator_id":"o","orchestrator_version":"1","agent_family":"claude","approval_mode":"x","sandbox_mode":"y","network_mode":"z"}"#,
      "--policy missing required field: 'dangerous_flags'"),
    policyCase(
      "non-string field", #"{"orchestrator_id":1,\#(otherPolicy),"dangerous_flags":[]}"#,
      "--policy.orchestrator_id must be a string"),
    policyCase(
      "dangerous_flags not an array", #"{"orchestrator_id":"o",\#(otherPolicy),"dangerous_flags":"--yolo"}"#,
      "--policy.dangerous_flags must be a JSON array"),
    policyCase(
      "banned flag", #"{"orchestrator_id":"o",\#(otherPolicy),"dangerous_flags":["--dangerously-skip-permissions"]}"#,
      "--policy.dangerous_flags contains a banned flag: '--dangerously-skip-permissions'. Banned flags must never "
        + "appear in orchestrator policy payloads."),
    policyCase(
      "secret-like nested value",
      #"{"orchestrator_id":"o",\#(otherPolicy),"dangerous_flags":[],"extra":{"auth":"Bearer-token-123"}}"#,
      "--policy field 'extra.auth' appears to contain a secret (matched pattern: token|secret|key|password|credential). "
        + "Do not pass secrets via --policy."),
    policyCase(
      "secret-like value", #"{"orchestrator_id":"monkey-orch",\#(otherPolicy),"dangerous_flags":[]}"#,
      "--policy field 'orchestrator_id' appears to contain a secret (matched pattern: token|secret|key|password|credential). "
        + "Do not pass secrets via --policy."),
    policyCase(
      "tool_restrictions not a string",
      #"{"orchestrator_id":"o",\#(otherPolicy),"dangerous_flags":[],"tool_restrictions":["Bash"]}"#,
      "--policy.tool_restrictions must be a string or null"),
    Case(
      name: "policy validated on an optional target too", arguments: transition("blocked", ["--policy", "[]"]),
      code: "POLICY_VALIDATION_FAILED", message: "--policy must be a JSON object"),

    // --review-result-json (USAGE_ERROR, exit 1, before the mission is looked at).
    Case(
      name: "review result: not JSON",
      arguments: transition("in_progress", ["--policy", policy, "--review-result-json", "{"]),
      code: "USAGE_ERROR", message: "Invalid JSON in --review-result-json: …"),
    Case(
      name: "review result: not an object",
      arguments: transition("in_progress", ["--policy", policy, "--review-result-json", #"["x"]"#]),
      code: "USAGE_ERROR",
      message: "--review-result-json must decode to a JSON object"),
    Case(
      name: "review result: no reviewer",
      arguments: transition(
        "in_progress", ["--policy", policy, "--review-result-json", #"{"verdict":"approved","reference":"r"}"#]),
      code: "USAGE_ERROR", message: reviewResultMissing),
    Case(
      name: "review result: bad verdict",
      arguments: transition(
        "in_progress",
        ["--policy", policy, "--review-result-json", #"{"reviewer":"r","verdict":"rejected","reference":"x"}"#]),
      code: "USAGE_ERROR", message: "--review-result-json verdict must be 'approved' or 'changes_requested'"),

    // --evidence-json.
    Case(
      name: "evidence: not JSON", arguments: transition("done", ["--evidence-json", "{bad"]), code: "USAGE_ERROR",
      message:
        "Invalid JSON in --evidence-json: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    Case(
      name: "evidence: not an object", arguments: transition("done", ["--evidence-json", "[1]"]), code: "USAGE_ERROR",
      message: "--evidence-json must decode to a JSON object"),
    Case(
      name: "evidence: no review block", arguments: transition("done", ["--evidence-json", #"{"repos":[]}"#]),
      code: "TRANSITION_REJECTED", message: evidenceMissing),
    Case(
      name: "evidence: repos entry without branch",
      arguments: transition(
        "done",
        [
          "--evidence-json",
          #"{"review":{"reviewer":"r","verdict":"approved","reference":"x"},"repos":[{"repo":"d","commit":"abc1234"}]}"#,
        ]), code: "USAGE_ERROR"),

    // Unsafe handles and unknown names.
    Case(
      name: "handle ../../etc (start-implementation)",
      arguments: [
        "start-implementation", "--mission", "../../etc", "--wp", "WP01", "--actor", "a", "--policy", policy,
      ],
      code: "USAGE_ERROR"),
    Case(
      name: "empty handle (transition)",
      arguments: ["transition", "--mission", "", "--wp", "WP01", "--to", "blocked", "--actor", "a"], code: "USAGE_ERROR"
    ),
    Case(
      name: "handle ../../etc (append-history)",
      arguments: ["append-history", "--mission", "../../etc", "--wp", "WP01", "--actor", "a", "--note", "n"],
      code: "USAGE_ERROR"),
    Case(
      name: "unknown mission", arguments: start(["--policy", policy]).map { $0 == slug ? "no-such" : $0 },
      code: "MISSION_NOT_FOUND", message: "Mission 'no-such' not found in kitty-specs/"),
    Case(
      name: "unknown WP", arguments: start(["--policy", policy], wp: "WP99"), code: "WP_NOT_FOUND",
      message: "Work package 'WP99' not found in \(slug)"),
    Case(
      name: "unknown lane --to flying", arguments: transition("flying"), code: "USAGE_ERROR",
      message: "Unknown lane: 'flying'…"),

    // The lane state machine and its guards.
    Case(
      name: "planned -> done", arguments: transition("done"), code: "TRANSITION_REJECTED",
      message: "Illegal transition: planned -> done"),
    Case(
      name: "planned -> planned", arguments: transition("planned"), code: "TRANSITION_REJECTED",
      message: "Illegal transition: planned -> planned"),
    Case(
      name: "force without note", arguments: transition("done", ["--force"]), code: "TRANSITION_REJECTED",
      message: "Force transitions require actor and reason"),
    Case(
      name: "force with an empty note", arguments: transition("done", ["--force", "--note", ""]),
      code: "TRANSITION_REJECTED", message: "Force transitions require actor and reason"),
    Case(
      name: "in_progress -> doing (self)", arguments: transition("doing", ["--policy", policy]),
      code: "TRANSITION_REJECTED", message: "Illegal transition: in_progress -> in_progress", setup: .wp01InProgress),
    Case(
      name: "in_progress -> planned without note", arguments: transition("planned"), code: "TRANSITION_REJECTED",
      message: "Transition in_progress -> planned requires reason", setup: .wp01InProgress),
    Case(
      name: "in_progress -> approved without evidence", arguments: transition("approved", ["--policy", policy]),
      code: "TRANSITION_REJECTED",
      message: "Transition to approved/done requires evidence (reviewer identity and approval reference)",
      setup: .wp01InProgress),
    Case(
      name: "for_review without a lane commit", arguments: transition("for_review", ["--policy", policy]),
      code: "TRANSITION_REJECTED",
      message:
        "WP01 cannot move to for_review: no implementation commit on lane lane-a (kitty/mission-\(slug)-lane-a) beyond "
        + "develop. Commit the work in the lane worktree first, or pass --force if there is genuinely nothing to commit.",
      setup: .wp01InProgress),
    Case(
      name: "claimed by another actor", arguments: start(["--policy", policy], actor: "intruder"),
      code: "WP_ALREADY_CLAIMED", message: "WP WP01 is already claimed for implementation by 'impl-1'",
      setup: .wp01InProgress),
    Case(
      name: "start-review on a planned WP",
      arguments: ["start-review", "--mission", slug, "--wp", "WP01", "--actor", "r", "--policy", policy],
      code: "TRANSITION_REJECTED", message: "WP WP01 is in 'planned', cannot start review"),
    Case(
      name: "dependencies not satisfied", arguments: start(["--policy", policy], wp: "WP04"),
      code: "DEPENDENCIES_NOT_SATISFIED",
      message:
        "dependencies_not_satisfied: WP04 depends on WP02, WP03; all dependencies must be approved or done before "
        + "implementation can start"),
    Case(
      // git-kitty applies start-implementation's dependency gate to a raw claim too (spec-kitty skips it).
      name: "raw claim with unsatisfied dependencies",
      arguments: transition("claimed", ["--policy", policy], wp: "WP02"),
      code: "DEPENDENCIES_NOT_SATISFIED"),
    Case(
      name: "accept with incomplete WPs", arguments: ["accept-mission", "--mission", slug, "--actor", "boss"],
      code: "MISSION_NOT_READY", message: "Mission has 4 incomplete WP(s)"),

    // A protected target branch (origin kept: its HEAD, develop, is protected).
    Case(
      name: "protected target: start-implementation", arguments: start(["--policy", policy]),
      code: "SAFE_COMMIT_PROTECTED_BRANCH", keepOrigin: true),
    Case(
      name: "protected target: transition", arguments: transition("blocked"), code: "SAFE_COMMIT_PROTECTED_BRANCH",
      keepOrigin: true),
    Case(
      name: "protected target: append-history",
      arguments: ["append-history", "--mission", slug, "--wp", "WP01", "--actor", "a", "--note", "n"],
      code: "SAFE_COMMIT_PROTECTED_BRANCH", keepOrigin: true),
    Case(
      name: "protected target: claim", arguments: transition("claimed", ["--policy", policy]),
      code: "SAFE_COMMIT_PROTECTED_BRANCH", keepOrigin: true),

    // The main checkout on another branch than the target.
    Case(
      name: "HEAD mismatch: start-implementation", arguments: start(["--policy", policy]),
      code: "SAFE_COMMIT_HEAD_MISMATCH", setup: .otherBranch),
    Case(
      name: "HEAD mismatch: transition", arguments: transition("blocked"), code: "SAFE_COMMIT_HEAD_MISMATCH",
      setup: .otherBranch),
    Case(
      name: "HEAD mismatch: append-history",
      arguments: ["append-history", "--mission", slug, "--wp", "WP01", "--actor", "a", "--note", "n"],
      code: "SAFE_COMMIT_HEAD_MISMATCH", setup: .otherBranch),
  ]

  static func prepare(_ setup: Setup, _ repo: String) throws {
    switch setup {
    case .none:
      break
    case .wp01InProgress:
      let response = OrchestratorAPI.run(
        ["start-implementation", "--mission", slug, "--wp", "WP01", "--actor", "impl-1", "--policy", policy],
        currentDirectory: repo)
      try #require(response.envelope.success, "\(response.line)")
    case .otherBranch:
      try TestSupport.git(["checkout", "-q", "-b", "other"], in: repo)
    }
  }

  @Test(arguments: cases)
  func rejectedCallChangesNothing(_ testCase: Case) throws {
    let repo = try WriteFixture.clone(writable: !testCase.keepOrigin)
    try Self.prepare(testCase.setup, repo)
    let before = try RepositoryState.capture(repo)
    let response = OrchestratorAPI.run(testCase.arguments, currentDirectory: repo)
    let after = try RepositoryState.capture(repo)
    #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")

    #expect(!response.envelope.success, "\(response.line)")
    #expect(response.envelope.errorCode?.rawValue == testCase.code, "\(response.line)")
    #expect(response.exitCode == testCase.exitCode)
    #expect(!response.line.contains("\n"))
    let message = response.envelope.data["message"]?.stringValue ?? ""
    #expect(!message.isEmpty)
    if let expected = testCase.message {
      if expected.hasSuffix("…") {
        #expect(message.hasPrefix(String(expected.dropLast())), "\(message)")
      } else {
        #expect(message == expected)
      }
    }
  }

  @Test func unsafeHandleMessagesNameTheProblem() throws {
    let repo = try WriteFixture.clone()
    let traversal = OrchestratorAPI.run(
      Self.start(["--policy", Self.policy]).map { $0 == Self.slug ? "../../etc" : $0 },
      currentDirectory: repo)
    #expect(traversal.envelope.data["message"]?.stringValue?.contains("Not a safe path segment") == true)
  }

  @Test func indexLockedByAnotherGitProcess() throws {
    // A concurrent `git add` holds .git/index.lock while the host writes. The call may fail, but then nothing may
    // have changed; or it may succeed, and then the commit and the files on disk must agree.
    let repo = try WriteFixture.clone()
    let before = try RepositoryState.capture(repo)
    let lock = "\(repo)/.git/index.lock"
    FileManager.default.createFile(atPath: lock, contents: Data())
    let response = OrchestratorAPI.run(Self.transition("blocked"), currentDirectory: repo)
    try FileManager.default.removeItem(atPath: lock)
    let after = try RepositoryState.capture(repo)
    if response.envelope.success {
      #expect(after.porcelain == "", "\(after.porcelain)")
      #expect(
        try TestSupport.git(["show", "develop:kitty-specs/\(Self.slug)/status.events.jsonl"], in: repo)
          == (try TestSupport.read(WriteFixture.eventsPath(repo))))
    } else {
      #expect(after.differences(from: before).isEmpty, "\(response.line) \(after.differences(from: before))")
    }
  }

  // MARK: a lock held by another process

  /// Holds `<repo>/.git/spec-kitty-locks/<slug>.status.lock` with flock(1) until terminated.
  static func holdLock(_ repo: String) throws -> Process {
    let directory = "\(repo)/.git/spec-kitty-locks"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let file = "\(directory)/\(slug).status.lock"
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
    holder.arguments = ["-o", file, "sleep", "10"]
    try holder.run()
    // Wait until the lock is really held.
    for _ in 0..<200 {
      if try TestSupport.run("/usr/bin/flock", ["-n", file, "true"]).status != 0 { return holder }
      usleep(10_000)
    }
    holder.terminate()
    throw TestFailure("flock never took \(file)")
  }

  /// Ends the flock(1) holder and its `sleep` child, by process id. SIGKILL: processes spawned from the test
  /// runner's threads may inherit a signal mask that blocks SIGTERM.
  static func stop(_ holder: Process) {
    let pid = holder.processIdentifier
    let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
    for child in children.split(separator: " ").compactMap({ Int32($0) }) { kill(child, SIGKILL) }
    kill(pid, SIGKILL)
    holder.waitUntilExit()
  }

  static let lockCases: [[String]] = [
    transition("blocked"),
    ["append-history", "--mission", slug, "--wp", "WP01", "--actor", "a", "--note", "n"],
    start(["--policy", policy]),
  ]

  @Test(arguments: lockCases)
  func lockHeldElsewhereTimesOutWithAnEnvelope(_ arguments: [String]) throws {
    let repo = try WriteFixture.clone()
    let holder = try Self.holdLock(repo)
    defer { Self.stop(holder) }
    let before = try RepositoryState.capture(repo)
    let started = Date()
    let result = try GitKittyBinary.run(
      ["orchestrator-api"] + arguments, in: repo, environment: ["KITTY_LOCK_TIMEOUT": "1"])
    let elapsed = Date().timeIntervalSince(started)
    #expect(elapsed < 5, "took \(elapsed) s")
    #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
    let envelope = try GoldenJSON.parse(result.stdout)
    #expect(envelope["success"] as? Bool == false)
    let data = try #require(envelope["data"] as? [String: Any])
    #expect((data["message"] as? String)?.contains("lock") == true, "\(result.stdout)")
    let after = try RepositoryState.capture(repo)
    // Nothing is created before the lock is held: no worktree, no branch.
    #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")
  }
}
