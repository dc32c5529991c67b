import Foundation

/// Resolves a `--mission` handle to a mission directory: canonical slug, full mission ULID, mid8,
/// human slug (when exactly one mission carries it) or legacy `NNN` prefix.
public enum MissionLocator {
  /// Resolves `handle` inside `repoRoot/kitty-specs`.
  public static func resolve(_ handle: String, repoRoot: String) throws(MissionError) -> Mission {
    let trimmed = handle.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { throw .emptyHandle }
    guard MissionPaths.isSafeSegment(trimmed), !trimmed.hasPrefix(".") else { throw .unsafeHandle(handle) }
    let specs = "\(repoRoot)/\(MissionPaths.specsDirectory)"
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: specs, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw .noSpecsDirectory(repoRoot: repoRoot)
    }
    let names = missionDirectories(specs)
    if names.contains(trimmed) { return try Mission(repoRoot: repoRoot, slug: trimmed) }

    let candidates: [String]
    if trimmed.count == 26, EventLogReader.isULID(trimmed.uppercased()) {
      candidates = names.filter { name in
        (try? Mission.readMeta(directory: "\(specs)/\(name)", slug: name))??.missionID == trimmed.uppercased()
      }
    } else if trimmed.count == 8, EventLogReader.isULID(trimmed.uppercased() + "AAAAAAAAAAAAAAAAAA") {
      candidates = names.filter { mid8Suffix(of: $0) == trimmed.uppercased() }
    } else if trimmed.allSatisfy(\.isNumber), let number = Int(trimmed) {
      candidates = names.filter { legacyNumber(of: $0) == number }
    } else {
      candidates = names.filter { name in
        guard let mid = mid8Suffix(of: name) else { return false }
        return String(name.dropLast(mid.count + 1)) == trimmed
      }
    }
    switch candidates.count {
    case 0: throw .notFound(handle)
    case 1: return try Mission(repoRoot: repoRoot, slug: candidates[0])
    default: throw .ambiguous(handle, candidates: candidates)
    }
  }

  /// Mission directory names (each holding meta.json, tasks/ or an event log), sorted.
  public static func missionDirectories(_ specs: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: specs)) ?? []
    return names.filter { name in
      var isDirectory: ObjCBool = false
      return !name.hasPrefix(".")
        && FileManager.default.fileExists(atPath: "\(specs)/\(name)", isDirectory: &isDirectory)
        && isDirectory.boolValue
    }.sorted()
  }

  /// The trailing `-<MID8>` of a canonical slug, nil for slugs without one.
  public static func mid8Suffix(of slug: String) -> String? {
    guard let dash = slug.lastIndex(of: "-") else { return nil }
    let suffix = String(slug[slug.index(after: dash)...])
    guard suffix.count == 8, EventLogReader.isULID(suffix + "AAAAAAAAAAAAAAAAAA") else { return nil }
    return suffix
  }

  /// The `NNN` of a legacy `NNN-slug` directory.
  public static func legacyNumber(of slug: String) -> Int? {
    let digits = slug.prefix { $0.isASCII && $0.isNumber }
    guard digits.count == 3, slug.dropFirst(3).first == "-" else { return nil }
    return Int(digits)
  }
}
