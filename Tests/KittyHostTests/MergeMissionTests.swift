import Foundation
import KittyCore
import KittyHost
import KittyTestSupport
import Testing

/// merge-mission: refuses when there is nothing finished to merge, never deletes a lane worktree that holds
/// uncommitted work, squashes or rebases on request (rebase: clean, conflict, repeat, target moved meanwhile), and a
/// second merge changes nothing.
@Suite struct MergeMissionTests {
  static let slug = WriteFixture.slug
  static let coreContent = "#!/bin/sh\ngreet() { echo \"hello $1\"; }\n"

  @discardableResult
  static func api(_ arguments: [String], _ repo: String, expectSuccess: Bool = true) throws -> OrchestratorAPI.Response
  {
    let response = OrchestratorAPI.run(arguments, currentDirectory: repo)
    if expectSuccess { try #require(response.envelope.success, "\(arguments.prefix(6)): \(response.line)") }
    return response
  }

  /// start → commit `file` in the lane worktree → for_review → review → approved.
  static func approve(_ wp: String, lane: String, file: String, content: String, in repo: String) throws {
    let policy = WriteFixture.policy
    try api(["start-implementation", "--mission", slug, "--wp", wp, "--actor", "impl", "--policy", policy], repo)
    let worktree = WriteFixture.laneWorktree(repo, lane)
    try TestSupport.write(content, to: "\(worktree)/\(file)")
    try TestSupport.git(["add", file], in: worktree)
    try TestSupport.git(["commit", "-q", "-m", "\(wp): work"], in: worktree)
    try api(
      [
        "transition", "--mission", slug, "--wp", wp, "--to", "for_review", "--actor", "impl", "--policy", policy,
        "--force", "--note", "subtasks tracked elsewhere",
      ], repo)
    try api(["start-review", "--mission", slug, "--wp", wp, "--actor", "rev", "--policy", policy], repo)
    try api(
      [
        "transition", "--mission", slug, "--wp", wp, "--to", "approved", "--actor", "rev", "--policy", policy,
        "--review-result-json", #"{"reviewer":"rev","verdict":"approved","reference":"review://\#(wp)"}"#,
      ], repo)
  }

  static func merge(_ repo: String, _ extra: [String] = []) -> OrchestratorAPI.Response {
    OrchestratorAPI.run(["merge-mission", "--mission", slug] + extra, currentDirectory: repo)
  }

  func git(_ arguments: [String], _ repo: String) throws -> String {
    try TestSupport.git(arguments, in: repo).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  // MARK: refusals

  @Test func refusesWhenNoWorkPackageIsApprovedOrDone() throws {
    let repo = try WriteFixture.clone()
    for step in 0..<2 {
      if step == 1 {
        // A started WP with a commit on its lane is still not something to merge.
        try Self.api(
          [
            "start-implementation", "--mission", Self.slug, "--wp", "WP01", "--actor", "i", "--policy",
            WriteFixture.policy,
          ],
          repo)
        let lane = WriteFixture.laneWorktree(repo, "lane-a")
        try TestSupport.write(Self.coreContent, to: "\(lane)/src/core.sh")
        try TestSupport.git(["add", "src/core.sh"], in: lane)
        try TestSupport.git(["commit", "-q", "-m", "wip"], in: lane)
      }
      let before = try RepositoryState.capture(repo)
      let response = Self.merge(repo)
      #expect(response.envelope.errorCode?.rawValue == "PREFLIGHT_FAILED", "\(response.line)")
      #expect(response.exitCode == 1)
      #expect(response.envelope.data["message"] == "Merge failed")
      #expect(response.envelope.data["target_branch"] == "develop")
      #expect(response.envelope.data["errors"]?.arrayValue?.isEmpty == false)
      let after = try RepositoryState.capture(repo)
      #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")
    }
  }

  // MARK: rebase

  /// Commits on develop (in the main checkout, where develop is checked out), as a person working meanwhile would.
  /// WP01 approved, the other lanes never started: the merge would leave them out, so it is refused (naming the
  /// lanes, their WPs and the flag) and changes nothing, in both dialects, until --allow-partial asks for it.
  @Test func refusesAPartialMergeUnlessAllowed() throws {
    let repo = try WriteFixture.clone()
    try Self.approve("WP01", lane: "lane-a", file: "src/core.sh", content: Self.coreContent, in: repo)
    let before = try RepositoryState.capture(repo)
    for call in [
      ["merge-mission", "--mission", Self.slug], ["merge-feature", "--feature", Self.slug, "--json"],
    ] {
      let response = OrchestratorAPI.run(call, currentDirectory: repo)
      #expect(response.envelope.errorCode?.rawValue == "PREFLIGHT_FAILED", "\(response.line)")
      #expect(response.exitCode == 1)
      #expect(response.envelope.data["unfinished_lanes"] == .strings(["lane-b", "lane-c", "lane-d"]))
      let errors = response.envelope.data["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
      #expect(
        errors == [
          "lane-b (WP02), lane-c (WP03), lane-d (WP04) have no approved or done work package: merging now would "
            + "leave them out. Finish them first, or merge the finished lanes alone with --allow-partial."
        ], "\(response.line)")
      let after = try RepositoryState.capture(repo)
      #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")
    }
    let partial = OrchestratorAPI.run(
      ["merge-feature", "--feature", Self.slug, "--allow-partial", "--json"], currentDirectory: repo)
    #expect(partial.envelope.success, "\(partial.line)")
    #expect(partial.envelope.data["skipped_lanes"] == .strings(["lane-b", "lane-c", "lane-d"]))
    #expect(try TestSupport.git(["show", "develop:src/core.sh"], in: repo) == Self.coreContent)
  }

  /// After a partial merge (lane-a merged, its branch and worktree removed), the rest of the mission merges without
  /// the flag: lane-a is not taken again.
  @Test func aMergeAfterAPartialOneTakesTheRest() throws {
    let repo = try WriteFixture.clone()
    try Self.approve("WP01", lane: "lane-a", file: "src/core.sh", content: Self.coreContent, in: repo)
    let first = Self.merge(repo, ["--allow-partial"])
    try #require(first.envelope.success, "\(first.line)")
    #expect(first.envelope.data["done_wps"] == .strings(["WP01"]))
    #expect(try git(["branch", "--list", WriteFixture.laneBranch("lane-a")], repo) == "")
    try Self.approve("WP02", lane: "lane-b", file: "src/left.sh", content: "left\n", in: repo)
    try Self.approve("WP03", lane: "lane-c", file: "src/right.sh", content: "right\n", in: repo)
    try Self.approve("WP04", lane: "lane-d", file: "src/main.sh", content: "main\n", in: repo)
    let rest = Self.merge(repo)
    try #require(rest.envelope.success, "\(rest.line)")
    #expect(rest.envelope.data["done_wps"] == .strings(["WP02", "WP03", "WP04"]))
    #expect(rest.envelope.data["skipped_lanes"] == nil, "\(rest.line)")
    #expect(try TestSupport.git(["show", "develop:src/main.sh"], in: repo) == "main\n")
    #expect(try git(["branch", "--format=%(refname:short)"], repo) == "develop\nmain")
    // Everything is merged now: a repeat is spec-kitty's PREFLIGHT_FAILED and changes nothing.
    let before = try RepositoryState.capture(repo)
    let again = Self.merge(repo)
    #expect(again.envelope.errorCode?.rawValue == "PREFLIGHT_FAILED", "\(again.line)")
    let after = try RepositoryState.capture(repo)
    #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")
  }

  func commitOnTarget(_ file: String, _ content: String, _ repo: String) throws -> String {
    try TestSupport.write(content, to: "\(repo)/\(file)")
    try TestSupport.git(["add", file], in: repo)
    try TestSupport.git(["commit", "-q", "-m", "meanwhile: \(file)"], in: repo)
    return try git(["rev-parse", "HEAD"], repo)
  }

  func approveAll(_ repo: String) throws {
    try Self.approve("WP01", lane: "lane-a", file: "src/core.sh", content: Self.coreContent, in: repo)
    try Self.approve("WP02", lane: "lane-b", file: "src/left.sh", content: "left\n", in: repo)
    try Self.approve("WP03", lane: "lane-c", file: "src/right.sh", content: "right\n", in: repo)
    try Self.approve("WP04", lane: "lane-d", file: "src/main.sh", content: "main\n", in: repo)
  }

  /// Clean: every lane commit is re-applied on develop, oldest first, with its message and author; no merge commit;
  /// the lanes' own commits are not in develop's history; the WPs are done and what was merged is cleaned up.
  @Test func rebaseReplaysEveryLaneCommitOnTheTarget() throws {
    let repo = try WriteFixture.clone()
    try approveAll(repo)
    let oldTip = try git(["rev-parse", "develop"], repo)
    let laneTips = try ["lane-a", "lane-b", "lane-c", "lane-d"].map {
      try git(["rev-parse", WriteFixture.laneBranch($0)], repo)
    }
    let response = Self.merge(repo, ["--strategy", "rebase"])
    #expect(response.envelope.success, "\(response.line)")
    #expect(response.envelope.data["strategy"] == "rebase")
    #expect(response.envelope.data["done_wps"] == .strings(["WP01", "WP02", "WP03", "WP04"]))
    #expect(try git(["rev-list", "--merges", "\(oldTip)..develop"], repo) == "", "linear history")
    let subjects = try git(["log", "--reverse", "--format=%s", "\(oldTip)..develop"], repo).split(separator: "\n")
    let work = subjects.filter { $0.hasSuffix(": work") }
    #expect(work == ["WP01: work", "WP02: work", "WP03: work", "WP04: work"], "\(subjects)")
    let replayed = try #require(response.envelope.data["merge_commit"]?.stringValue)
    #expect(
      try git(["log", "-1", "--format=%s %an", replayed], repo)
        == "WP04: work \(try git(["log", "-1", "--format=%an", laneTips[3]], repo))")
    for (file, content) in [
      ("src/core.sh", Self.coreContent), ("src/left.sh", "left\n"), ("src/right.sh", "right\n"),
      ("src/main.sh", "main\n"),
    ] {
      #expect(try TestSupport.git(["show", "develop:\(file)"], in: repo) == content)
    }
    for tip in laneTips {
      let ancestry = try TestSupport.run(
        TestSupport.gitPath, ["merge-base", "--is-ancestor", tip, "develop"], in: repo)
      #expect(ancestry.status == 1, "rebased, not merged")
    }
    #expect(try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: repo) == "")
    #expect(response.envelope.data["worktree_removed"] == .bool(true), "\(response.line)")

    // Repeat: nothing is left to merge, and nothing changes.
    let before = try RepositoryState.capture(repo)
    let again = Self.merge(repo, ["--strategy", "rebase"])
    #expect(again.envelope.errorCode?.rawValue == "PREFLIGHT_FAILED", "\(again.line)")
    let after = try RepositoryState.capture(repo)
    #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")
  }

  /// Repeat with the lanes kept (retain_branches / retain_worktrees): every change is on develop already, so the
  /// second rebase adds no commit and changes nothing.
  @Test func aRepeatedRebaseWithTheLanesKeptAddsNothing() throws {
    let repo = try WriteFixture.clone()
    let meta = "\(repo)/kitty-specs/\(Self.slug)/meta.json"
    var text = try TestSupport.read(meta)
    let brace = try #require(text.lastIndex(of: "}"))
    text.replaceSubrange(brace...brace, with: ", \"retain_branches\": true, \"retain_worktrees\": true}")
    try TestSupport.write(text, to: meta)
    try TestSupport.git(["commit", "-q", "-am", "keep lanes"], in: repo)
    try Self.approve("WP01", lane: "lane-a", file: "src/core.sh", content: Self.coreContent, in: repo)
    let first = Self.merge(repo, ["--allow-partial", "--strategy", "rebase"])
    try #require(first.envelope.success, "\(first.line)")
    let laneTip = try git(["rev-parse", WriteFixture.laneBranch("lane-a")], repo)
    #expect(FileManager.default.fileExists(atPath: WriteFixture.laneWorktree(repo, "lane-a")))

    let before = try RepositoryState.capture(repo)
    let second = Self.merge(repo, ["--allow-partial", "--strategy", "rebase"])
    #expect(second.envelope.success, "\(second.line)")
    #expect(second.envelope.data["done_wps"] == .strings([]))
    let after = try RepositoryState.capture(repo)
    #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")
    #expect(try git(["rev-parse", WriteFixture.laneBranch("lane-a")], repo) == laneTip)
  }

  /// A conflict with what develop gained meanwhile: PREFLIGHT_FAILED naming the commit and the path; every branch,
  /// worktree, file and lane stays as it was.
  @Test func aRebaseConflictChangesNothing() throws {
    let repo = try WriteFixture.clone()
    try Self.approve("WP01", lane: "lane-a", file: "src/core.sh", content: Self.coreContent, in: repo)
    _ = try commitOnTarget("src/core.sh", "#!/bin/sh\necho someone else\n", repo)
    let before = try RepositoryState.capture(repo)
    let response = Self.merge(repo, ["--allow-partial", "--strategy", "rebase"])
    #expect(response.envelope.errorCode?.rawValue == "PREFLIGHT_FAILED", "\(response.line)")
    #expect(response.exitCode == 1)
    let errors = response.envelope.data["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
    #expect(errors.contains { $0.contains("(WP01: work)") && $0.contains("conflicts on src/core.sh") }, "\(errors)")
    let after = try RepositoryState.capture(repo)
    #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")
    let state = try Self.api(["mission-state", "--mission", Self.slug], repo)
    #expect(state.envelope.data["work_packages"]?.arrayValue?.first?["lane"] == "approved")
  }

  /// develop moved meanwhile without touching the lanes' files: the lane commits go on top of its new tip.
  @Test func aRebaseOntoATargetThatMovedMeanwhile() throws {
    let repo = try WriteFixture.clone()
    try Self.approve("WP01", lane: "lane-a", file: "src/core.sh", content: Self.coreContent, in: repo)
    let moved = try commitOnTarget("NOTES.md", "meanwhile\n", repo)
    let response = Self.merge(repo, ["--allow-partial", "--strategy", "rebase"])
    #expect(response.envelope.success, "\(response.line)")
    let replayed = try #require(response.envelope.data["merge_commit"]?.stringValue)
    #expect(try git(["log", "-1", "--format=%P %s", replayed], repo) == "\(moved) WP01: work")
    #expect(try TestSupport.git(["show", "develop:NOTES.md"], in: repo) == "meanwhile\n")
    #expect(try TestSupport.git(["show", "develop:src/core.sh"], in: repo) == Self.coreContent)
    #expect(try git(["rev-list", "--merges", "\(moved)..develop"], repo) == "")
  }

  // MARK: merges

  @Test func neverDeletesALaneWorktreeWithUncommittedWork() throws {
    let repo = try WriteFixture.clone()
    try Self.approve("WP01", lane: "lane-a", file: "src/core.sh", content: Self.coreContent, in: repo)
    let lane = WriteFixture.laneWorktree(repo, "lane-a")
    // Uncommitted work in the approved lane: a modified tracked file and an untracked one.
    try TestSupport.write(Self.coreContent + "# local edit\n", to: "\(lane)/src/core.sh")
    try TestSupport.write("scratch\n", to: "\(lane)/notes.txt")
    let laneTip = try git(["rev-parse", WriteFixture.laneBranch("lane-a")], repo)

    let response = Self.merge(repo, ["--allow-partial"])
    #expect(response.envelope.success, "\(response.line)")
    let data = response.envelope.data
    #expect(data["merged"] == .bool(true))
    #expect(data["worktree_removed"] == .bool(false))
    #expect(data["done_wps"] == .strings(["WP01"]))
    let kept = data["kept"]?.arrayValue ?? []
    #expect(
      kept.contains { $0["path"]?.stringValue == lane }, "data.kept lists the dirty worktree: \(response.line)")

    // The merge happened: develop has the lane's committed file, WP01 is done, the main checkout is clean.
    #expect(try TestSupport.git(["show", "develop:src/core.sh"], in: repo) == Self.coreContent)
    #expect(try TestSupport.git(["merge-base", "--is-ancestor", laneTip, "develop"], in: repo) == "")
    #expect(try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: repo) == "")
    let state = try Self.api(["mission-state", "--mission", Self.slug], repo)
    let wp01 = state.envelope.data["work_packages"]?.arrayValue?.first
    #expect(wp01?["lane"] == "done")
    // The dirty worktree and its branch are still there, with the uncommitted work untouched.
    #expect(try TestSupport.read("\(lane)/src/core.sh") == Self.coreContent + "# local edit\n")
    #expect(try TestSupport.read("\(lane)/notes.txt") == "scratch\n")
    #expect(try git(["rev-parse", WriteFixture.laneBranch("lane-a")], repo) == laneTip)
    let worktrees = try TestSupport.git(["worktree", "list", "--porcelain"], in: repo)
    #expect(worktrees.contains("worktree \(lane)\n"))
  }

  @Test func squashMakesOneCommitWithTheLaneFiles() throws {
    let repo = try WriteFixture.clone()
    try Self.approve("WP01", lane: "lane-a", file: "src/core.sh", content: Self.coreContent, in: repo)
    let oldTip = try git(["rev-parse", "develop"], repo)
    let laneTip = try git(["rev-parse", WriteFixture.laneBranch("lane-a")], repo)

    let response = Self.merge(repo, ["--allow-partial", "--strategy", "squash"])
    #expect(response.envelope.success, "\(response.line)")
    #expect(response.envelope.data["strategy"] == "squash")
    #expect(response.envelope.data["done_wps"] == .strings(["WP01"]))

    // develop: the squash commit (one parent, the old tip), then WP01's done event.
    let commits = try git(["rev-list", "--reverse", "\(oldTip)..develop"], repo).split(separator: "\n").map(String.init)
    #expect(commits.count == 2)
    let squash = try #require(commits.first)
    #expect(
      try git(["log", "-1", "--format=%s", squash], repo)
        == "feat(kitty/mission-\(Self.slug)): squash merge of mission")
    #expect(try git(["log", "-1", "--format=%P", squash], repo) == oldTip)
    #expect(response.envelope.data["merge_commit"]?.stringValue == squash)
    #expect(try git(["diff-tree", "--no-commit-id", "--name-only", "-r", squash], repo) == "src/core.sh")
    #expect(try TestSupport.git(["show", "\(squash):src/core.sh"], in: repo) == Self.coreContent)
    #expect(try git(["log", "-1", "--format=%s", "develop"], repo) == "chore(spec-kitty): status transition WP01")
    #expect(try git(["rev-list", "--merges", "\(oldTip)..develop"], repo) == "")
    // The lane's own commit is not in develop's history (squashed, not merged).
    let ancestry = try TestSupport.run(
      TestSupport.gitPath, ["merge-base", "--is-ancestor", laneTip, "develop"], in: repo)
    #expect(ancestry.status == 1)
    #expect(try TestSupport.git(["status", "--porcelain", "--untracked-files=all"], in: repo) == "")

    // spec-kitty deletes the lane worktree and branches after a squash; git-kitty judges "merged" by ancestry,
    // which a squash never establishes, so the clean lane stays behind with "1 commit(s) not merged".
    #expect(response.envelope.data["worktree_removed"] == .bool(true), "\(response.line)")
    #expect(!FileManager.default.fileExists(atPath: WriteFixture.laneWorktree(repo, "lane-a")))

    // A second squash merge has nothing new to bring in and must change nothing.
    let before = try RepositoryState.capture(repo)
    let again = Self.merge(repo, ["--allow-partial", "--strategy", "squash"])
    let after = try RepositoryState.capture(repo)
    #expect(after.differences(from: before).isEmpty, "\(again.line) \(after.differences(from: before))")
    #expect(
      try TestSupport.git(["diff", "--stat", squash, "develop", "--", "src"], in: repo) == "", "content unchanged")
  }

  @Test func aSecondMergeChangesNothing() throws {
    let repo = try WriteFixture.clone()
    try Self.approve("WP01", lane: "lane-a", file: "src/core.sh", content: Self.coreContent, in: repo)
    let first = Self.merge(repo, ["--allow-partial"])
    try #require(first.envelope.success, "\(first.line)")
    #expect(first.envelope.data["worktree_removed"] == .bool(true))
    #expect(!FileManager.default.fileExists(atPath: WriteFixture.laneWorktree(repo, "lane-a")))

    let before = try RepositoryState.capture(repo)
    let second = Self.merge(repo, ["--allow-partial"])
    let after = try RepositoryState.capture(repo)
    #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")
    if second.envelope.success {
      #expect(second.envelope.data["done_wps"] == .strings([]))
    } else {
      #expect(second.envelope.errorCode?.rawValue == "PREFLIGHT_FAILED", "\(second.line)")
      #expect(second.exitCode == 1)
    }
  }

  @Test func fullMissionMergeThenMergeAgain() throws {
    // All four WPs approved through the host, merged once (everything cleaned up), then merged again.
    let repo = try WriteFixture.clone()
    try Self.approve("WP01", lane: "lane-a", file: "src/core.sh", content: Self.coreContent, in: repo)
    try Self.approve("WP02", lane: "lane-b", file: "src/left.sh", content: "left\n", in: repo)
    try Self.approve("WP03", lane: "lane-c", file: "src/right.sh", content: "right\n", in: repo)
    try Self.approve("WP04", lane: "lane-d", file: "src/main.sh", content: "main\n", in: repo)
    let first = Self.merge(repo)
    try #require(first.envelope.success, "\(first.line)")
    #expect(first.envelope.data["done_wps"] == .strings(["WP01", "WP02", "WP03", "WP04"]))
    #expect(first.envelope.data["worktree_removed"] == .bool(true))
    #expect(first.envelope.data["kept"] == nil, "\(first.line)")
    #expect(try git(["branch", "--format=%(refname:short)"], repo) == "develop\nmain")
    for (file, content) in [
      ("src/core.sh", Self.coreContent), ("src/left.sh", "left\n"), ("src/right.sh", "right\n"),
      ("src/main.sh", "main\n"),
    ] {
      #expect(try TestSupport.git(["show", "develop:\(file)"], in: repo) == content)
    }

    let before = try RepositoryState.capture(repo)
    let second = Self.merge(repo)
    #expect(!second.envelope.success, "\(second.line)")
    #expect(second.envelope.errorCode?.rawValue == "PREFLIGHT_FAILED")
    let after = try RepositoryState.capture(repo)
    #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")
  }
}
