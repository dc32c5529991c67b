import Foundation
import KittyCore
import KittyGit
import KittyWorkspaces

/// Creates and finalises missions in spec-kitty 3.2.7's on-disk format, so the real host accepts them.
public struct MissionAuthor: Sendable {
  public let context: RepositoryContext

  public init(context: RepositoryContext) {
    self.context = context
  }

  /// The longest human slug: `kitty/mission-<name>-<mid8>-lane-<id>` and `.worktrees/<name>-<mid8>-lane-<id>` keep
  /// each path component within 255 bytes.
  public static let maximumNameLength = 200

  public struct Failure: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
  }

  /// The branch the main checkout is on; refuses a protected one with the way out.
  func currentUnprotectedBranch(action: String) throws -> String {
    let repo = try context.open()
    guard let branch = try repo.currentBranch() else {
      throw Failure(message: "the main checkout has a detached HEAD; check out a feature branch to \(action)")
    }
    if context.protection.isProtected(branch) {
      throw Failure(
        message: "refusing to \(action) on protected branch '\(branch)'. Start a feature branch first: "
          + "git switch -c feature/<name>  (missions live on a feature branch; git-kitty never commits to \(branch))")
    }
    return branch
  }

  // MARK: mission new

  public struct Created: Sendable {
    public var slug: String
    public var missionID: String
    public var directory: String
    public var commit: String?
  }

  public func create(humanSlug: String, targetBranch: String?, topology: Topology, missionType: String = "software-dev")
    throws -> Created
  {
    let normalized = humanSlug.lowercased()
    guard !normalized.isEmpty,
      normalized.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }),
      !normalized.hasPrefix("-"), !normalized.hasSuffix("-")
    else {
      throw Failure(
        message: "mission name '\(humanSlug)' must be lower-case letters, digits and dashes (e.g. add-login)")
    }
    // The slug names a directory, branches (kitty/mission-<slug>-lane-a) and worktrees: each must fit NAME_MAX.
    guard normalized.utf8.count <= Self.maximumNameLength else {
      throw Failure(
        message:
          "mission name '\(humanSlug.prefix(40))…' is \(humanSlug.utf8.count) characters long; at most "
          + "\(Self.maximumNameLength) fit, because it becomes directory and branch names. Choose a shorter name")
    }
    guard topology == .lanes || topology == .singleBranch else {
      throw Failure(message: "git-kitty creates lanes or single_branch missions (coord topologies are read-only here)")
    }
    let branch = try currentUnprotectedBranch(action: "create a mission")
    let target = targetBranch ?? branch
    if context.protection.isProtected(target) {
      throw Failure(message: "the target branch '\(target)' is protected; missions merge into a feature branch")
    }
    let missionID = ULID.make()
    let slug = "\(normalized)-\(missionID.prefix(8))"
    let directory = "\(context.root)/\(MissionPaths.specsDirectory)/\(slug)"
    let friendly = normalized.replacingOccurrences(of: "-", with: " ")
    let now = Timestamp.isoNow()
    let meta: JSONObject = [
      "created_at": .string(now), "flattened": false, "friendly_name": .string(friendly),
      "mission_id": .string(missionID),
      "mission_number": .null, "mission_slug": .string(slug), "mission_type": .string(missionType),
      "purpose_context": .string(
        "This mission advances \(friendly) on \(target) so stakeholders can track the work from mission creation onward."
      ),
      "purpose_tldr": .string(friendly), "slug": .string(slug), "target_branch": .string(target),
      "topology": .string(topology.rawValue),
    ]
    let events = [
      JSONWriter.sortedLine.string([
        "aggregate_id": .string(missionID), "aggregate_type": "Mission", "event_id": .string(ULID.make()),
        "event_type": "MissionCreated",
        "payload": [
          "created_at": .string(now), "friendly_name": .string(friendly), "mission_id": .string(missionID),
          "mission_number": .null, "mission_slug": .string(slug), "mission_type": .string(missionType),
          "purpose_context": meta["purpose_context"]!, "purpose_tldr": .string(friendly),
          "target_branch": .string(target),
          "wp_count": 0,
        ],
        "project_slug": .null, "project_uuid": .null, "schema_version": "5.0.0", "timestamp": .string(now),
      ]),
      JSONWriter.sortedLine.string([
        "aggregate_id": .string(slug), "aggregate_type": "Mission", "event_id": .string(ULID.make()),
        "event_type": "SpecifyStarted",
        "payload": [
          "actor": "git-kitty mission new", "artifact_path": .string("kitty-specs/\(slug)/spec.md"),
          "at": .string(Timestamp.isoNow()), "mission_number": .null, "mission_slug": .string(slug),
        ],
        "project_slug": .null, "project_uuid": .null, "schema_version": "5.0.0",
        "timestamp": .string(Timestamp.isoNow()),
      ]),
    ]
    let files: [(String, String)] = [
      ("meta.json", JSONWriter.snapshotFile.string(.object(meta)) + "\n"),
      ("spec.md", Self.specTemplate(friendly)),
      ("tasks/README.md", Self.tasksReadme),
      ("tasks/.gitkeep", ""),
      ("status.events.jsonl", events.joined(separator: "\n") + "\n"),
    ]
    let fm = FileManager.default
    if fm.fileExists(atPath: directory) { throw Failure(message: "\(directory) already exists") }
    do {
      for (name, text) in files {
        let path = "\(directory)/\(name)"
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try AtomicFile.write(text, to: path)
      }
    } catch {
      try? fm.removeItem(atPath: directory)
      throw Failure(
        message:
          "cannot write \(directory): \(FileError.isFoundationError(error) ? FileError.reason(error) : "\(error)")")
    }
    let paths = files.map { "\(MissionPaths.specsDirectory)/\(slug)/\($0.0)" }
    do {
      let outcome = try StatusCommitter(context: context).commit(
        paths: paths, branch: branch, message: "Add scaffold for feature \(slug)")
      if case .committed(let sha) = outcome {
        return Created(slug: slug, missionID: missionID, directory: directory, commit: sha)
      }
      return Created(slug: slug, missionID: missionID, directory: directory, commit: nil)
    } catch {
      try? fm.removeItem(atPath: directory)
      throw error
    }
  }

  static func specTemplate(_ name: String) -> String {
    """
    # Feature Specification: \(name)

    ## Functional Requirements

    | ID | Title | Description | Priority | Status |
    |----|-------|-------------|----------|--------|
    | FR-001 | (title) | (what the system must do) | High | Open |

    """
  }

  static let tasksReadme = """
    # Work packages

    One file per work package: `WP01-<short-name>.md`, with YAML frontmatter
    (`work_package_id`, `title`, `dependencies`, `subtasks`, `owned_files`, `execution_mode: code_change`)
    followed by the prompt. Then run `git kitty mission finalize <mission>`.

    """

  // MARK: mission finalize

  public struct Finalized: Sendable {
    public var lanes: LaneComputer.Result
    /// What finalize reports and goes on with (overlapping ownership between independent WPs).
    public var warnings: [String]
    public var seeded: [String]
    public var commit: String?
    /// WPs whose dependencies came from tasks.md (written into their frontmatter).
    public var dependenciesFromTasks: [String: [String]] = [:]
  }

  /// Validates every WP file, computes lanes.json, seeds `genesis -> planned` events for new WPs, commits.
  /// Nothing is written when a check fails.
  public func finalize(_ mission: Mission) throws -> Finalized {
    let branch = try currentUnprotectedBranch(action: "finalize a mission")
    var packages = try mission.workPackages()
    guard !packages.isEmpty else {
      throw Failure(message: "\(mission.tasksDirectory) has no WP files (tasks/WP01-<name>.md)")
    }
    // Readers take the first file of an id (as spec-kitty does); finalize refuses to leave the others unread.
    var files: [String: [String]] = [:]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: mission.tasksDirectory)) ?? [] {
      if let id = WorkPackage.id(fromFileName: name) { files[id, default: []].append(name) }
    }
    if let (id, names) = files.filter({ $0.value.count > 1 }).min(by: { $0.key < $1.key }) {
      throw Failure(message: "\(id) is declared by \(names.sorted().joined(separator: " and ")); keep one file per WP")
    }
    let rewrites = try dependenciesFromTasks(mission, &packages)
    _ = try mission.dependencyGraph(packages)
    let ownership = OwnershipCheck.check(packages)
    if !ownership.errors.isEmpty {
      throw Failure(message: "ownership validation failed: " + ownership.errors.joined(separator: "; "))
    }
    let result = try LaneComputer.compute(packages)
    let target = mission.targetBranch ?? branch
    let repo = try context.open()
    let planning = try repo.headCommitID()?.hex
    let lanesText = LaneComputer.manifestText(
      result, missionSlug: mission.slug, missionID: mission.meta?.missionID, targetBranch: target,
      computedAt: Timestamp.isoNow(), planningCommit: planning)
    let snapshot = try mission.snapshot()
    let seeded = packages.map(\.id).filter { snapshot.workPackages[$0] == nil }
    let lines = seeded.map { wp in
      TransitionRecord(
        wpID: wp, fromLane: .genesis, toLane: .planned, at: Timestamp.isoNow(), actor: "finalize-tasks",
        missionSlug: mission.slug, missionID: mission.meta?.missionID, reason: "canonical bootstrap"
      ).line
    }
    // Read strictly: a file that exists but cannot be read refuses the write instead of being replaced.
    let oldLanes = try FileBytes.read(mission.lanesPath)
    let oldEvents = try FileBytes.read(mission.eventsPath)
    let oldStatus = try FileBytes.read(mission.statusPath)
    do {
      for rewrite in rewrites { try AtomicFile.write(rewrite.text, to: rewrite.path) }
      try AtomicFile.write(lanesText, to: mission.lanesPath)
      if !lines.isEmpty { try EventLogWriter.append(lines, to: mission.eventsPath, existing: oldEvents) }
      try AtomicFile.write(try mission.materializedStatus(), to: mission.statusPath)
      let relative = { (path: String) in String(path.dropFirst(self.context.root.count + 1)) }
      var paths = [mission.lanesPath, mission.eventsPath, mission.statusPath].map(relative)
      paths += packages.map { relative($0.path) }
      let outcome = try StatusCommitter(context: context).commit(
        paths: paths, branch: branch, message: "Add tasks for feature \(mission.slug)")
      var commit: String?
      if case .committed(let sha) = outcome { commit = sha }
      return Finalized(
        lanes: result, warnings: ownership.warnings, seeded: seeded, commit: commit,
        dependenciesFromTasks: Dictionary(uniqueKeysWithValues: rewrites.map { ($0.wpID, $0.dependencies) }))
    } catch {
      for (path, old) in [
        (mission.lanesPath, oldLanes), (mission.eventsPath, oldEvents), (mission.statusPath, oldStatus),
      ] {
        if let old { try? AtomicFile.write(old, to: path) } else { unlink(path) }
      }
      for rewrite in rewrites { try? AtomicFile.write(rewrite.original, to: rewrite.path) }
      throw error
    }
  }

  /// A prompt file whose frontmatter gets the dependencies tasks.md declares.
  struct DependencyRewrite {
    var wpID: String
    var path: String
    var dependencies: [String]
    var original: Data
    var text: String
  }

  /// spec-kitty's finalize-tasks reads tasks.md too: its WP sections must match the WP files, and a WP without
  /// frontmatter dependencies takes the ones its section declares (they are written into the frontmatter, where
  /// every reader looks). Updates `packages`; returns the files to write.
  func dependenciesFromTasks(_ mission: Mission, _ packages: inout [WorkPackage]) throws -> [DependencyRewrite] {
    let path = "\(mission.directory)/\(TasksMarkdown.fileName)"
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    guard let text = String(data: data, encoding: .utf8) else { throw Failure(message: "\(path) is not valid UTF-8") }
    let changes: [String: [String]]
    do {
      changes = try TasksMarkdown.resolvedDependencies(packages, tasksText: text)
    } catch {
      throw Failure(message: error.description)
    }
    var rewrites: [DependencyRewrite] = []
    for index in packages.indices {
      guard let dependencies = changes[packages[index].id] else { continue }
      let wp = packages[index]
      guard let original = FileManager.default.contents(atPath: wp.path),
        let updated = String(data: original, encoding: .utf8).flatMap({
          FrontmatterEdit.settingList("dependencies", to: dependencies, in: $0)
        }),
        let reread = try? WorkPackage.parse(text: updated, path: wp.path), reread.dependencies == dependencies
      else {
        throw Failure(
          message:
            "\(wp.fileName): cannot write the dependencies tasks.md declares (\(dependencies.joined(separator: ", "))) "
            + "into its frontmatter; add them there by hand")
      }
      packages[index] = reread
      rewrites.append(
        DependencyRewrite(wpID: wp.id, path: wp.path, dependencies: dependencies, original: original, text: updated))
    }
    return rewrites
  }
}
