import Foundation
import KittyTestSupport
import Testing

@testable import KittyGit

/// The file-reading discovery must answer exactly as libgit2 does, or not at all.
@Suite struct RepositoryLayoutTests {
  func libgit2(_ directory: String) -> RepositoryLayout.Found? {
    guard let repo = try? Repository.discover(from: directory), let root = repo.mainWorkingDirectory else { return nil }
    return RepositoryLayout.Found(mainRoot: root, commonDirectory: Path.stripTrailingSlash(repo.commonDirectory))
  }

  @Test func theUsualLayoutsAgreeWithLibgit2() throws {
    let repo = try TestSupport.makeRepository()
    try FileManager.default.createDirectory(atPath: "\(repo)/src/deep", withIntermediateDirectories: true)
    try TestSupport.git(["worktree", "add", "-q", "-b", "lane", ".worktrees/lane-a"], in: repo)
    try FileManager.default.createDirectory(atPath: "\(repo)/.worktrees/lane-a/sub", withIntermediateDirectories: true)
    let outside = TestSupport.temporaryDirectory("layout")
    try TestSupport.git(["worktree", "add", "-q", "-b", "far", "\(outside)/far"], in: repo)
    let link = TestSupport.temporaryDirectory("layout-link") + "/link"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: repo)
    for directory in [
      repo, "\(repo)/src/deep", "\(repo)/.worktrees/lane-a", "\(repo)/.worktrees/lane-a/sub", "\(outside)/far",
      "\(link)/src",
    ] {
      let found = RepositoryLayout.discover(from: directory)
      #expect(found != nil, "\(directory) is a usual layout")
      #expect(found == libgit2(directory), "\(directory)")
    }
  }

  @Test func otherLayoutsAreLeftToLibgit2() throws {
    let repo = try TestSupport.makeRepository()
    #expect(RepositoryLayout.discover(from: "\(repo)/.git") == nil)
    #expect(RepositoryLayout.discover(from: "\(repo)/.git/refs") == nil)
    let bare = TestSupport.temporaryDirectory("layout-bare") + "/bare.git"
    try TestSupport.git(["clone", "-q", "--bare", repo, bare], in: repo)
    #expect(RepositoryLayout.discover(from: bare) == nil)
    let moved = try TestSupport.makeRepository()
    try TestSupport.git(["config", "core.worktree", moved], in: moved)
    #expect(RepositoryLayout.discover(from: moved) == nil)
    let nowhere = TestSupport.temporaryDirectory("layout-none")
    #expect(RepositoryLayout.discover(from: nowhere) == nil || libgit2(nowhere) != nil)
  }
}
