import Foundation
import KittyGit
import KittyTestSupport
import Testing

/// Config reads and writes, checked against `git config`.
@Suite struct ConfigTests {
  @Test func setConfigStringIsReadByGitConfig() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    try repo.setConfigString("kitty.lane", "lane-a with spaces")
    #expect(try Oracle.line(["config", "--local", "--get", "kitty.lane"], in: root) == "lane-a with spaces")
    #expect(try repo.configString("kitty.lane") == "lane-a with spaces")
    try repo.setConfigString("kitty.lane", "lane-b")
    #expect(try Oracle.lines(["config", "--local", "--get-all", "kitty.lane"], in: root) == ["lane-b"])
  }

  @Test func setConfigStringFromALinkedWorktreeWritesTheSharedConfig() throws {
    let (main, worktree) = try Oracle.repositoryWithWorktree()
    let repo = try Repository.discover(from: worktree)
    try repo.setConfigString("kitty.shared", "yes")
    #expect(try Oracle.line(["config", "--get", "kitty.shared"], in: main) == "yes")
    #expect(try TestSupport.read("\(main)/.git/config").contains("shared = yes"))
  }

  @Test func configStringOfAnUnsetKeyIsNil() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    #expect(try Oracle.succeeds(["config", "--get", "kitty.unset"], in: root) == false)
    #expect(try repo.configString("kitty.unset") == nil)
    #expect(try repo.configBool("kitty.unset") == nil)
  }

  @Test func configStringReadsWhatGitWrote() throws {
    let root = try TestSupport.makeRepository()
    try TestSupport.git(["config", "core.hooksPath", ".kittify/hooks"], in: root)
    try TestSupport.git(["config", "Kitty.MixedCase", "v"], in: root)
    let repo = try Repository.discover(from: root)
    #expect(try repo.configString("core.hooksPath") == ".kittify/hooks")
    #expect(try repo.configString("core.hookspath") == ".kittify/hooks")
    #expect(try repo.configString("kitty.mixedcase") == "v")
    #expect(try repo.configString("user.name") == (try Oracle.line(["config", "--get", "user.name"], in: root)))
  }

  @Test func configSeesValuesGitWritesAfterOpening() throws {
    let root = try TestSupport.makeRepository()
    let repo = try Repository.discover(from: root)
    #expect(try repo.configString("kitty.later") == nil)
    try TestSupport.git(["config", "kitty.later", "now"], in: root)
    #expect(try repo.configString("kitty.later") == "now")
  }

  @Test(arguments: [
    ("true", true), ("yes", true), ("on", true), ("1", true), ("false", false), ("no", false), ("off", false),
    ("0", false),
  ])
  func configBoolReadsGitBooleans(value: String, expected: Bool) throws {
    let root = try TestSupport.makeRepository()
    try TestSupport.git(["config", "x.y", value], in: root)
    #expect(try Oracle.line(["config", "--type=bool", "--get", "x.y"], in: root) == (expected ? "true" : "false"))
    let repo = try Repository.discover(from: root)
    #expect(try repo.configBool("x.y") == expected)
  }

  @Test func configBoolOfAValuelessKeyIsTrueLikeGit() throws {
    let root = try TestSupport.makeRepository()
    let configPath = "\(root)/.git/config"
    try (TestSupport.read(configPath) + "[x]\n\tflag\n").write(toFile: configPath, atomically: true, encoding: .utf8)
    #expect(try Oracle.line(["config", "--type=bool", "--get", "x.flag"], in: root) == "true")
    let repo = try Repository.discover(from: root)
    #expect(try repo.configBool("x.flag") == true)
  }

  @Test func configBoolOfANonBooleanIsNil() throws {
    let root = try TestSupport.makeRepository()
    try TestSupport.git(["config", "x.y", "maybe"], in: root)
    #expect(try Oracle.succeeds(["config", "--type=bool", "--get", "x.y"], in: root) == false)
    let repo = try Repository.discover(from: root)
    #expect(try repo.configBool("x.y") == nil)
    #expect(try repo.configString("x.y") == "maybe")
  }

  @Test func configStringReturnsTheLastOfAMultiValuedKeyLikeGitGet() throws {
    let root = try TestSupport.makeRepository()
    try TestSupport.git(["config", "--add", "x.multi", "first"], in: root)
    try TestSupport.git(["config", "--add", "x.multi", "second"], in: root)
    let repo = try Repository.discover(from: root)
    #expect(try repo.configString("x.multi") == (try Oracle.line(["config", "--get", "x.multi"], in: root)))
  }
}
