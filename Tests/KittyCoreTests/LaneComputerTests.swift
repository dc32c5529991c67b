import Foundation
import Testing

@testable import KittyCore

/// A WP file shaped like the ones `shared/tools/make_spec_kitty_mission.sh` writes before spec-kitty's finalize.
private func workPackage(
  _ id: String, dependencies: [String], file: String, mode: String = "code_change", extra: String = "",
  scope: String? = nil
) throws -> WorkPackage {
  let deps = dependencies.isEmpty ? "[]" : "[" + dependencies.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
  let text = """
    ---
    work_package_id: "\(id)"
    title: "\(id)"
    dependencies: \(deps)
    execution_mode: "\(mode)"
    owned_files:
      - "\(file)"
    authoritative_surface: "\(file)"
    create_intent:
      - "\(file)"
    \(scope.map { "scope: \($0)" } ?? "")
    ---

    # Work Package Prompt: \(id)

    ## Objectives & Success Criteria

    Create `\(file)`. \(extra)

    ## Subtasks & Detailed Guidance

    - **Files**: `\(file)`

    ## Activity Log

    - 2026-01-01T00:00:00Z – system – Prompt created.

    """
  return try WorkPackage.parse(text: text, path: "/m/tasks/\(id)-x.md")
}

@Suite struct LaneComputerTests {
  /// spec-kitty 3.2.7's lanes.json for WP01 -> WP02, WP03 -> WP01, WP04 -> WP02 + WP03 (disjoint files), written by
  /// `orchestrator-api tasks`: lanes are lettered by lowest WP id and listed by (parallel_group, lane_id).
  @Test func lanesAreLetteredByLowestWPAndListedByDepthLikeSpecKitty() throws {
    let packages = [
      try workPackage("WP01", dependencies: ["WP02"], file: "src/core.sh"),
      try workPackage("WP02", dependencies: [], file: "src/left.sh"),
      try workPackage("WP03", dependencies: ["WP01"], file: "src/right.sh"),
      try workPackage("WP04", dependencies: ["WP02", "WP03"], file: "src/main.sh"),
    ]
    let text = LaneComputer.manifestText(
      try LaneComputer.compute(packages), missionSlug: "demo-feature-01M80BFS", missionID: "01M80BFSX6WRV3ZZAS8DFKFBY7",
      targetBranch: "develop", computedAt: "2026-11-22T00:47:10.436914+00:00",
      planningCommit: "bd17b65088bc5264685c25ced6e47414486e069e")
    #expect(text == specKittyOrderedByDepth)
  }

  /// spec-kitty 3.2.7's lanes.json for a mission with a prefix overlap (`src/core.sh` vs `src/core.sh.d/left.sh`)
  /// between dependent WPs, a planning-artifact WP and surface keywords in two bodies.
  @Test func overlapPlanningLaneSurfacesAndCollapseReportMatchSpecKitty() throws {
    let packages = [
      try workPackage("WP01", dependencies: [], file: "src/core.sh", extra: "Expose the API endpoint."),
      try workPackage("WP02", dependencies: ["WP01"], file: "src/core.sh.d/left.sh"),
      try workPackage("WP03", dependencies: ["WP01"], file: "docs/notes.md", mode: "planning_artifact"),
      try workPackage(
        "WP04", dependencies: ["WP02", "WP03"], file: "src/main.sh", extra: "Show it on the dashboard."),
    ]
    let text = LaneComputer.manifestText(
      try LaneComputer.compute(packages), missionSlug: "demo-feature-01M80BHY", missionID: "01M80BHYDD33HA6DJQ1KRMFX2Y",
      targetBranch: "develop", computedAt: "2026-11-22T00:47:40.620677+00:00",
      planningCommit: "094e5dfdb27e9e3945c77f2913f7d227e4e49d32")
    #expect(text == specKittyPlanningAndCollapse)
  }

  @Test func membersOfALaneRunInDependencyOrder() throws {
    let packages = [
      try workPackage("WP01", dependencies: ["WP03"], file: "src/a/**"),
      try workPackage("WP02", dependencies: [], file: "src/b.sh"),
      try workPackage("WP03", dependencies: [], file: "src/a/x.sh"),
    ]
    let result = try LaneComputer.compute(packages)
    #expect(result.lanes.map(\.id) == ["lane-a", "lane-b"])
    #expect(result.lanes[0].wpIDs == ["WP03", "WP01"])
    #expect(result.lanes[0].writeScope == ["src/a/**", "src/a/x.sh"])
    #expect(result.collapses.map(\.evidence) == ["overlapping globs: 'src/a/**' vs 'src/a/x.sh'; WP01 depends on WP03"])
    #expect(result.independentCollapses == 0)
  }

  /// WP01 and WP03 share a file but WP02 sits between them: their lane and WP02's lane wait for each other.
  @Test func aCycleBetweenLanesIsRefused() throws {
    let packages = [
      try workPackage("WP01", dependencies: [], file: "src/shared.sh"),
      try workPackage("WP02", dependencies: ["WP01"], file: "src/other.sh"),
      try workPackage("WP03", dependencies: ["WP02"], file: "src/shared.sh"),
    ]
    #expect(throws: LaneComputer.LaneCycle.self) { try LaneComputer.compute(packages) }
    do {
      _ = try LaneComputer.compute(packages)
    } catch {
      #expect(error.path == ["lane-a", "lane-b", "lane-a"])
      #expect(error.description.contains("lane-a (WP01, WP03)"))
    }
  }

  @Test func globOverlapFollowsSpecKitty() {
    #expect(LaneComputer.overlaps("src/**", "src/context/x.py"))
    #expect(LaneComputer.overlaps("src/a.sh", "src/a.sh.d/x"))
    #expect(LaneComputer.overlaps("src/*.sh", "src/deep/x.sh"))
    #expect(LaneComputer.overlaps("*", "anything/at/all"))
    #expect(!LaneComputer.overlaps("src/a.sh", "src/b.sh"))
    #expect(!LaneComputer.overlaps("src/**", "tests/x"))
    #expect(!LaneComputer.overlaps("docs/*.md", "src/x.md"))
  }

  @Test func surfacesComeFromBodyKeywordsInTaxonomyOrder() {
    #expect(LaneComputer.surfaces(of: "Add a ROUTE and a Dashboard widget") == ["dashboard", "api"])
    #expect(LaneComputer.surfaces(of: "plain shell work") == [])
  }
}

@Suite struct OwnershipCheckTests {
  @Test func overlapBetweenIndependentWPsIsAWarningNotAnError() throws {
    let packages = [
      try workPackage("WP01", dependencies: [], file: "src/core.sh"),
      try workPackage("WP02", dependencies: ["WP01"], file: "src/left.sh"),
      try workPackage("WP03", dependencies: ["WP01"], file: "src/left.sh"),
    ]
    let outcome = OwnershipCheck.check(packages)
    #expect(outcome.errors.isEmpty)
    #expect(outcome.warnings.count == 1)
    #expect(outcome.warnings.first?.hasPrefix("WP02 ('src/left.sh') and WP03 ('src/left.sh') own overlapping") == true)
  }

  @Test func overlapAlongADependencyChainIsFine() throws {
    let packages = [
      try workPackage("WP01", dependencies: [], file: "src/core.sh"),
      try workPackage("WP02", dependencies: ["WP01"], file: "src/left.sh"),
      try workPackage("WP03", dependencies: ["WP02"], file: "src/core.sh"),
    ]
    #expect(OwnershipCheck.check(packages) == OwnershipCheck.Outcome())
  }

  @Test func codebaseWideWPsAreExempt() throws {
    let packages = [
      try workPackage("WP01", dependencies: [], file: "src/core.sh"),
      try workPackage("WP02", dependencies: [], file: "src/**", scope: "codebase-wide"),
    ]
    #expect(OwnershipCheck.check(packages).warnings.isEmpty)
  }

  @Test func anAuthoritativeSurfaceOutsideOwnedFilesIsAnError() throws {
    var wp = try workPackage("WP01", dependencies: [], file: "src/core.sh")
    wp.frontmatter["authoritative_surface"] = "lib/"
    let outcome = OwnershipCheck.check([wp])
    #expect(
      outcome.errors == ["WP01: authoritative_surface 'lib/' is not a prefix of any owned_files entry (src/core.sh)"])
  }
}

private let specKittyOrderedByDepth = """
  {
    "version": 1,
    "mission_slug": "demo-feature-01M80BFS",
    "mission_id": "01M80BFSX6WRV3ZZAS8DFKFBY7",
    "mission_branch": "kitty/mission-demo-feature-01M80BFS",
    "target_branch": "develop",
    "lanes": [
      {
        "lane_id": "lane-b",
        "wp_ids": [
          "WP02"
        ],
        "write_scope": [
          "src/left.sh"
        ],
        "predicted_surfaces": [],
        "depends_on_lanes": [],
        "parallel_group": 0
      },
      {
        "lane_id": "lane-a",
        "wp_ids": [
          "WP01"
        ],
        "write_scope": [
          "src/core.sh"
        ],
        "predicted_surfaces": [],
        "depends_on_lanes": [
          "lane-b"
        ],
        "parallel_group": 1
      },
      {
        "lane_id": "lane-c",
        "wp_ids": [
          "WP03"
        ],
        "write_scope": [
          "src/right.sh"
        ],
        "predicted_surfaces": [],
        "depends_on_lanes": [
          "lane-a"
        ],
        "parallel_group": 2
      },
      {
        "lane_id": "lane-d",
        "wp_ids": [
          "WP04"
        ],
        "write_scope": [
          "src/main.sh"
        ],
        "predicted_surfaces": [],
        "depends_on_lanes": [
          "lane-b",
          "lane-c"
        ],
        "parallel_group": 3
      }
    ],
    "computed_at": "2026-11-22T00:47:10.436914+00:00",
    "computed_from": "dependency_graph+ownership",
    "planning_artifact_wps": [],
    "planning_commit_sha": "bd17b65088bc5264685c25ced6e47414486e069e"
  }

  """

private let specKittyPlanningAndCollapse = """
  {
    "version": 1,
    "mission_slug": "demo-feature-01M80BHY",
    "mission_id": "01M80BHYDD33HA6DJQ1KRMFX2Y",
    "mission_branch": "kitty/mission-demo-feature-01M80BHY",
    "target_branch": "develop",
    "lanes": [
      {
        "lane_id": "lane-a",
        "wp_ids": [
          "WP01",
          "WP02"
        ],
        "write_scope": [
          "src/core.sh",
          "src/core.sh.d/left.sh"
        ],
        "predicted_surfaces": [
          "api"
        ],
        "depends_on_lanes": [],
        "parallel_group": 0
      },
      {
        "lane_id": "lane-planning",
        "wp_ids": [
          "WP03"
        ],
        "write_scope": [
          "docs/notes.md"
        ],
        "predicted_surfaces": [
          "planning"
        ],
        "depends_on_lanes": [
          "lane-a"
        ],
        "parallel_group": 1
      },
      {
        "lane_id": "lane-b",
        "wp_ids": [
          "WP04"
        ],
        "write_scope": [
          "src/main.sh"
        ],
        "predicted_surfaces": [
          "dashboard"
        ],
        "depends_on_lanes": [
          "lane-a",
          "lane-planning"
        ],
        "parallel_group": 2
      }
    ],
    "computed_at": "2026-11-22T00:47:40.620677+00:00",
    "computed_from": "dependency_graph+ownership",
    "planning_artifact_wps": [
      "WP03"
    ],
    "planning_commit_sha": "094e5dfdb27e9e3945c77f2913f7d227e4e49d32",
    "collapse_report": {
      "events": [
        {
          "wp_a": "WP01",
          "wp_b": "WP02",
          "rule": "write_scope_overlap",
          "evidence": "overlapping globs: 'src/core.sh' vs 'src/core.sh.d/left.sh'; WP02 depends on WP01"
        }
      ],
      "total_merges": 1,
      "independent_wps_collapsed": 0,
      "by_rule": {
        "write_scope_overlap": 1
      }
    }
  }

  """
