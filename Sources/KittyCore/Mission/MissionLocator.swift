import Foundation

/// Resolves a `--mission` handle to a mission directory the way spec-kitty 3.2.7 does: exact directory
/// name, full mission ULID, mid8 (prefix of the ULID), human slug without its mid8 tail, legacy `NNN`.
/// Unlike spec-kitty, a handle that matches several missions is reported as ambiguous.
public enum MissionLocator {
  /// NAME_MAX: the longest directory name, so the longest handle that can name a mission.
  public static let maximumHandleBytes = 255

  public static func resolve(_ handle: String, repoRoot: String) throws(MissionError) -> Mission {
    // No directory name is longer than NAME_MAX; the message shows only the start of such a handle.
    if handle.utf8.count > maximumHandleBytes {
      throw .unsafeHandle(
        handle,
        "Mission handle '\(handle.prefix(40))…' is \(handle.utf8.count) bytes long; a mission directory name is at "
          + "most \(maximumHandleBytes) bytes. Pass the mission's slug, mid8 or ULID (git kitty mission list).")
    }
    // An empty handle gets spec-kitty's own text too ("… value must not be empty or whitespace-only.").
    if let problem = MissionPaths.safeSegmentProblem(handle) { throw .unsafeHandle(handle, problem) }
    let specs = "\(repoRoot)/\(MissionPaths.specsDirectory)"
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: specs, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw .noSpecsDirectory(repoRoot: repoRoot)
    }
    let names = missionDirectories(specs)
    if names.contains(handle) { return try Mission(repoRoot: repoRoot, slug: handle) }

    // The index spec-kitty's resolver builds: missions whose meta.json carries a mission_id.
    let indexed: [(name: String, missionID: String)] = names.compactMap { name in
      guard let meta = try? Mission.readMeta(directory: "\(specs)/\(name)", slug: name),
        let id = meta.missionID, !id.isEmpty
      else { return nil }
      return (name, id)
    }
    let isUpperAlnum = handle.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("A"..."Z").contains($0) }
    let allDigits = handle.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
    var candidates: [String] = []
    if handle.count == 26 && isUpperAlnum {
      candidates = indexed.filter { $0.missionID == handle }.map(\.name)
    } else if handle.count == 8 && isUpperAlnum {
      candidates = indexed.filter { $0.missionID.hasPrefix(handle) }.map(\.name)
    } else if allDigits {
      candidates = names.filter { name in legacyNumberText(of: name) == handle }
    } else {
      // A legacy `NNN-human` directory named by its human part, or a modern `human-MID8` directory.
      candidates = names.filter { name in
        if legacyNumber(of: name) != nil, String(name.dropFirst(4)) == handle { return true }
        guard let mid = mid8Suffix(of: name) else { return false }
        return String(name.dropLast(mid.count + 1)) == handle
      }
    }
    switch candidates.count {
    case 0: throw .notFound(handle)
    case 1: return try Mission(repoRoot: repoRoot, slug: candidates[0])
    default: throw .ambiguous(handle, candidates: candidates)
    }
  }

  /// Mission directory names, sorted.
  public static func missionDirectories(_ specs: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: specs)) ?? []
    return names.filter { name in
      var isDirectory: ObjCBool = false
      return !name.hasPrefix(".")
        && FileManager.default.fileExists(atPath: "\(specs)/\(name)", isDirectory: &isDirectory)
        && isDirectory.boolValue
    }.sorted()
  }

  /// The trailing `-<MID8>` of a canonical slug (Crockford base32, upper case), nil for slugs without one.
  public static func mid8Suffix(of slug: String) -> String? {
    guard let dash = slug.lastIndex(of: "-") else { return nil }
    let suffix = String(slug[slug.index(after: dash)...])
    guard suffix.count == 8, suffix.allSatisfy({ EventLogReader.ulidCharacters.contains($0) }) else { return nil }
    return suffix
  }

  /// The `NNN` of a legacy `NNN-slug` directory (exactly three digits).
  public static func legacyNumber(of slug: String) -> Int? {
    legacyNumberText(of: slug).flatMap { Int($0) }
  }

  static func legacyNumberText(of slug: String) -> String? {
    let scalars = Array(slug.unicodeScalars)
    guard scalars.count > 4, scalars[3] == "-", scalars[0..<3].allSatisfy({ ("0"..."9").contains($0) }) else {
      return nil
    }
    return String(String.UnicodeScalarView(scalars[0..<3]))
  }

  /// The leading number of any `<digits>-…` slug (status.json's fallback for `mission_number`).
  public static func leadingNumber(of slug: String) -> Int? {
    let digits = slug.prefix { $0.isASCII && $0.isNumber }
    guard !digits.isEmpty, slug.dropFirst(digits.count).first == "-" else { return nil }
    return Int(digits)
  }
}
