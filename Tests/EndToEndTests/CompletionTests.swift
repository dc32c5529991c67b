import Foundation
import KittyTestSupport
import Testing

/// The bash completion `make install` builds: argument-parser's script plus scripts/git-subcommand-completion.bash,
/// which lets git's own completion complete `git kitty …`.
@Suite struct CompletionTests {
  static let gitCompletion = "/usr/share/bash-completion/completions/git"

  /// COMPREPLY after completing `line` (cursor at the end) through git's completion.
  private func complete(_ line: String, script: String) throws -> [String] {
    var words = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
    if words.last == nil { words.append("") }
    let quoted = words.map { "'\($0)'" }.joined(separator: " ")
    let driver = """
      source \(Self.gitCompletion)
      source '\(script)'
      COMP_LINE='\(line)'; COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); COMP_POINT=${#COMP_LINE}
      __git_wrap__git_main git '\(words.last!)' '\(words[words.count - 2])'
      printf '%s\\n' "${COMPREPLY[@]}"
      """
    let result = try TestSupport.run(
      "/bin/bash", ["-c", driver], in: TestSupport.repoRoot, environment: Authoring.pathWithBinary)
    #expect(result.status == 0, "\(result.stderr)")
    return result.stdout.split(separator: "\n").map(String.init)
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: CompletionTests.gitCompletion)))
  func gitKittyCompletesThroughGitsBashCompletion() throws {
    let generated = try TestSupport.run(GitKittyBinary.path, ["--generate-completion-script", "bash"])
    #expect(generated.status == 0)
    let shim = try TestSupport.read("\(TestSupport.repoRoot)/scripts/git-subcommand-completion.bash")
    let script = TestSupport.temporaryDirectory("completion") + "/git-kitty"
    try (generated.stdout + shim).write(toFile: script, atomically: true, encoding: .utf8)

    #expect(try complete("git kitty doc", script: script) == ["doctor"])
    #expect(try complete("git kitty mission fi", script: script) == ["finalize"])
    #expect(try complete("git kitty doctor --j", script: script) == ["--json"])
  }
}
