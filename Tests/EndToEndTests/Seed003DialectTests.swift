import Foundation
import KittyCore
import KittyTestSupport
import Testing

/// The seed-003 dialect (`build-a-custom-orchestrator`: `feature-state`, `--feature`, `--json`, `accept-feature`,
/// `merge-feature`) on missions made by spec-kitty 3.2.7, against spec-kitty 1.0.3's recorded answers in
/// Tests/Conformance/seed003. docs/seed-003-dialect.md lists the decisions these tests pin.
@Suite struct Seed003DialectTests {
  static let slug = "demo-feature-01M806VT"
  static let seedDirectory = "\(TestSupport.repoRoot)/Tests/Conformance/seed003"

  /// A clone of the lanes-fresh fixture with `main` as a local branch. With `unprotected`, its config says no
  /// branch is protected: the guide merges into `main`, and git-kitty never writes to a protected branch.
  static func repository(unprotected: Bool) throws -> String {
    let repo = try TestSupport.cloneFixture("lanes-fresh")
    try TestSupport.git(["branch", "-q", "main", "origin/main"], in: repo)
    if unprotected {
      let config = "\(repo)/.kittify/config.yaml"
      try TestSupport.write(try TestSupport.read(config) + "protection:\n  protected_branches: []\n", to: config)
      try TestSupport.git(["commit", "-qam", "protection: no protected branches"], in: repo)
    }
    return repo
  }

  static func remove(_ repo: String) {
    try? FileManager.default.removeItem(atPath: (repo as NSString).deletingLastPathComponent)
  }

  static func dialect(_ arguments: [String], in repo: String) throws -> (
    status: Int32, data: [String: Any], line: String
  ) {
    let result = try GitKittyBinary.run(["orchestrator-api"] + arguments, in: repo)
    let line = result.stdout.trimmingCharacters(in: .newlines)
    let envelope = try GoldenJSON.parse(line)
    return (result.status, envelope["data"] as? [String: Any] ?? [:], line)
  }

  // MARK: the guide's Minimal Loop Skeleton

  /// minimal-loop.sh runs the guide's command lines verbatim (one rejection of WP01 included) against the built
  /// binary, and the spec-kitty-made mission ends merged into main with an event log 3.2.7 accepts.
  @Test func minimalLoopCompletesASpecKittyMission() throws {
    let repo = try Self.repository(unprotected: true)
    defer { Self.remove(repo) }
    let run = try TestSupport.run(
      "/bin/bash", ["\(Self.seedDirectory)/minimal-loop.sh", Self.slug, repo], in: repo,
      environment: ["KITTY": GitKittyBinary.path, "MAX_ITER": "8"])
    #expect(run.status == 0, "\(run.stderr.suffix(3000))")
    #expect(run.stderr.contains("MISSION COMPLETE: \(Self.slug) merged into main"))
    // The review loop ran: one rejection through start-review --review-ref, four approvals through --to done.
    #expect(run.stderr.contains("[reviewer] WP01: changes requested"))
    #expect(run.stderr.components(separatedBy: "\"to_lane\": \"done\"").count - 1 == 4)

    // Everything the fake agents committed is on main.
    let files = try TestSupport.git(["ls-tree", "-r", "--name-only", "main", "src"], in: repo)
    #expect(files.split(separator: "\n") == ["src/WP01.sh", "src/WP02.sh", "src/WP03.sh", "src/WP04.sh"])
    #expect(try TestSupport.git(["show", "main:src/WP01.sh"], in: repo) == "echo WP01 attempt 2\n")
    #expect(try TestSupport.git(["status", "--porcelain"], in: repo).isEmpty)

    // 3.2.7's own view of the mission: every WP done.
    let state = try Self.dialect(["mission-state", "--mission", Self.slug], in: repo)
    #expect(state.line.hasPrefix("{\"contract_version\": \"1.5.0\""))
    let lanes = (state.data["work_packages"] as? [[String: Any]] ?? []).map { $0["lane"] as? String ?? "" }
    #expect(lanes == ["done", "done", "done", "done"])

    // The log holds only legal 3.2.7 moves, and WP01's rejection and approval as structured review results.
    let log = try TestSupport.read("\(repo)/kitty-specs/\(Self.slug)/status.events.jsonl")
    var verdicts: [String] = []
    for line in log.split(separator: "\n") {
      let event = try GoldenJSON.parse(String(line))
      guard let from = (event["from_lane"] as? String).flatMap(Lane.init(rawValue:)),
        let to = (event["to_lane"] as? String).flatMap(Lane.init(rawValue:))
      else { continue }
      #expect(LaneMachine.edges[from]?.contains(to) == true, "illegal 3.2.7 move \(from) -> \(to)")
      #expect(event["force"] as? Bool == false)
      if event["wp_id"] as? String == "WP01", let result = event["review_result"] as? [String: Any] {
        verdicts.append("\(result["verdict"] ?? "") \(result["reference"] ?? "") \(result["reviewer"] ?? "")")
      }
    }
    #expect(
      verdicts == [
        "changes_requested review/WP01/attempt-2 my-orchestrator",
        "approved \(Self.slug)/WP01:approved-by:reviewer-bot reviewer-bot",
      ])
  }

  /// The guide merges into main; git-kitty refuses while main is protected (spec-kitty 3.2.7's default), and
  /// writes nothing.
  @Test func mergeFeatureIntoAProtectedMainIsRefused() throws {
    let repo = try Self.repository(unprotected: false)
    defer { Self.remove(repo) }
    let main = try TestSupport.git(["rev-parse", "main"], in: repo)
    let answer = try Self.dialect(
      ["merge-feature", "--feature", Self.slug, "--target", "main", "--strategy", "merge", "--json"], in: repo)
    #expect(answer.status == 1)
    #expect(answer.line.contains("\"error_code\": \"PREFLIGHT_FAILED\""))
    let errors = answer.data["errors"] as? [String] ?? []
    #expect(errors.contains { $0.hasPrefix("Target branch 'main' is protected") }, "\(errors)")
    #expect(answer.data["message"] == nil, "1.0.3's PREFLIGHT_FAILED data has no message")
    #expect(try TestSupport.git(["rev-parse", "main"], in: repo) == main)
  }

  // MARK: which dialect a call speaks

  /// 3.2.7 refuses the old names (transcript C); git-kitty answers them in the seed-003 dialect, and a call without
  /// any old marker still gets 3.2.7's answer.
  @Test func legacyNamesThat327RefusesSpeakTheSeed003Dialect() throws {
    let repo = try Self.repository(unprotected: false)
    defer { Self.remove(repo) }
    let calls: [([String], String, String)] = [
      (["mission-state", "--feature", Self.slug], "mission-state", "\"success\": true"),
      (["feature-state", "--mission", Self.slug], "feature-state", "\"success\": true"),
      (["accept-feature", "--mission", Self.slug, "--actor", "a"], "accept-feature", "\"FEATURE_NOT_READY\""),
      (["list-ready", "--mission", Self.slug, "--json"], "list-ready", "\"recommended_base\": null"),
    ]
    for (arguments, verb, marker) in calls {
      let answer = try Self.dialect(arguments, in: repo)
      #expect(answer.line.hasPrefix("{\"contract_version\": \"1.0.0\", \"command\": \"orchestrator-api.\(verb)\""))
      #expect(answer.line.contains(marker), "\(answer.line)")
      #expect(!answer.line.contains("mission_slug"), "\(answer.line)")
    }
    let current = try Self.dialect(["list-ready", "--mission", Self.slug], in: repo)
    #expect(current.line.hasPrefix("{\"contract_version\": \"1.5.0\""))
    #expect(current.data["mission_slug"] as? String == Self.slug)
    #expect(current.data["feature_slug"] == nil)
  }

  /// Options 1.0.3 did not have stay usage errors in its dialect (as USAGE_ERROR envelopes, exit 2).
  @Test func threeTwoSevenOnlyTransitionOptionsAreUsageErrorsInTheOldDialect() throws {
    let repo = try Self.repository(unprotected: false)
    defer { Self.remove(repo) }
    let before = TestSupport.snapshotTree(repo)
    let answer = try Self.dialect(
      [
        "transition", "--feature", Self.slug, "--wp", "WP01", "--to", "blocked", "--actor", "a", "--evidence-json",
        "{}", "--json",
      ], in: repo)
    #expect(answer.status == 2)
    #expect(answer.line.contains("\"command\": \"orchestrator-api.unknown\""))
    #expect((answer.data["message"] as? String ?? "").hasPrefix("No such option: --evidence-json"))
    #expect(TestSupport.snapshotTree(repo) == before)
  }

  // MARK: golden comparison with spec-kitty 1.0.3's transcripts

  /// One recorded call: the command line and the envelope 1.0.3 printed.
  struct Recorded {
    let name: String
    let command: String
    let exitCode: Int32
    let envelope: String?

    init(_ name: String) throws {
      let text = try TestSupport.read("\(Seed003DialectTests.seedDirectory)/transcripts/\(name).txt")
      let lines = text.components(separatedBy: "\n")
      self.name = name
      command = String(try #require(lines.first { $0.hasPrefix("$ ") }).dropFirst(2))
      exitCode = Int32(try #require(lines.first { $0.hasPrefix("exit: ") }).dropFirst(6))!
      envelope = lines.firstIndex(of: "--- stdout").flatMap { index in
        index + 1 < lines.count && lines[index + 1].hasPrefix("{") ? lines[index + 1] : nil
      }
    }
  }

  /// Replaces what may differ between runs and hosts: timestamps, correlation and history ids, the repository
  /// path, and the feature's id (1.0.3's `001-demo-feature`, 3.2.7's `demo-feature-01M806VT`).
  static func normalise(_ line: String, repo: String) -> String {
    var text = line.replacingOccurrences(of: repo, with: "<ROOT>")
    let patterns = [
      (#"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(\+00:00|Z)"#, "<TS>"),
      (#"corr-[0-9a-f]{32}"#, "corr-<HEX32>"), (#"hist-[0-9a-f]{32}"#, "hist-<HEX32>"),
    ]
    for (pattern, replacement) in patterns {
      text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
    }
    return text.replacingOccurrences(of: "001-demo-feature", with: slug)
  }

  /// Differences by design, applied to 1.0.3's envelope before the comparison:
  /// * `workspace_path` is the WP's 3.2.7 lane worktree (`<slug>-lane-a`…), not 1.0.3's `<feature>-WP01`;
  /// * `last_actor` of a WP nobody touched is the actor of its bootstrap event (`finalize-tasks`), where 1.0.3
  ///   showed its prompt's activity log (`system`);
  /// * `worktree_removed` says what merge-feature did: git-kitty removes the merged lane worktrees.
  static func byDesign(_ expected: String) -> String {
    var text = expected
    for (wp, lane) in [("WP01", "a"), ("WP02", "b"), ("WP03", "c"), ("WP04", "d")] {
      text = text.replacingOccurrences(of: ".worktrees/\(slug)-\(wp)", with: ".worktrees/\(slug)-lane-\(lane)")
    }
    return text.replacingOccurrences(of: "\"last_actor\": \"system\"", with: "\"last_actor\": \"finalize-tasks\"")
      .replacingOccurrences(of: "\"worktree_removed\": false", with: "\"worktree_removed\": true")
  }

  /// The recording's main line (tools/record-all.sh without its side forks), replayed in order on one clone with
  /// the same agent commits in between: each envelope must equal 1.0.3's byte for byte after normalisation.
  @Test func goldenShapesMatchSpecKitty103() throws {
    let repo = try Self.repository(unprotected: true)
    defer { Self.remove(repo) }
    let policy =
      #"{"orchestrator_id":"my-orchestrator","orchestrator_version":"0.1.0","agent_family":"claude","#
      + #""approval_mode":"supervised","sandbox_mode":"workspace_write","network_mode":"none","dangerous_flags":[]}"#
    func agentCommit(_ wp: String, lane: String, file: String) throws {
      let worktree = "\(repo)/.worktrees/\(Self.slug)-lane-\(lane)"
      try TestSupport.write("echo \(wp)\n", to: "\(worktree)/\(file)")
      try TestSupport.git(["add", "-A"], in: worktree)
      try TestSupport.git(["commit", "-qm", "feat(\(wp)): \(file)"], in: worktree)
    }
    func replay(_ names: [String], in directory: String? = nil) throws {
      for name in names {
        let recorded = try Recorded(name)
        let command = recorded.command.replacingOccurrences(of: "001-demo-feature", with: Self.slug)
        let result = try GitKittyBinary.runTranscriptCommand(command, in: directory ?? repo)
        #expect(result.status == recorded.exitCode, "\(name): \(result.stdout) \(result.stderr)")
        let expected = Self.byDesign(Self.normalise(try #require(recorded.envelope, "\(name)"), repo: "<ROOT>"))
        let actual = Self.normalise(result.stdout.trimmingCharacters(in: .newlines), repo: repo)
        #expect(actual == expected, "\(name)")
      }
    }
    try replay(["01-contract-version-json", "03-contract-version-no-json", "04-contract-version-provider-old"])
    try replay(["05-contract-version-provider-bad", "11-feature-state-fresh", "12-list-ready-fresh"])
    try replay(["13-feature-state-unknown", "14-list-ready-unknown", "16-start-impl-no-policy", "17-policy-not-json"])
    try replay([
      "18-policy-not-object", "19-policy-missing-field", "21-policy-secret", "22-policy-policy-before-feature",
    ])
    try replay(["23-start-impl-unknown-feature", "24-start-impl-unknown-wp", "25-start-impl-lowercase-wp"])
    try replay(["30-start-impl-WP01", "31-start-impl-WP01-again", "32-start-impl-WP01-claimed"])
    try replay(["33-feature-state-in-progress", "34-list-ready-after-start", "35-transition-done-from-in-progress"])
    try replay(["36-transition-in-progress-noop", "37-transition-doing-alias", "38-transition-claimed-alias"])
    try replay([
      "39-transition-unknown-lane", "40-transition-approved-unsupported", "41-transition-for-review-no-policy",
    ])
    try replay(["42-transition-for-review-bad-policy", "43-transition-unknown-wp", "44-transition-unknown-feature"])
    try replay(["45-transition-in-progress-to-planned", "46-start-review-not-for-review"])
    try agentCommit("WP01", lane: "a", file: "src/core.sh")
    try replay(["47-transition-for-review", "48-start-impl-on-for-review", "49-start-review-no-review-ref"])
    try replay(["50-start-review-no-policy", "51-transition-back-no-review-ref", "52-start-review-reject"])
    try replay(["53-start-impl-after-reject-same", "54-start-impl-after-reject-other"])
    try agentCommit("WP01", lane: "a", file: "src/core2.sh")
    try replay(["55-transition-for-review-2", "56-transition-done", "57-transition-done-again"])
    try replay(["58-transition-done-to-in-progress", "59-list-ready-after-WP01-done", "60-append-history"])
    try replay(["61-append-history-unknown-wp", "70-accept-not-ready", "71-accept-unknown-feature"])
    try replay(["72-merge-bad-strategy", "74-merge-unknown-feature"])
    // WP02..WP04 the way the recording finished them (the loop's calls).
    for (wp, lane, file) in [("WP02", "b", "src/left.sh"), ("WP03", "c", "src/right.sh"), ("WP04", "d", "src/main.sh")]
    {
      let common = ["--feature", Self.slug, "--wp", wp, "--json"]
      #expect(
        try Self.dialect(["start-implementation", "--actor", "my-orchestrator", "--policy", policy] + common, in: repo)
          .status == 0)
      try agentCommit(wp, lane: lane, file: file)
      let review = ["--to", "for_review", "--actor", "my-orchestrator", "--policy", policy]
      #expect(try Self.dialect(["transition"] + review + common, in: repo).status == 0)
      #expect(
        try Self.dialect(["transition", "--to", "done", "--actor", "reviewer-bot"] + common, in: repo).status == 0)
    }
    try replay(["75-feature-state-all-done", "76-list-ready-all-done"])
    try replay(["86-cwd-inside-worktree"], in: "\(repo)/.worktrees/\(Self.slug)-lane-b")
    try replay(["79-accept-feature", "80-accept-feature-again", "81-merge-feature"])
  }

  /// Transcripts left out of the replay above, and what git-kitty answers instead (each by design, see the doc).
  @Test func recordedCallsWhereGitKittyDiffersByDesign() throws {
    let repo = try Self.repository(unprotected: true)
    defer { Self.remove(repo) }
    func run(_ name: String) throws -> (Recorded, TestSupport.CommandResult) {
      let recorded = try Recorded(name)
      let command = recorded.command.replacingOccurrences(of: "001-demo-feature", with: Self.slug)
      return (recorded, try GitKittyBinary.runTranscriptCommand(command, in: repo))
    }
    // 02: without --json nothing marks the old dialect, so a bare contract-version gets 3.2.7's 1.5.0.
    #expect(try run("02-contract-version-nojson-flag").1.stdout.contains("\"api_version\": \"1.5.0\""))
    // 06, 09, 10: 1.0.3 printed click's prose on stderr with an empty stdout; git-kitty answers 3.2.7's
    // USAGE_ERROR envelope (exit 2 either way).
    for name in ["06-usage-missing-option", "09-usage-no-verb", "10-usage-json-before-verb"] {
      let (recorded, result) = try run(name)
      #expect(result.status == 2 && recorded.exitCode == 2, "\(name)")
      #expect(result.stdout.contains("\"error_code\": \"USAGE_ERROR\""), "\(name)")
    }
    #expect(try run("06-usage-missing-option").1.stdout.contains("Missing option '--feature'."))
    // 15: a bare human slug resolves, as 3.2.7's handles do (1.0.3: FEATURE_NOT_FOUND).
    let bare = try run("15-feature-state-bare-slug").1
    #expect(bare.status == 0 && bare.stdout.contains("\"feature_slug\": \"\(Self.slug)\""))
    // 20: 3.2.7's policy validator words the array check its own way (same code).
    let flags = try run("20-policy-flags-not-array").1
    #expect(flags.stdout.contains("\"error_code\": \"POLICY_VALIDATION_FAILED\""))
    #expect(flags.stdout.contains("dangerous_flags"))
    // 26: 3.2.7's policy rules apply in every dialect: a banned flag is refused (1.0.3 accepted --yolo).
    let banned = try run("26-policy-banned-flag-accepted").1
    #expect(banned.status == 1 && banned.stdout.contains("contains a banned flag: '--yolo'"), "\(banned.stdout)")
    // 27: the dependency gate stays (1.0.3 had none); the guide's retry code answers it.
    let gated = try run("27-start-impl-deps-not-done").1
    #expect(gated.status == 1 && gated.stdout.contains("\"error_code\": \"TRANSITION_REJECTED\""))
    #expect(gated.stdout.contains("\"unsatisfied_dependencies\": [\"WP02\", \"WP03\"]"), "\(gated.stdout)")
    #expect(!gated.stdout.contains("mission_slug"))
  }
}
