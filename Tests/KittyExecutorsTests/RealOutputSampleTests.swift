import Foundation
@testable import KittyExecutors
import KittyTestSupport
import Testing

/// The parsers against what the real CLIs printed (Claude Code 2.1.332, Codex 0.163.0, recorded against the
/// scripted model server; Tests/Agents/samples, temporary paths replaced by <TMP>).
@Suite struct RealOutputSampleTests {
  static let samples = "\(TestSupport.repoRoot)/Tests/Agents/samples"

  func parse(_ name: String, _ format: AgentOutputFormat) throws -> (AgentReport, [String]) {
    var parser = format.makeParser()
    var transcript: [String] = []
    for line in try TestSupport.read("\(Self.samples)/\(name).jsonl").split(separator: "\n") {
      transcript += parser.consume(String(line))
    }
    return (parser.report, transcript)
  }

  @Test func claudeNormalRun() throws {
    let (report, transcript) = try parse("claude-normal", .claudeStreamJSON)
    #expect(report.sessionID != nil)
    #expect(report.error == nil)
    #expect(report.finalText?.isEmpty == false)
    #expect((report.usage?.inputTokens ?? 0) > 0)
    #expect((report.usage?.costUSD ?? 0) > 0)
    #expect(report.refusedTools.isEmpty)
    #expect(transcript.contains { $0.hasPrefix("tool ") })
  }

  @Test(arguments: [("claude-401", AgentFailure.auth), ("claude-429", .rateLimit), ("claude-500", .server)])
  func claudeAPIErrors(_ sample: String, _ failure: AgentFailure) throws {
    let (report, _) = try parse(sample, .claudeStreamJSON)
    let error = try #require(report.error)
    #expect(!error.isEmpty)
    #expect(LocalExecutor.classify(status: report.apiStatus, category: report.errorCategory) == failure)
  }

  @Test func claudeReviewerRefusalsAreCounted() throws {
    let (report, _) = try parse("claude-review-denied", .claudeStreamJSON)
    #expect(!report.refusedTools.isEmpty)
  }

  @Test func codexNormalRun() throws {
    let (report, transcript) = try parse("codex-normal", .codexJSON)
    #expect(report.sessionID != nil)
    #expect(report.error == nil)
    #expect(report.finalText?.isEmpty == false)
    #expect((report.usage?.outputTokens ?? 0) > 0)
    #expect(report.usage?.costUSD == nil, "Codex reports no cost")
    #expect(transcript.contains { $0.hasPrefix("tool shell: ") })
  }

  @Test(arguments: [("codex-401", AgentFailure.auth), ("codex-429", .rateLimit), ("codex-500", .server)])
  func codexAPIErrors(_ sample: String, _ failure: AgentFailure) throws {
    let (report, _) = try parse(sample, .codexJSON)
    let error = try #require(report.error)
    #expect(LocalExecutor.classify(error) == failure, "\(error)")
  }
}
