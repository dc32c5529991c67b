import Foundation
@testable import KittyCore
import KittyTestSupport
import Testing

/// The read verbs' prompt-file index gives what parsing every prompt file gives, and parses again exactly the files
/// that changed.
@Suite struct PromptFileIndexTests {
  /// A mission directory with `count` chained WPs, and an index in a private directory.
  struct Fixture {
    let root = TestSupport.temporaryDirectory("prompts")
    let slug = "index-mission-01KE6P4Y"
    var mission: Mission { get throws { try Mission(repoRoot: root, slug: slug) } }
    var index: PromptFileIndex { PromptFileIndex(directory: "\(root)/cache") }
    var tasks: String { "\(root)/kitty-specs/\(slug)/tasks" }

    init(count: Int) throws {
      for n in 1...count { try write(n, title: "Work \(n)") }
    }

    func path(_ n: Int) -> String { String(format: "%@/WP%02d-work.md", tasks, n) }

    func write(_ n: Int, title: String, dependencies: String? = nil) throws {
      let deps = dependencies ?? (n > 1 ? String(format: "[WP%02d]", n - 1) : "[]")
      try TestSupport.write(
        String(
          format: "---\nwork_package_id: WP%02d\ntitle: %@\ndependencies: %@\nsubtasks:\n- T%02d\n"
            + "owned_files:\n- src/%02d.txt\nexecution_mode: code_change\n---\n\n# Body %02d\n", n, title, deps, n, n,
          n),
        to: path(n))
    }

    /// Moves a file's times back past the index's racy window, as if it had been written a minute ago.
    func age(_ n: Int) {
      var times = [timespec(tv_sec: time(nil) - 60, tv_nsec: 0), timespec(tv_sec: time(nil) - 60, tv_nsec: 0)]
      _ = utimensat(AT_FDCWD, path(n), &times, 0)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: root) }
  }

  static func outline(_ wps: [WorkPackage]) -> [String] {
    wps.map {
      "\($0.id)|\($0.title)|\($0.dependencies)|\($0.subtasks)|\($0.ownedFiles)|\($0.executionMode ?? "")|\($0.path)"
    }
  }

  @Test func theIndexGivesWhatParsingEveryFileGives() throws {
    let fixture = try Fixture(count: 5)
    defer { fixture.cleanup() }
    let mission = try fixture.mission
    let parsed = try mission.workPackages()
    let first = try fixture.index.workPackages(of: mission)
    #expect(Self.outline(first) == Self.outline(parsed))
    #expect(first.allSatisfy { $0.frontmatter.isEmpty && $0.body.isEmpty }, "the index keeps no frontmatter or body")
    for n in 1...5 { fixture.age(n) }
    _ = try fixture.index.workPackages(of: mission)  // indexes the aged files
    let file = fixture.index.file(for: mission.tasksDirectory)
    #expect(fixture.index.load(file, tasksDirectory: mission.tasksDirectory).count == 5, "five files indexed")
    let second = try PromptFileIndex(directory: fixture.index.directory).workPackages(of: mission)
    #expect(Self.outline(second) == Self.outline(parsed))
  }

  @Test func aChangedFileIsParsedAgainEvenWithItsSizeAndModificationTimeKept() throws {
    let fixture = try Fixture(count: 3)
    defer { fixture.cleanup() }
    let mission = try fixture.mission
    for n in 1...3 { fixture.age(n) }
    _ = try fixture.index.workPackages(of: mission)
    // Same length, same modification time: only the change time (and the content) tell.
    try fixture.write(2, title: "Kept 2")
    fixture.age(2)
    var got = try fixture.index.workPackages(of: mission)
    #expect(got.map(\.title) == ["Work 1", "Kept 2", "Work 3"])
    // A new file, a removed file, a new dependency.
    try fixture.write(4, title: "Work 4", dependencies: "[WP01, WP03]")
    try FileManager.default.removeItem(atPath: fixture.path(1))
    try fixture.write(2, title: "Kept 2", dependencies: "[]")
    got = try fixture.index.workPackages(of: mission)
    #expect(got.map(\.id) == ["WP02", "WP03", "WP04"])
    #expect(got.map(\.dependencies) == [[], ["WP02"], ["WP01", "WP03"]])
  }

  @Test func anInvalidFileIsReportedAsParsingReportsIt() throws {
    let fixture = try Fixture(count: 3)
    defer { fixture.cleanup() }
    let mission = try fixture.mission
    for n in 1...3 { fixture.age(n) }
    _ = try fixture.index.workPackages(of: mission)
    try TestSupport.write("---\nwork_package_id: WP02\nbogus_field: 1\n---\n", to: fixture.path(2))
    var expected: MissionError?
    do { _ = try mission.workPackages() } catch { expected = error }
    var got: MissionError?
    do { _ = try fixture.index.workPackages(of: mission) } catch { got = error }
    #expect(expected != nil)
    #expect(got == expected)
  }

  @Test func filesChangedWithinTheRacyWindowAreNotIndexed() throws {
    let fixture = try Fixture(count: 2)
    defer { fixture.cleanup() }
    let mission = try fixture.mission
    fixture.age(1)
    _ = try fixture.index.workPackages(of: mission)
    let stored = fixture.index.load(
      fixture.index.file(for: mission.tasksDirectory), tasksDirectory: mission.tasksDirectory)
    #expect(stored.keys.sorted() == ["WP01-work.md"], "WP01 only")
  }

  @Test func aDamagedIndexIsIgnored() throws {
    let fixture = try Fixture(count: 4)
    defer { fixture.cleanup() }
    let mission = try fixture.mission
    for n in 1...4 { fixture.age(n) }
    let parsed = Self.outline(try mission.workPackages())
    _ = try fixture.index.workPackages(of: mission)
    let file = fixture.index.file(for: mission.tasksDirectory)
    let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
    #expect(fixture.index.load(file, tasksDirectory: mission.tasksDirectory).count == 4)
    var damaged: [[UInt8]] = stride(from: 0, to: good.count, by: max(1, good.count / 30)).map { Array(good.prefix($0)) }
    for offset in stride(from: 0, to: good.count, by: max(1, good.count / 40)) {
      var copy = good
      copy[offset] ^= 0x5A
      damaged.append(copy)
    }
    damaged.append(Array("{\"version\": 1}\n".utf8))
    for bytes in damaged {
      try Data(bytes).write(to: URL(fileURLWithPath: file))
      #expect(fixture.index.load(file, tasksDirectory: mission.tasksDirectory).isEmpty, "\(bytes.count) bytes")
      #expect(Self.outline(try fixture.index.workPackages(of: mission)) == parsed)
    }
  }

  /// Prompt file names give their WP id by the same rules whether they are ASCII (read byte by byte) or not.
  @Test(
    arguments: [
      ("WP01-core.md", "WP01"), ("WP001_x.md", "WP001"), ("WP12.md", "WP12"), ("WP07.draft.md", "WP07"),
      ("WP1-core.md", nil), ("WP01core.md", nil), ("WP01-core.txt", nil), ("wp01-core.md", nil), ("WP.md", nil),
      ("WPmd", nil), ("WP01-café.md", "WP01"), ("WP0١-x.md", nil),
    ] as [(String, String?)])
  func workPackageIDsFromFileNames(name: String, id: String?) {
    #expect(WorkPackage.id(fromFileName: name) == id)
  }
}
