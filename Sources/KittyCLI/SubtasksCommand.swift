import ArgumentParser
import Foundation
import KittyCore
import KittyHost

/// `git kitty subtasks mark T001 … --status done|planned`: what spec-kitty's `agent tasks mark-status` does,
/// committed like every other status change.
struct SubtasksCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "subtasks", abstract: "Record subtask progress for the for_review guard.", subcommands: [Mark.self])

  struct Mark: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "mark",
      abstract: "Mark subtasks done or planned (the WP that lists each subtask is found automatically).")
    @Argument(help: "Subtask ids, e.g. T001 T002.") var subtasks: [String]
    @Option(name: .long, help: "done or planned.") var status: String = "done"
    @Option(name: .long, help: "Mission handle; inferred from the current lane worktree when omitted.") var mission:
      String?
    @Option(name: .long, help: "Only subtasks of this WP.") var wp: String?
    @Option(name: .long, help: "Who records it.") var actor: String = "user"
    @OptionGroup var output: OutputOptions

    func validate() throws {
      guard ["done", "planned", "pending"].contains(status) else {
        throw ValidationError("--status must be done or planned (got '\(status)')")
      }
      if subtasks.isEmpty { throw ValidationError("name at least one subtask id, e.g. T001") }
    }

    func run() throws {
      try Console.run {
        let repository = try HostRepository.locate(from: Console.currentDirectory)
        guard let handle = mission ?? CurrentWorktree.missionSlug(in: repository) else {
          throw ValidationError("pass --mission (the current directory is not a lane worktree of a mission)")
        }
        let owners = try NativeHost(repository: repository).markSubtasks(
          mission: handle, wp: wp, subtasks: subtasks, done: status == "done", actor: actor)
        if output.json {
          Console.printJSON(.object(JSONObject(owners.keys.sorted().map { ($0, JSONValue.strings(owners[$0]!)) })))
        } else {
          for owner in owners.keys.sorted() {
            print("\(owner): \(owners[owner]!.joined(separator: ", ")) -> \(status == "done" ? "done" : "planned")")
          }
        }
      }
    }
  }
}

/// Infers the mission (and lane) from the directory a person runs git kitty in.
enum CurrentWorktree {
  static func missionSlug(in repository: HostRepository) -> String? {
    let cwd = Console.currentDirectory
    let prefix = repository.root + "/.worktrees/"
    guard cwd.hasPrefix(prefix) else { return nil }
    let name = String(cwd.dropFirst(prefix.count).split(separator: "/").first ?? "")
    let missions = MissionLocator.missionDirectories("\(repository.root)/\(MissionPaths.specsDirectory)")
    return missions.sorted { $0.count > $1.count }.first { name.hasPrefix($0 + "-") }
  }
}
