import Foundation
@testable import KittyCore
import Testing

/// tasks.md dependency declarations, read as spec-kitty 3.2.7's `core/dependency_parser.py` reads them.
@Suite struct TasksMarkdownTests {
  func parsed(_ text: String) -> [String: [String]] {
    Dictionary(uniqueKeysWithValues: TasksMarkdown.dependencies(text).map { ($0.wpID, $0.dependencies) })
  }

  @Test func theFixtureMissionsTasksFile() {
    let text = """
      # Work Packages

      ## Work Package WP01: Core (Priority: P0)

      ### Dependencies

      - None (starting package).

      ## Work Package WP02: Left (Priority: P1)

      ### Dependencies

      - Depends on WP01.

      ## Work Package WP04: Integration (Priority: P2)

      ### Dependencies

      - Depends on WP02, WP03.
      """
    #expect(TasksMarkdown.dependencies(text).map(\.wpID) == ["WP01", "WP02", "WP04"])
    #expect(parsed(text) == ["WP01": [], "WP02": ["WP01"], "WP04": ["WP02", "WP03"]])
  }

  @Test func everyDeclarationFormCounts() {
    let text = """
      ## WP01
      Nothing.
      ## WP02 — inline
      Depends on WP01
      ## Work Package 3 — colon line
      **Dependencies**: WP01, WP02 (both)
      ## Work Package 04: table
      | Owner | Dependencies: WP03 | Size |
      ### WP05: bullets
      #### Dependencies
      - WP01 first
      * WP04
      - not an id, so the list ends
      - WP02
      ## WP06
      Dependencies: none yet, maybe WP01 later
      depend on wp02
      """
    #expect(
      parsed(text) == [
        "WP01": [], "WP02": ["WP01"], "WP03": ["WP01", "WP02"], "WP04": ["WP03"], "WP05": ["WP01", "WP04"],
        "WP06": [],
      ])
  }

  @Test func theLastSectionEndsAtTheNextOtherHeading() {
    let text = """
      ## WP01
      ## WP02
      Depends on WP01
      ## Notes
      Depends on WP09 (prose after the last WP declares nothing)
      """
    #expect(parsed(text) == ["WP01": [], "WP02": ["WP01"]])
  }

  @Test func headingsThatDoNotNameAWorkPackage() {
    for title in ["Work Package 123", "Work Package 1x", "WP1", "Overview", "WP012"] {
      #expect(TasksMarkdown.dependencies("## \(title)\nDepends on WP01\n").isEmpty, "\(title)")
    }
    #expect(TasksMarkdown.dependencies("## Work Package 7\n").map(\.wpID) == ["WP07"])
  }

  func package(_ id: String, _ dependencies: [String]) -> WorkPackage {
    WorkPackage(
      id: id, title: id, dependencies: dependencies, subtasks: [], ownedFiles: [], executionMode: nil,
      path: "/x/\(id).md", frontmatter: [:], body: "")
  }

  @Test func frontmatterListsWinAndEmptyOnesTakeTheSections() throws {
    let text = "## WP01\n## WP02\nDepends on WP01\n## WP03\nDepends on WP01\n"
    let changes = try TasksMarkdown.resolvedDependencies(
      [package("WP01", []), package("WP02", []), package("WP03", ["WP02"])], tasksText: text)
    #expect(changes == ["WP02": ["WP01"]])
  }

  @Test func sectionsMustMatchTheFiles() {
    #expect(throws: TasksMarkdown.CoverageError(missing: ["WP02"], extra: ["WP05"])) {
      try TasksMarkdown.resolvedDependencies(
        [package("WP01", []), package("WP02", [])], tasksText: "## WP01\n## WP05\n")
    }
  }
}

@Suite struct FrontmatterEditTests {
  @Test func replacesABlockListAndKeepsEverythingElse() {
    let text = "---\nid: WP02\ndependencies:\n  - WP09\n  - WP08\nowned_files:\n- a # kept\n---\nbody: x\n"
    #expect(
      FrontmatterEdit.settingList("dependencies", to: ["WP01"], in: text)
        == "---\nid: WP02\ndependencies:\n- WP01\nowned_files:\n- a # kept\n---\nbody: x\n")
  }

  @Test func replacesAnInlineValue() {
    #expect(
      FrontmatterEdit.settingList("dependencies", to: ["WP01", "WP02"], in: "---\ndependencies: []\nx: 1\n---\n")
        == "---\ndependencies:\n- WP01\n- WP02\nx: 1\n---\n")
  }

  @Test func addsAMissingKeyBeforeTheClosingLine() {
    #expect(
      FrontmatterEdit.settingList("dependencies", to: ["WP01"], in: "---\r\nx: 1\r\n---\r\n# dependencies: no\r\n")
        == "---\r\nx: 1\r\ndependencies:\r\n- WP01\r\n---\r\n# dependencies: no\r\n")
  }

  @Test func noFrontmatterNoEdit() {
    #expect(FrontmatterEdit.settingList("dependencies", to: ["WP01"], in: "# title\n") == nil)
    #expect(FrontmatterEdit.settingList("dependencies", to: ["WP01"], in: "---\nx: 1\n") == nil)
  }
}
