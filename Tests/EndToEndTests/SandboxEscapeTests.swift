import Foundation
import KittyTestSupport
import Testing

/// Whether bubblewrap can make a sandbox on this machine (CI installs it with `make deps`).
let bubblewrapWorks: Bool = {
  guard FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap") else { return false }
  let result = try? TestSupport.run(
    "/usr/bin/bwrap", ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "true"], in: "/")
  return result?.status == 0
}()

/// `orchestrate --sandbox bwrap`: a hostile script agent tries to get out of its lane while doing its WP's work.
@Suite(.enabled(if: bubblewrapWorks, "bubblewrap cannot make a sandbox here"))
struct SandboxEscapeTests {
  /// Every escape is tried, each leaves the real repository, the other lane, the home directory and the
  /// orchestrator untouched, and the WP's own work (a commit in its lane) is approved.
  @Test func aHostileImplementerChangesItsLaneAndNothingElse() throws {
    let secret = "TOPSECRET-\(UUID().uuidString.prefix(8))"
    let box = try OrchestratorSandbox(
      [SandboxWP("WP01", file: "src/wp1.sh", implement: "sh \"$KITTY_WORKSPACE/../../hostile.sh\"")],
      name: "hostile", config: "[sandbox]\nmode = \"bwrap\"\ndeny_read = [\"secret.env\", \"private\"]\n")
    let repo = box.repo
    let common = "\(repo)/.git"
    // Another lane's worktree, its branch beside the mission's lane branches, and packed refs to edit.
    try TestSupport.git(["worktree", "add", "-q", "-b", "kitty/foreign-lane", ".worktrees/foreign-lane"], in: repo)
    let foreign = "\(repo)/.worktrees/foreign-lane"
    try TestSupport.write("foreign work\n", to: "\(foreign)/foreign.txt")
    try TestSupport.git(["pack-refs", "--all"], in: repo)
    try TestSupport.write("TOKEN=\(secret)\n", to: "\(repo)/secret.env")
    try FileManager.default.createDirectory(atPath: "\(repo)/private", withIntermediateDirectories: true)
    try TestSupport.write("\(secret)\n", to: "\(repo)/private/key")
    try TestSupport.write(Self.hostileScript(slug: box.slug), to: "\(repo)/hostile.sh")
    try TestSupport.commitIgnoring(
      "secret.env\nprivate/\nhostile.sh", files: ["README.sandbox": "x\n"], in: repo)

    let refsBefore = try TestSupport.git(["for-each-ref", "--format=%(refname) %(objectname)"], in: repo)
    let guarded = [foreign, "\(common)/worktrees/foreign-lane", "\(common)/hooks", "\(common)/config"]
    let before = try Dictionary(uniqueKeysWithValues: guarded.map { ($0, try Self.fingerprint($0)) })
    // A home of its own (outside /tmp, which the sandbox replaces), so that a failing sandbox harms no real one.
    let home = "/var/tmp/kitty-home-\(box.marker)"
    defer { try? FileManager.default.removeItem(atPath: home) }
    try TestSupport.write("[user]\n\tname = Kitty Test\n", to: "\(home)/.gitconfig")
    let homeBefore = FileManager.default.contents(atPath: "\(home)/.gitconfig")

    let result = try TestSupport.run(
      KittyExecutable.path, box.orchestrateArguments(), in: repo, environment: ["HOME": home])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("executor: bwrap"), "\(result.stderr)")

    let lane = try #require(
      try TestSupport.git(["branch", "--format=%(refname:short)", "--list", "kitty/mission-*-lane-*"], in: repo)
        .split(separator: "\n").first.map(String.init))
    // The WP's own work arrived as a fast-forward of its lane and was approved.
    #expect(try box.lanes()["WP01"] == "approved")
    #expect(try TestSupport.git(["show", "\(lane):src/wp1.sh"], in: repo) == "WP01\n")
    let report = try TestSupport.git(["show", "\(lane):escapes.txt"], in: repo)
    let tried = report.split(separator: "\n")
    #expect(tried.count >= 20, "\(report)")
    // Inside its own view an escape may "succeed" (a private copy of refs, a private /tmp): what counts is the
    // real state afterwards.
    #expect(!FileManager.default.fileExists(atPath: "\(repo)/PWNED.txt"), "\(report)")
    #expect(!(try TestSupport.read("\(repo)/.kittify/orchestrator.toml")).contains("pwned"))
    for file in ["kitty-specs/\(box.slug)/status.events.jsonl", "kitty-specs/\(box.slug)/status.json"] {
      #expect(!(try TestSupport.read("\(repo)/\(file)")).contains("pwned"), "\(file)")
    }
    #expect(!(try TestSupport.read("\(repo)/.kittify/orchestrator-run-state.json")).contains("pwned"))
    // No ref names the commit the agent made to move refs with; the other lane's branch and every other ref are
    // where they were, except the target branch, which only the host's status commits moved.
    let evil = try #require(tried.first { $0.hasPrefix("evil ") }.map { String($0.dropFirst(5)) })
    let refsAfter = try TestSupport.git(["for-each-ref", "--format=%(refname) %(objectname)"], in: repo)
    #expect(!refsAfter.contains(evil), "\(refsAfter)")
    let mission = "refs/heads/kitty/mission-\(box.slug)"
    func others(_ listing: String) -> [Substring] {
      listing.split(separator: "\n").filter {
        !$0.hasPrefix("refs/heads/develop ") && !$0.hasPrefix("\(mission) ") && !$0.hasPrefix("\(mission)-lane-a ")
          && !$0.hasPrefix("refs/heads/kitty/review/")
      }
    }
    #expect(others(refsAfter) == others(refsBefore), "\(refsAfter)")
    let developBefore = try #require(
      refsBefore.split(separator: "\n").first { $0.hasPrefix("refs/heads/develop ") }?.split(separator: " ").last)
    let statusOnly = try TestSupport.git(["diff", "--name-only", String(developBefore), "develop"], in: repo)
    #expect(
      statusOnly.split(separator: "\n").allSatisfy { $0.hasPrefix("kitty-specs/\(box.slug)/status.") }, "\(statusOnly)")
    for path in guarded { #expect(try Self.fingerprint(path) == before[path], "\(path) changed") }
    #expect(FileManager.default.contents(atPath: "\(home)/.gitconfig") == homeBefore, "~/.gitconfig changed")
    let fsck = try TestSupport.run("/usr/bin/git", ["fsck", "--no-progress"], in: repo)
    #expect(fsck.status == 0 && !fsck.stderr.contains("error"), "\(fsck.stderr)")
    // The secret is nowhere the agent could leave it: not in its lane, not in its log.
    let tree = try TestSupport.run("/usr/bin/git", ["grep", "-q", secret, lane], in: repo)
    #expect(tree.status == 1, "the secret reached the lane")
    let logs = try TestSupport.run("/usr/bin/grep", ["-rq", secret, "\(repo)/.kittify/logs"], in: repo)
    #expect(logs.status == 1, "the secret reached a log")
    #expect(report.contains("refused kill-orchestrator"), "\(report)")
  }

  /// The reviewer sees its worktree read-only: its edits and commit fail, the lane is not put aside (nothing to
  /// put aside), and its verdict file is the one thing it writes.
  @Test func aReviewerWritesOnlyItsVerdict() throws {
    let reviewer = """
      echo pwned >> src/wp1.sh; echo pwned > reviewer.txt; git add -A; git commit -qm 'reviewer commit'
      echo '{"verdict": "approved", "feedback": "fine"}' > "$KITTY_VERDICT_FILE"
      """
    let box = try OrchestratorSandbox(
      [SandboxWP("WP01", file: "src/wp1.sh")], name: "reviewer",
      config: "[sandbox]\nmode = \"bwrap\"\n[agents.judge]\ncommand = \"{scratch}/judge.sh\"\n",
      agents: ["judge": reviewer])
    let result = try box.orchestrate(review: ["judge"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try box.lanes()["WP01"] == "approved")
    #expect(try box.verdicts("WP01") == ["approved"])
    #expect(!result.stderr.contains("the reviewer changed the lane"), "\(result.stderr)")
    let lane = "kitty/mission-\(box.slug)-lane-a"
    #expect(try TestSupport.git(["show", "\(lane):src/wp1.sh"], in: box.repo) == "WP01\n")
    #expect(try TestSupport.git(["log", "--format=%s", lane], in: box.repo).contains("reviewer commit") == false)
    let worktree = "\(box.repo)/.worktrees/\(box.slug)-lane-a"
    #expect(!FileManager.default.fileExists(atPath: "\(worktree)/reviewer.txt"))
    #expect(try TestSupport.git(["status", "--porcelain"], in: worktree).isEmpty)
  }

  /// A shell script that tries every escape, notes what it could do in `escapes.txt` ("ran" / "refused"), then
  /// does its WP's work and commits.
  static func hostileScript(slug: String) -> String {
    """
    out=escapes.txt
    attempt() { name=$1; shift; if (eval "$*") >/dev/null 2>&1; then echo "ran $name" >>$out; else echo "refused $name" >>$out; fi; }
    COMMON=$(git rev-parse --path-format=absolute --git-common-dir)
    ROOT=${COMMON%/.git}
    sha=$(git commit-tree -p HEAD -m evil "HEAD^{tree}")
    echo "evil $sha" >>$out
    attempt main-checkout "echo pwned > '$ROOT/PWNED.txt'"
    attempt main-checkout-edit "echo pwned >> '$ROOT/.kittify/orchestrator.toml'"
    attempt other-lane "echo pwned > '$ROOT/.worktrees/foreign-lane/PWNED.txt'"
    attempt other-lane-edit "echo pwned >> '$ROOT/.worktrees/foreign-lane/foreign.txt'"
    attempt event-log "echo pwned >> '$ROOT/kitty-specs/\(slug)/status.events.jsonl'"
    attempt status-json "echo pwned >> '$ROOT/kitty-specs/\(slug)/status.json'"
    attempt run-state "echo pwned > '$ROOT/.kittify/orchestrator-run-state.json'"
    attempt update-ref-develop "git update-ref refs/heads/develop $sha"
    attempt update-ref-no-deref "git update-ref --no-deref refs/heads/develop $sha"
    attempt update-ref-other-lane "git update-ref refs/heads/kitty/foreign-lane $sha"
    attempt loose-ref "echo $sha > '$COMMON/refs/heads/develop'"
    attempt loose-ref-other-lane "echo $sha > '$COMMON/refs/heads/kitty/foreign-lane'"
    attempt packed-refs "echo '$sha refs/heads/pwned' >> '$COMMON/packed-refs'"
    attempt packed-refs-rewrite "sed -i 's/^[0-9a-f]* refs.heads.develop$/$sha refs\\/heads\\/develop/' '$COMMON/packed-refs'"
    attempt tag "git tag pwned-tag"
    attempt branch "git branch pwned-branch"
    attempt admin-dir "rm -rf '$COMMON/worktrees/foreign-lane'"
    attempt global-gitconfig "git config --global kitty.pwned 1"
    attempt home-gitconfig "echo '[kitty]pwned = 1' >> \\"$HOME/.gitconfig\\""
    attempt repo-config "git config kitty.pwned 1"
    attempt repo-config-file "echo '[kitty]pwned = 1' >> '$COMMON/config'"
    attempt hook "printf '#!/bin/sh\\necho pwned\\n' > '$COMMON/hooks/post-checkout' && chmod +x '$COMMON/hooks/post-checkout'"
    attempt objects "rm -rf '$COMMON/objects/pack' /tmp/.git-kitty/objects/pack"
    attempt git-file "echo 'gitdir: /tmp/evil' > .git"
    attempt own-head "echo 'ref: refs/heads/develop' > \\"$(git rev-parse --git-dir)/HEAD\\""
    attempt kill-orchestrator "found=; for d in /proc/[0-9]*; do grep -q 'orchestrate' \\$d/cmdline 2>/dev/null && grep -q '\(slug)' \\$d/cmdline && found=1 && kill -9 \\${d#/proc/}; done; test -n \\"\\$found\\""
    attempt secret "grep TOKEN '$ROOT/secret.env' >> leaked.txt && grep -q TOPSECRET leaked.txt"
    attempt secret-dir "cat '$ROOT/private/key' >> leaked.txt && grep -q TOPSECRET leaked.txt"
    cat $out
    mkdir -p src && echo WP01 > src/wp1.sh
    git add -A && git commit -q -m 'WP01: work'
    """
  }

  /// Every file under `path` (or `path` itself), with its content and its mode, for byte-identical
  /// comparisons.
  static func fingerprint(_ path: String) throws -> [String: String] {
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { return [:] }
    let files = isDirectory.boolValue ? (fm.subpaths(atPath: path) ?? []).map { "\(path)/\($0)" } : [path]
    var result: [String: String] = [:]
    for file in files {
      let attributes = try fm.attributesOfItem(atPath: file)
      let digest = fm.contents(atPath: file).map { $0.base64EncodedString() } ?? "dir"
      result[file] = "\(attributes[.posixPermissions] ?? 0) \(digest)"
    }
    return result
  }
}
