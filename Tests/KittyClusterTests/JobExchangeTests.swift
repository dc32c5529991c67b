import Foundation
import KittyBasics
import KittyExecutors
import KittyGit
import KittyTestSupport
import Testing

@testable import KittyCluster

/// The job protocol without a scheduler: a real repository with a lane worktree, its exchange, and `JobRunner` as a
/// node runs it (script agent), then the coordinator's collection and fast-forward.
@Suite struct JobExchangeTests {
  struct Fixture {
    let repo: String
    let lane: String
    let base: String
    let exchange: JobExchange
    let scratch: String
    let nodeScratch: String
  }

  static func fixture() async throws -> Fixture {
    let repo = try TestSupport.makeRepository()
    let lane = FilePaths.directory(of: repo) + "/lane"
    try TestSupport.git(["worktree", "add", "-q", "-b", "kitty/mission-demo-lane-a", lane], in: repo)
    let base = try TestSupport.git(["rev-parse", "HEAD"], in: lane).trimmingCharacters(in: .whitespacesAndNewlines)
    let scratch = FilePaths.directory(of: repo) + "/scratch"
    let exchange = try JobExchange.locate(root: repo, scratch: scratch)
    try await exchange.ensure()
    return Fixture(
      repo: repo, lane: lane, base: base, exchange: exchange, scratch: scratch,
      nodeScratch: FilePaths.directory(of: repo) + "/node")
  }

  static func job(_ f: Fixture, role: AgentRole = .implementation, script: String) throws -> JobDescription {
    var job = JobDescription(
      run: "01testrun0000000000000000", mission: "demo", wp: "WP01", role: role, attempt: 1, cycle: 0, base: f.base,
      laneBranch: "kitty/mission-demo-lane-a", exchange: f.exchange.path,
      refPrefix: JobDescription.refPrefix(run: "01testrun0000000000000000", wp: "WP01", role: role, attempt: 1),
      agent: try AgentCatalog.spec("script", settings: nil), prompt: "work in \(f.lane)", coordinatorWorkspace: f.lane,
      timeoutSeconds: 60, sandbox: SandboxMode.none, sandboxSettings: SandboxSettings(), authorName: "Node",
      authorEmail: "node@example.com")
    job.script = script
    return job
  }

  static func runOnNode(_ job: JobDescription, _ f: Fixture) async throws -> JobResult {
    try await f.exchange.register(prefix: job.refPrefix, base: job.base)
    return try await JobRunner(job: job, environment: ["KITTY_NODE_SCRATCH": f.nodeScratch]).run()
  }

  @Test func aJobsWorkComesBackAsAFastForwardOfTheLane() async throws {
    let f = try await Self.fixture()
    let job = try Self.job(f, script: #"echo "$PWD" > where.txt && git add where.txt && git commit -qm "feat: where""#)
    let result = try await Self.runOnNode(job, f)
    #expect(result.outcome.failure == nil)
    let work = try #require(result.work)
    #expect(result.directory.hasPrefix(f.nodeScratch))
    #expect(f.exchange.hasResult(prefix: job.refPrefix))
    // The node's worktree is gone, its cache stays for the next job.
    let jobs = (try? FileManager.default.contentsOfDirectory(atPath: "\(f.nodeScratch)/git-kitty/jobs")) ?? []
    #expect(jobs.isEmpty)
    #expect(!((try? FileManager.default.contentsOfDirectory(atPath: "\(f.nodeScratch)/git-kitty/cache")) ?? []).isEmpty)

    let collected = try await f.exchange.collect(prefix: job.refPrefix)
    #expect(collected.work == work)
    #expect(String(decoding: collected.log ?? Data(), as: UTF8.self).contains("exit 0"))
    let executor = SlurmExecutor(
      settings: SlurmSettings(), root: f.repo, sandbox: SandboxMode.none, sandboxSettings: SandboxSettings())
    #expect(await executor.fastForward(f.lane, base: f.base, work: work, prefix: job.refPrefix) == nil)
    #expect(try TestSupport.git(["rev-parse", "HEAD"], in: f.lane).hasPrefix(work))
    let written = try TestSupport.read("\(f.lane)/where.txt")
    #expect(written.hasPrefix(f.nodeScratch) && !written.hasPrefix(f.lane))
    // The coordinator keeps the attempt's refs; the exchange forgets them.
    #expect(try TestSupport.git(["rev-parse", "\(job.refPrefix)/work"], in: f.repo).hasPrefix(work))
    await f.exchange.forget(prefix: job.refPrefix)
    #expect(!f.exchange.hasResult(prefix: job.refPrefix))
  }

  @Test func aReviewersCommitsNeverComeBack() async throws {
    let f = try await Self.fixture()
    let job = try Self.job(
      f, role: .review,
      script:
        "echo sneaky > sneaky.txt && git add sneaky.txt && git commit -qm sneaky && echo 'KITTY_VERDICT: approved'"
    )
    let result = try await Self.runOnNode(job, f)
    #expect(result.work == nil)
    let exchange = try Repository.open(at: f.exchange.path)
    #expect(try exchange.reference(named: "\(job.refPrefix)/work") == nil)
    #expect(try TestSupport.git(["rev-parse", "HEAD"], in: f.lane).hasPrefix(f.base))
  }

  @Test func rewrittenHistoryIsNotSent() async throws {
    let f = try await Self.fixture()
    let job = try Self.job(
      f, script: "git reset -q --hard HEAD && git checkout -q --orphan other && git commit -qm orphan --allow-empty")
    let result = try await Self.runOnNode(job, f)
    #expect(result.work == nil)
    #expect(result.outcome.failure == .crashed)
    #expect(result.outcome.errorLine?.contains("not a fast-forward") == true)
  }

  @Test func theExchangeTakesOnlyAJobsOwnNewRefs() async throws {
    let f = try await Self.fixture()
    let job = try Self.job(f, script: "true")
    try await f.exchange.register(prefix: job.refPrefix, base: f.base)
    // A "node" clone with a commit on the base and one that is not a descendant of it.
    let node = FilePaths.directory(of: f.repo) + "/rogue"
    try TestSupport.git(["init", "-q", node], in: f.repo)
    try TestSupport.git(["fetch", "-q", f.exchange.path, "\(job.refPrefix)/base:refs/heads/work"], in: node)
    try TestSupport.git(["checkout", "-q", "work"], in: node)
    try TestSupport.git(["commit", "-q", "--allow-empty", "-m", "work"], in: node)
    try TestSupport.git(["checkout", "-q", "--orphan", "orphan"], in: node)
    try TestSupport.git(["commit", "-q", "--allow-empty", "-m", "orphan"], in: node)
    let before = f.exchange.refusalLogSize
    func push(_ refspec: String) throws -> Int32 {
      try TestSupport.run(TestSupport.gitPath, ["push", "-q", f.exchange.path, refspec], in: node).status
    }
    #expect(try push("work:refs/heads/main") != 0)
    #expect(try push("work:refs/kitty/jobs/other-run/WP02/implementation-1/work") != 0)
    #expect(try push("orphan:\(job.refPrefix)/work") != 0)  // not a fast-forward of the base
    #expect(try push("work:\(job.refPrefix)/work") == 0)
    #expect(try push("+orphan:\(job.refPrefix)/work") != 0)  // written once
    #expect(try push(":\(job.refPrefix)/base") != 0)  // no deletions
    let refused = f.exchange.refusals(since: before).lines
    #expect(refused.count == 5, "\(refused)")
    #expect(refused.contains { $0.contains("refs/heads/main") })
    let exchange = try Repository.open(at: f.exchange.path)
    #expect(try exchange.reference(named: "refs/heads/main") == nil)
  }

  @Test func theLaneMovesOnlyAsAFastForwardOfAnUnmovedBase() async throws {
    let f = try await Self.fixture()
    let executor = SlurmExecutor(
      settings: SlurmSettings(), root: f.repo, sandbox: SandboxMode.none, sandboxSettings: SandboxSettings())
    // A commit that is not a descendant of the base.
    try TestSupport.git(["checkout", "-q", "--orphan", "elsewhere"], in: f.repo)
    try TestSupport.git(["commit", "-q", "--allow-empty", "-m", "elsewhere"], in: f.repo)
    let stranger = try TestSupport.git(["rev-parse", "HEAD"], in: f.repo).trimmingCharacters(in: .newlines)
    let refused = await executor.fastForward(f.lane, base: f.base, work: stranger, prefix: "refs/kitty/jobs/x")
    #expect(refused?.contains("not a fast-forward") == true)
    #expect(try TestSupport.git(["rev-parse", "HEAD"], in: f.lane).hasPrefix(f.base))
    // The lane moved while the job ran: nothing is taken.
    try TestSupport.git(["commit", "-q", "--allow-empty", "-m", "meanwhile"], in: f.lane)
    let moved = try TestSupport.git(["rev-parse", "HEAD"], in: f.lane)
    try TestSupport.git(["commit", "-q", "--allow-empty", "-m", "job"], in: f.lane)
    let job = try TestSupport.git(["rev-parse", "HEAD"], in: f.lane).trimmingCharacters(in: .newlines)
    try TestSupport.git(["reset", "-q", "--hard", moved.trimmingCharacters(in: .newlines)], in: f.lane)
    let stale = await executor.fastForward(f.lane, base: f.base, work: job, prefix: "refs/kitty/jobs/x")
    #expect(stale?.contains("moved while the job ran") == true)
    #expect(try TestSupport.git(["rev-parse", "HEAD"], in: f.lane) == moved)
  }
}
