import Foundation
import KittyCore
import KittyGit
import KittyHost
import KittyWorkspaces

extension Preflight {
  /// What `merge-mission` would refuse at the end of a run with `--merge`, checked before the run starts (so a dry
  /// run does not say "ready" for a run that can only fail after every agent has worked).
  static func mergeProblems(options: OrchestrateOptions, host: HostKind, slug: String?) -> [String] {
    var problems: [String] = []
    guard let slug, let context = try? RepositoryContext.locate(from: options.root),
      let mission = try? Mission(repoRoot: context.root, slug: slug)
    else { return problems }
    let target = options.target ?? mission.meta?.mergeTargetBranch ?? mission.targetBranch ?? "main"
    if let repo = try? context.open(), (try? repo.branchTip(target)) == nil, (try? repo.remoteBranchTip(target)) == nil
    {
      problems.append(
        "--merge: the target branch \(target) does not exist locally or on origin. Pass --target <branch>")
    }
    if !FileManager.default.fileExists(atPath: mission.lanesPath) {
      problems.append(
        "--merge: \(mission.slug) has no lanes.json, which merge-mission needs. Run git kitty mission finalize \(slug)")
    }
    return problems
  }
}
