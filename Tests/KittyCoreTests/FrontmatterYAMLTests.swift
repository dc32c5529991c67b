import Foundation
@testable import KittyBasics
@testable import KittyCore
import KittyTestSupport
import Testing

/// The fast YAML reader on real spec-kitty WP frontmatter (split as the domain splits it) agrees with the full one.
@Suite struct FrontmatterYAMLTests {
  @Test func fastReaderHandlesSpecKittyFrontmatter() throws {
    let repo = try TestSupport.cloneFixture("lanes-merged")
    let tasks = try FileManager.default.subpathsOfDirectory(atPath: "\(repo)/kitty-specs").filter {
      $0.contains("/tasks/WP") && $0.hasSuffix(".md")
    }
    #expect(tasks.count == 4)
    for task in tasks {
      let text = try TestSupport.read("\(repo)/kitty-specs/\(task)")
      let (yaml, _) = try #require(WorkPackage.splitFrontmatter(text))
      let fast = try #require(SimpleYAML.parse(yaml), "fast reader declined \(task)")
      #expect(fast == (try YAML.parseFully(yaml)))
    }
  }
}
