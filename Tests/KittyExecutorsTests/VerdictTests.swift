import Foundation
import KittyExecutors
import KittyTestSupport
import Testing

@Suite struct VerdictTests {
  @Test(arguments: [
    "KITTY_VERDICT: approved",
    "**KITTY_VERDICT: approved**",
    "`KITTY_VERDICT: approved`",
    "> KITTY_VERDICT: **approved**",
    "## KITTY_VERDICT: APPROVED",
    "  kitty_verdict: approved.",
  ])
  func markdownAroundTheMarkerIsTolerated(_ line: String) throws {
    let verdict = try #require(Verdict.parse(message: "Looks good.\n\n\(line)\n"))
    #expect(verdict.approved)
  }

  @Test func theFeedbackIsWhatFollowsTheLastMarker() throws {
    let message = """
      First I thought KITTY_VERDICT: approved but then:
      **KITTY_VERDICT: changes_requested**
      - the test for empty input is missing
      - rename foo
      """
    let verdict = try #require(Verdict.parse(message: message))
    #expect(!verdict.approved)
    #expect(verdict.feedback == "- the test for empty input is missing\n- rename foo")
  }

  @Test func aJSONVerdictInsideTheMessageCounts() throws {
    let message = "Here is my verdict:\n```json\n{\"verdict\": \"changes_requested\", \"feedback\": \"add tests\"}\n```"
    let verdict = try #require(Verdict.parse(message: message))
    #expect(verdict == Verdict(approved: false, feedback: "add tests"))
  }

  /// The review prompt names both markers inside sentences: an echoed prompt must not read as a verdict.
  @Test func thePromptsOwnInstructionsAreNoVerdict() {
    let prompt = """
      End your final message with your verdict on a line of its own, which reads exactly `KITTY_VERDICT: approved`
      or `KITTY_VERDICT: changes_requested`, followed by the feedback (for changes: what to fix, precisely).
      """
    #expect(Verdict.parse(message: prompt) == nil)
    #expect(Verdict.parse(message: "KITTY_VERDICT: maybe") == nil)
    #expect(Verdict.parse(message: "no verdict here {\"verdict\": \"unsure\"}") == nil)
  }

  @Test func aVerdictFileWins() throws {
    let dir = TestSupport.temporaryDirectory("verdict")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try #"{"verdict": "approved", "feedback": "fine"}"#.write(
      toFile: "\(dir)/v.json", atomically: true, encoding: .utf8)
    #expect(Verdict.read(verdictFile: "\(dir)/v.json") == Verdict(approved: true, feedback: "fine"))
    #expect(Verdict.read(verdictFile: "\(dir)/missing.json") == nil)
  }
}
