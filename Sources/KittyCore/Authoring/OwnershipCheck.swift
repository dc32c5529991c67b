import Foundation

/// The `owned_files` checks of spec-kitty 3.2.7's finalize (`ownership/validation.py`): an
/// `authoritative_surface` must prefix one of the WP's `owned_files`, and two WPs that may run at the same time
/// (no dependency path between them) should not own overlapping files. `scope: codebase-wide` WPs are exempt.
public enum OwnershipCheck {
  public struct Outcome: Sendable, Equatable {
    /// Problems that stop finalize.
    public var errors: [String] = []
    /// Problems finalize reports and goes on with.
    public var warnings: [String] = []
  }

  /// Overlap between concurrent WPs is a warning here: the WPs land in one lane and so run one after the other.
  /// spec-kitty 3.2.7 refuses such a mission ("Ownership validation failed"), which the warning says.
  public static func check(_ workPackages: [WorkPackage]) -> Outcome {
    var outcome = Outcome()
    let narrow = workPackages.filter { $0.frontmatter["scope"]?.stringValue != "codebase-wide" }.sorted {
      $0.id < $1.id
    }
    for wp in narrow {
      guard let surface = wp.frontmatter["authoritative_surface"]?.stringValue else { continue }
      if surface.isEmpty {
        outcome.errors.append("\(wp.id): authoritative_surface is empty")
      } else if !wp.ownedFiles.contains(where: { $0.hasPrefix(surface) }) {
        outcome.errors.append(
          "\(wp.id): authoritative_surface '\(surface)' is not a prefix of any owned_files entry "
            + "(\(wp.ownedFiles.joined(separator: ", ")))")
      }
    }
    let ancestors = LaneComputer.transitiveDependencies(
      Dictionary(workPackages.map { ($0.id, $0.dependencies) }, uniquingKeysWith: { first, _ in first }))
    for (i, a) in narrow.enumerated() {
      for b in narrow[(i + 1)...] {
        if ancestors[a.id, default: []].contains(b.id) || ancestors[b.id, default: []].contains(a.id) { continue }
        let pairs = a.ownedFiles.flatMap { x in b.ownedFiles.filter { LaneComputer.overlaps(x, $0) }.map { (x, $0) } }
        guard let (globA, globB) = pairs.first else { continue }
        outcome.warnings.append(
          "\(a.id) ('\(globA)') and \(b.id) ('\(globB)') own overlapping files but neither depends on the other: "
            + "they share a lane and run one after the other (spec-kitty 3.2.7's finalize rejects this; "
            + "make one depend on the other or split the files)")
      }
    }
    return outcome
  }
}
