import Foundation
import KittyCore
import KittyGit
import KittyWorkspaces

/// What a review judges: the lane worktree's commit when the review starts, pinned by a review branch
/// `kitty/review/<slug>/<WP>/<cycle>` (only that commit can be approved and merged). start-review owns it: the
/// native host pins under the mission lock, the spec-kitty client right after the host's answer.
public struct HostReviewPin: Sendable, Equatable {
  /// The review branch; nil when it could not be created (the commit is still what the verdict names).
  public var branch: String?
  public var commit: String

  public init(branch: String?, commit: String) {
    self.branch = branch
    self.commit = commit
  }

  /// Pins the WP's workspace HEAD; nil when the workspace has no checkout (nothing to pin).
  static func pin(mission: Mission, wp: String, context: RepositoryContext) -> HostReviewPin? {
    let lanes = (try? mission.lanesManifest()) ?? nil
    let workspace = Workspace.resolve(mission: mission, lanes: lanes, wp: wp, repoRoot: context.root)
    let opened = workspace.path == context.root ? try? context.open() : try? Repository.open(at: workspace.path)
    guard let head = try? opened?.headCommitID() else { return nil }
    let entry = try? ReviewBranches(context: context).create(slug: mission.slug, wpID: wp, commit: head.hex)
    return HostReviewPin(branch: entry?.branch, commit: head.hex)
  }

  /// The same for a mission named by a handle, read from the files (the spec-kitty client's side).
  public static func pin(missionHandle: String, wp: String, root: String) -> HostReviewPin? {
    guard let repository = try? HostRepository.locate(from: root),
      let mission = try? repository.mission(missionHandle)
    else { return nil }
    guard let context = try? RepositoryContext.locate(from: repository.root) else { return nil }
    return pin(mission: mission, wp: wp, context: context)
  }
}
