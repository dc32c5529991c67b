import Foundation
import KittyBasics
import KittyCore
import KittyGit
import KittyHost
import KittyWorkspaces

/// Which mission and lane a directory belongs to (a lane worktree `.worktrees/<slug>-lane-x`).
public struct WorktreeIdentity: Sendable {
  public var root: String
  public var missionSlug: String
  public var laneID: String?
  public var wpID: String?

  /// Reads it from `directory`; nil when the directory is not inside a lane worktree.
  public static func of(_ directory: String) -> WorktreeIdentity? {
    guard let context = try? RepositoryContext.locate(from: directory) else { return nil }
    let prefix = context.worktreesDirectory + "/"
    let resolved = (directory as NSString).resolvingSymlinksInPath
    guard resolved.hasPrefix(prefix) || directory.hasPrefix(prefix) else { return nil }
    let rest = (resolved.hasPrefix(prefix) ? resolved : directory).dropFirst(prefix.count)
    let name = String(rest.split(separator: "/").first ?? "")
    guard let owner = LaneWorktreeName.parse(name, repoRoot: context.root) else { return nil }
    return WorktreeIdentity(root: context.root, missionSlug: owner.missionSlug, laneID: owner.laneID, wpID: owner.wpID)
  }

  /// The WPs of this lane (lanes.json), or the legacy worktree's WP.
  public func workPackages() -> [String] {
    if let wpID { return [wpID] }
    guard let laneID, let mission = try? Mission(repoRoot: root, slug: missionSlug),
      let lanes = try? mission.lanesManifest()
    else { return [] }
    return lanes.lane(laneID)?.wpIDs ?? []
  }
}

/// The host the hooks and the developer flow use: native, unless `git config kitty.host spec-kitty`.
public enum HookHost {
  public static func make(root: String) -> any MissionHost {
    let kind = ChildProcess.runCapturing(
      ["git", "config", "--get", "kitty.host"], directory: root, environment: ProcessEnvironment.scrubbed(),
      timeout: 10
    ).stdout.trimmingWhitespace
    return (HostKind(rawValue: kind) ?? .native).make(root: root)
  }

  /// The person's git identity, or a fixed one.
  public static func actor(root: String) -> String {
    let name = ChildProcess.runCapturing(
      ["git", "config", "--get", "user.name"], directory: root, environment: ProcessEnvironment.scrubbed(),
      timeout: 10
    ).stdout.trimmingWhitespace
    return name.isEmpty ? "git-kitty" : name
  }

  /// The policy a person's own calls carry (no agent is involved).
  public static let policy =
    #"{"orchestrator_id": "git-kitty-developer", "orchestrator_version": "\#(GitKittyVersion.current)", "agent_family": "human", "approval_mode": "manual", "sandbox_mode": "none", "network_mode": "inherited", "dangerous_flags": []}"#
}

/// `git kitty hook post-commit`: what the post-commit hook hands over (in the background).
public enum PostCommitHandler {
  /// Moves the lane's in-progress WPs to for_review and logs the outcome to `.kittify/logs/hooks.log`.
  @discardableResult
  public static func run(directory: String, autoReview: Bool = false) async -> [String] {
    signal(SIGHUP, SIG_IGN)  // started in the background by the hook: outlive the terminal
    guard let identity = WorktreeIdentity.of(directory),
      let (head, gitDirectory) = reviewedCommit(directory, autoReview: autoReview)
    else {
      return []
    }
    defer { LaneIdleMarker.update(identity: identity, gitDirectory: gitDirectory) }
    let host = HookHost.make(root: identity.root)
    let actor = HookHost.actor(root: identity.root)
    var lines: [String] = []
    let lanes = (try? await host.missionState(mission: identity.missionSlug).lanes) ?? [:]
    for wp in identity.workPackages() where lanes[wp] == .inProgress {
      var request = HostTransition(mission: identity.missionSlug, wp: wp, to: .forReview, actor: actor)
      request.policy = HookHost.policy
      request.subtasksComplete = true
      request.note = "commit \(head) (post-commit hook)"
      var outcome = "moved to for_review"
      do {
        try await host.transition(request)
      } catch {
        outcome = "not moved: \(error.message)"
      }
      lines.append("\(Timestamp.isoNow()) post-commit \(identity.missionSlug) \(wp) at \(head): \(outcome)")
    }
    if lines.isEmpty {
      lines.append(
        "\(Timestamp.isoNow()) post-commit \(identity.missionSlug) at \(head): no in-progress WP in this lane")
    }
    log(root: identity.root, lines)
    return lines
  }

  /// The short id of the worktree's HEAD when it asks for review (its message carries the trailer, or
  /// `kitty.autoReview` is set: the hook says so, as git answered it), with the worktree's git directory; else
  /// nil. The hook only read COMMIT_EDITMSG, which a commit made without a message (cherry-pick, `-C`) may leave
  /// stale.
  static func reviewedCommit(_ directory: String, autoReview: Bool) -> (head: String, gitDirectory: String)? {
    guard let repo = try? Repository.discover(from: directory), let id = try? repo.headCommitID(),
      let commit = try? repo.commit(id)
    else { return nil }
    let trailer = commit.message.split(separator: "\n").contains { line in
      let lower = line.lowercased()
      return lower.hasPrefix("kitty-transition:") && lower.contains("for_review")
    }
    guard trailer || autoReview || (try? repo.configBool("kitty.autoReview")) == true else { return nil }
    return (String(id.hex.prefix(7)), repo.gitDirectory)
  }

  static func log(root: String, _ lines: [String]) {
    let path = "\(root)/.kittify/logs/hooks.log"
    try? FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let text = lines.joined(separator: "\n") + "\n"
    _ = text.withCString { write(fd, $0, strlen($0)) }
  }
}

/// `kitty-lane-idle` in a lane worktree's git directory: the post-commit hook's note that the lane has no WP in
/// progress. It names the mission's event log and holds while it is newer than the log (the hook tests `-nt`),
/// so any transition, by git-kitty or spec-kitty, ends it.
enum LaneIdleMarker {
  static let fileName = "kitty-lane-idle"

  static func update(identity: WorktreeIdentity, gitDirectory: String) {
    let marker = "\(Path.stripTrailingSlash(gitDirectory))/\(fileName)"
    guard let mission = try? Mission(repoRoot: identity.root, slug: identity.missionSlug),
      let before = FileVersion(mission.eventsPath), let snapshot = try? mission.snapshot(),
      !identity.workPackages().contains(where: { snapshot.lane(of: $0) == .inProgress }),
      (try? AtomicFile.write(mission.eventsPath + "\n", to: marker)) != nil,
      FileVersion(mission.eventsPath) == before  // the log did not move while this was decided
    else {
      unlink(marker)
      return
    }
  }

  /// What tells two versions of a file apart without reading it.
  struct FileVersion: Equatable {
    var device: UInt64, inode: UInt64, size: Int64, seconds: Int, nanoseconds: Int

    init?(_ path: String) {
      var info = stat()
      guard stat(path, &info) == 0 else { return nil }
      device = UInt64(info.st_dev)
      inode = UInt64(info.st_ino)
      size = Int64(info.st_size)
      seconds = info.st_mtim.tv_sec
      nanoseconds = info.st_mtim.tv_nsec
    }
  }
}
