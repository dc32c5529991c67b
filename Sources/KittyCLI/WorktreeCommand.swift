import ArgumentParser
import Foundation
import KittyCore
import KittyWorkspaces

/// `git kitty worktree …`: lane worktrees, managed transactionally through libgit2.
struct WorktreeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "worktree",
    abstract: "Create, list, validate, repair, remove and garbage-collect lane worktrees.",
    subcommands: [Add.self, List.self, Validate.self, Repair.self, Remove.self, GC.self]
  )

  struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add",
      abstract: "Create (or reuse) a lane's worktree as lanes.json defines it; prints its path.")
    @Argument(help: "The lane id, e.g. lane-a.") var laneID: String
    @Option(name: .long, help: "Mission handle (slug, mid8, ULID or human slug).") var mission: String

    func run() async throws {
      try await Console.run {
        let context = try RepositoryContext.locate(from: Console.currentDirectory)
        let loaded = try MissionLocator.resolve(mission, repoRoot: context.root)
        let spec = try MissionWorkspaces(context: context, mission: loaded).spec(for: laneID)
        let result = try WorktreeManager(context: context).ensureLaneWorktree(spec)
        if !result.merged.isEmpty {
          Console.error("merged \(result.merged.joined(separator: ", ")) into \(result.branch)")
        }
        // `.worktreeinclude` only: `[worktree] setup` runs when a WP is started there (it is per WP).
        _ = await WorktreePreparation(root: context.root, setup: nil).prepare(
          worktree: result.path, runSetup: { _, _ in nil },
          progress: { if case .included(let outcome) = $0 { Console.reportIncluded(outcome) } })
        print(result.path)
      }
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list", abstract: "List linked worktrees with their lane, state and size.")
    @Option(name: .long, help: "Only this mission's worktrees.") var mission: String?
    @OptionGroup var output: OutputOptions

    func run() throws {
      try Console.run {
        let (context, slug) = try WorktreeCommand.scope(mission)
        let entries = try WorktreeInventory(context: context).list(mission: slug)
        if output.json {
          Console.printJSON(.array(entries.map(\.json)))
          return
        }
        if entries.isEmpty {
          print("no linked worktrees")
          return
        }
        for entry in entries {
          var state: [String] = []
          if entry.prunable { state.append("missing (prunable)") }
          if entry.dirty == true { state.append("dirty") }
          if entry.locked { state.append("locked") }
          if let ahead = entry.ahead, let behind = entry.behind, let target = entry.targetBranch {
            state.append("+\(ahead)/-\(behind) vs \(target)")
          }
          let lane = [entry.mission, entry.laneID].compactMap { $0 }.joined(separator: " ")
          let wps = entry.wpIDs.isEmpty ? "" : " [\(entry.wpIDs.joined(separator: ", "))]"
          print("\(entry.path)  \(entry.branch ?? "(detached)") \(entry.head.map { String($0.prefix(8)) } ?? "")")
          print(
            "    \(lane.isEmpty ? "not managed by git-kitty" : lane)\(wps)  \(state.joined(separator: ", "))  \(entry.sizeBytes.humanSize)"
          )
        }
      }
    }
  }

  struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "validate",
      abstract: "Check admin files, gitdir links, HEAD, lane branch and locks; exit 1 when something is wrong.")
    @Option(name: .long, help: "Only this mission's worktrees.") var mission: String?
    @OptionGroup var output: OutputOptions

    func run() throws {
      var broken = false
      try Console.run {
        let (context, slug) = try WorktreeCommand.scope(mission)
        let reports = try WorktreeValidator(context: context).checkAll(mission: slug)
        broken = reports.contains { !$0.isHealthy }
        if output.json {
          Console.printJSON(.array(reports.map(\.json)))
        } else if reports.isEmpty {
          print("no linked worktrees")
        } else {
          for report in reports {
            print("\(report.isHealthy ? "ok     " : "BROKEN ") \(report.path)")
            for problem in report.problems { print("        - \(problem)") }
          }
        }
      }
      if broken { throw ExitCode(1) }
    }
  }

  struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "repair",
      abstract: "Relink moved work directories, re-create deleted ones, drop stale admin entries and locks.")
    @Option(name: .long, help: "Only this mission's worktrees.") var mission: String?
    @OptionGroup var output: OutputOptions

    func run() throws {
      try Console.run {
        let (context, slug) = try WorktreeCommand.scope(mission)
        let actions = try WorktreeManager(context: context).repair(mission: slug)
        if output.json {
          Console.printJSON(.array(actions.map(\.json)))
        } else if actions.isEmpty {
          print("nothing to repair")
        } else {
          for action in actions {
            print("\(action.fixed ? "fixed   " : "reported") \(action.path): \(action.problem) -> \(action.action)")
          }
        }
      }
    }
  }

  struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "remove",
      abstract: "Remove a lane worktree; refuses uncommitted or unmerged work unless --force.")
    @Argument(help: "A lane id (with --mission) or a worktree path.") var target: String
    @Option(name: .long, help: "Mission handle, to name the worktree by lane id.") var mission: String?
    @Flag(name: .long, help: "Remove even with uncommitted changes, unmerged commits or a lock.") var force = false

    func run() throws {
      try Console.run {
        let context = try RepositoryContext.locate(from: Console.currentDirectory)
        var path =
          (target as NSString).isAbsolutePath
          ? target
          : ((Console.currentDirectory as NSString).appendingPathComponent(target) as NSString).standardizingPath
        var targetBranch: String?
        if let mission {
          let loaded = try MissionLocator.resolve(mission, repoRoot: context.root)
          targetBranch = loaded.targetBranch
          if target.hasPrefix("lane-") {
            path = MissionPaths.laneWorktree(repoRoot: context.root, slug: loaded.slug, laneID: target)
          }
        } else if let owner = LaneWorktreeName.parse((path as NSString).lastPathComponent, repoRoot: context.root) {
          targetBranch = (try? Mission(repoRoot: context.root, slug: owner.missionSlug))?.targetBranch
        }
        let result = try WorktreeManager(context: context).remove(path: path, targetBranch: targetBranch, force: force)
        print("removed \(result.path)")
        if let branch = result.branch {
          if result.branchDeleted {
            print("deleted branch \(branch)")
          } else {
            print("kept branch \(branch): \(result.branchKeptReason ?? "")")
          }
        }
      }
    }
  }

  struct GC: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "gc",
      abstract: "Remove worktrees and kitty/* branches of finished missions, and dead admin entries.")
    @Flag(name: .long, help: "Only list what would be removed, with disk usage.") var dryRun = false
    @OptionGroup var output: OutputOptions

    func run() throws {
      try Console.run {
        let context = try RepositoryContext.locate(from: Console.currentDirectory)
        let items = try GarbageCollector(context: context).run(dryRun: dryRun)
        if output.json {
          Console.printJSON(.array(items.map(\.json)))
          return
        }
        if items.isEmpty {
          print("nothing to collect")
          return
        }
        for item in items {
          let size = item.sizeBytes > 0 ? " (\(item.sizeBytes.humanSize))" : ""
          let why = item.keptBecause.map { ": \($0)" } ?? ""
          print("\(item.outcome.rawValue) \(item.kind.rawValue) \(item.name)\(size) [\(item.reason)]\(why)")
        }
        let freed = items.filter { $0.outcome != .kept }.reduce(Int64(0)) { $0 + $1.sizeBytes }
        print(dryRun ? "would free \(freed.humanSize)" : "freed \(freed.humanSize)")
      }
    }
  }
}

extension WorktreeCommand {
  /// The repository of the current directory, and the slug of `--mission` when given.
  static func scope(_ mission: String?) throws -> (RepositoryContext, String?) {
    let context = try RepositoryContext.locate(from: Console.currentDirectory)
    return (context, try mission.map { try MissionLocator.resolve($0, repoRoot: context.root).slug })
  }
}
