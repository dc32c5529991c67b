import ArgumentParser
import Foundation
import KittyCore
import KittyHost
import KittyWorkspaces

/// `git kitty init`.
struct InitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract: "Prepare this repository for missions (.kittify/config.yaml, .gitignore, merge driver).")

  func run() throws {
    try Console.run {
      let context = try RepositoryContext.locate(from: Console.currentDirectory)
      let changes = try ProjectInit.run(root: context.root)
      print(changes.isEmpty ? "already initialised" : changes.joined(separator: "\n"))
      if !changes.isEmpty { print("commit these files on your feature branch when you are ready") }
    }
  }
}

/// `git kitty merge-driver event-log %O %A %B`.
struct MergeDriverCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge-driver", abstract: "Git merge driver for status.events.jsonl (union of rows by event_id).")
  @Argument(help: "event-log") var kind: String
  @Argument(help: "%O (ancestor)") var base: String
  @Argument(help: "%A (ours; receives the result)") var ours: String
  @Argument(help: "%B (theirs)") var theirs: String

  func validate() throws {
    guard kind == "event-log" else { throw ValidationError("the only driver is event-log") }
  }

  func run() throws {
    try Console.run {
      let merged = try EventLogMergeDriver.merge(base: base, ours: ours, theirs: theirs)
      try AtomicFile.write(merged, to: ours)
    }
  }
}

/// `git kitty mission new | finalize | list | show`.
struct MissionCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mission", abstract: "Create, finalize and inspect missions.",
    subcommands: [New.self, Finalize.self, List.self, Show.self, Check.self])

  struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "new", abstract: "Create kitty-specs/<name>-<mid8>/ and commit it.")
    @Argument(help: "Human slug, e.g. add-login.") var name: String
    @Option(name: .long, help: "Branch the mission merges into (default: the current branch).") var targetBranch:
      String?
    @Option(name: .long, help: "lanes (default) or single_branch.") var topology: String = "lanes"

    func run() throws {
      try Console.run {
        guard let topology = Topology(rawValue: topology) else {
          throw ValidationError("--topology is lanes or single_branch")
        }
        let context = try RepositoryContext.locate(from: Console.currentDirectory)
        let created = try MissionAuthor(context: context).create(
          humanSlug: name, targetBranch: targetBranch, topology: topology)
        print(created.slug)
        Console.error(
          "created \(created.directory.dropFirst(context.root.count + 1)); write tasks/WP01-*.md, then: git kitty mission finalize \(created.slug)"
        )
      }
    }
  }

  struct Finalize: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "finalize",
      abstract: "Validate the WP files, compute lanes.json, seed planned events, commit (spec-kitty's tasks step).")
    @Argument(help: "Mission handle.") var mission: String

    func run() throws {
      try Console.run {
        let context = try RepositoryContext.locate(from: Console.currentDirectory)
        let loaded = try MissionLocator.resolve(mission, repoRoot: context.root)
        let result = try MissionAuthor(context: context).finalize(loaded)
        for warning in result.warnings { Console.error("warning: \(warning)") }
        for (wp, dependencies) in result.dependenciesFromTasks.sorted(by: { $0.key < $1.key }) {
          print("\(wp): depends on \(dependencies.joined(separator: ", ")) (from tasks.md, now in its frontmatter)")
        }
        for lane in result.lanes.lanes {
          let deps = lane.dependsOn.isEmpty ? "" : " after \(lane.dependsOn.joined(separator: ", "))"
          print("\(lane.id): \(lane.wpIDs.joined(separator: ", "))\(deps)")
        }
        print(
          "seeded \(result.seeded.count) WP(s); \(result.commit.map { "committed \($0.prefix(8))" } ?? "nothing to commit")"
        )
      }
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list", abstract: "List the missions of this repository.")
    @OptionGroup var output: OutputOptions

    func run() throws {
      try Console.run {
        let repository = try HostRepository.locate(from: Console.currentDirectory)
        let names = MissionLocator.missionDirectories("\(repository.root)/\(MissionPaths.specsDirectory)")
        var rows: [JSONValue] = []
        for name in names {
          guard let mission = try? Mission(repoRoot: repository.root, slug: name) else { continue }
          let snapshot = try? mission.snapshot()
          let total = snapshot?.workPackages.count ?? 0
          let finished = snapshot?.workPackages.values.filter { [.done, .approved].contains($0.laneValue) }.count ?? 0
          rows.append([
            "mission_slug": .string(name), "target_branch": .optional(mission.targetBranch),
            "topology": .string(mission.topology.rawValue), "wps": .int(total), "approved_or_done": .int(finished),
          ])
        }
        if output.json {
          Console.printJSON(.array(rows))
        } else if rows.isEmpty {
          print("no missions (create one with git kitty mission new <name>)")
        } else {
          for row in rows {
            print(
              "\(row["mission_slug"]!.stringValue!)  \(row["approved_or_done"]!.intValue!)/\(row["wps"]!.intValue!) approved or done  -> \(row["target_branch"]?.stringValue ?? "?")"
            )
          }
        }
      }
    }
  }

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show", abstract: "Show a mission: lanes, WPs, worktrees, progress.")
    @Argument(help: "Mission handle.") var mission: String
    @OptionGroup var output: OutputOptions

    func run() throws {
      try Console.run {
        let repository = try HostRepository.locate(from: Console.currentDirectory)
        let loaded = try repository.mission(mission)
        let view = try MissionView(mission: loaded, includeAnnotations: true, readLanes: true)
        var lanes: [JSONValue] = []
        for lane in view.lanes?.lanes ?? [] {
          let path = MissionPaths.laneWorktree(repoRoot: repository.root, slug: loaded.slug, laneID: lane.laneID)
          lanes.append([
            "lane_id": .string(lane.laneID), "wp_ids": .strings(lane.wpIDs),
            "depends_on": .strings(lane.dependsOnLanes),
            "worktree": FileManager.default.fileExists(atPath: path) ? .string(path) : .null,
          ])
        }
        let wps: [JSONValue] = view.workPackages.map { wp in
          [
            "wp_id": .string(wp.id), "title": .string(wp.title),
            "lane": .string(view.snapshot.lane(of: wp.id).rawValue),
            "dependencies": .strings(wp.dependencies), "actor": .optional(view.snapshot.workPackages[wp.id]?.actor),
          ]
        }
        var summary = JSONObject()
        for lane in Lane.display { summary[lane.rawValue] = .int(view.snapshot.summary[lane] ?? 0) }
        if output.json {
          var object = loaded.identity
          object["target_branch"] = .optional(loaded.targetBranch)
          object["summary"] = .object(summary)
          object["lanes"] = .array(lanes)
          object["work_packages"] = .array(wps)
          Console.printJSON(.object(object))
          return
        }
        print("\(loaded.slug)  (\(loaded.topology.rawValue), merges into \(loaded.targetBranch ?? "?"))")
        let counts = Lane.display.compactMap { lane -> String? in
          let n = view.snapshot.summary[lane] ?? 0
          return n > 0 ? "\(n) \(lane.rawValue)" : nil
        }
        print("progress: \(counts.joined(separator: ", "))")
        for lane in lanes {
          print(
            "  \(lane["lane_id"]!.stringValue!): \(lane["wp_ids"]!.arrayValue!.compactMap(\.stringValue).joined(separator: ", "))"
              + (lane["worktree"]?.stringValue.map { "  [\($0)]" } ?? ""))
        }
        for wp in wps {
          print(
            "  \(wp["wp_id"]!.stringValue!)  \(wp["lane"]!.stringValue!.padding(toLength: 12, withPad: " ", startingAt: 0)) \(wp["title"]!.stringValue!)"
          )
        }
      }
    }
  }

  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "check",
      abstract: "Predict the merge conflicts between the approved lanes and the target (in memory; changes nothing).",
      discussion: "Exit status 1 when a conflict is predicted.")
    @Argument(help: "Mission handle.") var mission: String
    @Option(name: .long, help: "Branch the mission merges into (default: the mission's target).") var target: String?
    @OptionGroup var output: OutputOptions

    func run() throws {
      try Console.run {
        let repository = try HostRepository.locate(from: Console.currentDirectory)
        let check = try NativeHost(repository: repository).checkMission(mission, target: target)
        let report = check.report
        if output.json {
          var object = check.mission.identity
          object["target_branch"] = .string(report.target)
          object["lanes_checked"] = .array(
            report.checked.map {
              ["lane_id": .string($0.id), "branch": .string($0.branch), "wp_ids": .strings($0.wpIDs)]
            })
          object["lanes_without_branch"] = .strings(report.missing.map(\.id))
          object["conflicts"] = .array(
            report.conflicts.map {
              ["between": .strings($0.between), "wp_ids": .strings($0.wpIDs), "paths": .strings($0.paths)]
            })
          object["ok"] = .bool(report.conflicts.isEmpty)
          Console.printJSON(.object(object))
        } else {
          let lanes = report.checked.map { "\($0.id) (\($0.wpIDs.joined(separator: ", ")))" }
          print(
            "\(check.mission.slug): \(lanes.count) approved lane(s) checked against \(report.target)"
              + (lanes.isEmpty ? "" : ": " + lanes.joined(separator: ", ")))
          for lane in report.missing { print("  \(lane.id): no branch yet, not checked") }
          for conflict in report.conflicts {
            print(
              "CONFLICT \(conflict.between.joined(separator: " x ")) [\(conflict.wpIDs.joined(separator: ", "))]: "
                + conflict.paths.joined(separator: ", "))
          }
          print(
            report.conflicts.isEmpty
              ? "no conflict predicted"
              : "\(report.conflicts.count) conflict(s) predicted: resolve them on the lane branches before merging")
        }
        if !report.conflicts.isEmpty { throw ExitCode(1) }
      }
    }
  }
}
