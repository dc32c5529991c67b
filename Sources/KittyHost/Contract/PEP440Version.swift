import Foundation

/// A provider version as spec-kitty reads `--provider-version`: a PEP 440 version (`packaging.version.Version`),
/// with epochs (`1!0.1.0`), pre-, post- and dev-releases (`0.1.0rc1`, `0.1.0.post1`, `0.1.0.dev3`) and local labels
/// (`0.1.0+build.7`), compared the way `packaging` compares them.
public struct PEP440Version: Comparable, Sendable {
  public let epoch: Int
  public let release: [Int]
  /// `a`, `b` or `rc` and its number.
  public let pre: (kind: String, number: Int)?
  public let post: Int?
  public let dev: Int?
  public let local: [String]

  /// `packaging`'s VERSION_PATTERN, matched case-insensitively after trimming whitespace.
  private static let pattern = try! NSRegularExpression(
    pattern: #"^v?(?:(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\.[0-9]+)*)"#
      + #"(?<pre>[-_\.]?(?<prel>alpha|a|beta|b|preview|pre|c|rc)[-_\.]?(?<pren>[0-9]+)?)?"#
      + #"(?<post>(?:-(?<posti>[0-9]+))|(?:[-_\.]?(?<postl>post|rev|r)[-_\.]?(?<postn>[0-9]+)?))?"#
      + #"(?<dev>[-_\.]?(?<devl>dev)[-_\.]?(?<devn>[0-9]+)?)?)(?:\+(?<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?$"#,
    options: [.caseInsensitive])

  public init?(_ text: String) {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    let range = NSRange(trimmed.startIndex..., in: trimmed)
    guard let match = Self.pattern.firstMatch(in: trimmed, range: range) else { return nil }
    func group(_ name: String) -> String? {
      let r = match.range(withName: name)
      guard r.location != NSNotFound, let swiftRange = Range(r, in: trimmed) else { return nil }
      return String(trimmed[swiftRange])
    }
    func number(_ name: String) -> Int? { group(name).flatMap { Int($0) } }
    guard let releaseText = group("release") else { return nil }
    let parts = releaseText.split(separator: ".").map { Int($0) }
    guard parts.allSatisfy({ $0 != nil }) else { return nil }
    epoch = number("epoch") ?? 0
    release = parts.map { $0! }
    if let label = group("prel") {
      let kind = ["alpha": "a", "a": "a", "beta": "b", "b": "b", "c": "rc", "pre": "rc", "preview": "rc", "rc": "rc"]
      pre = (kind[label] ?? label, number("pren") ?? 0)
    } else {
      pre = nil
    }
    if group("post") != nil {
      post = number("posti") ?? number("postn") ?? 0
    } else {
      post = nil
    }
    dev = group("dev") != nil ? (number("devn") ?? 0) : nil
    local = group("local").map { $0.split(whereSeparator: { "-_.".contains($0) }).map(String.init) } ?? []
  }

  public static func == (lhs: PEP440Version, rhs: PEP440Version) -> Bool {
    !(lhs < rhs) && !(rhs < lhs)
  }

  public static func < (lhs: PEP440Version, rhs: PEP440Version) -> Bool {
    if lhs.epoch != rhs.epoch { return lhs.epoch < rhs.epoch }
    let l = lhs.trimmedRelease
    let r = rhs.trimmedRelease
    for i in 0..<max(l.count, r.count) {
      let a = i < l.count ? l[i] : 0
      let b = i < r.count ? r[i] : 0
      if a != b { return a < b }
    }
    if lhs.preKey != rhs.preKey { return lhs.preKey < rhs.preKey }
    if (lhs.post ?? -1) != (rhs.post ?? -1) { return (lhs.post ?? -1) < (rhs.post ?? -1) }
    if (lhs.dev ?? Int.max) != (rhs.dev ?? Int.max) { return (lhs.dev ?? Int.max) < (rhs.dev ?? Int.max) }
    return Self.localLess(lhs.local, rhs.local)
  }

  private var trimmedRelease: [Int] {
    var parts = release
    while parts.count > 1, parts.last == 0 { parts.removeLast() }
    return parts
  }

  /// `packaging`'s pre-release key: a dev-only release sorts before every pre-release, a final release after.
  private var preKey: PreKey {
    if let pre { return .pre(["a": 0, "b": 1, "rc": 2][pre.kind] ?? 0, pre.number) }
    if post == nil, dev != nil { return .beforeAll }
    return .afterAll
  }

  private enum PreKey: Comparable {
    case beforeAll
    case pre(Int, Int)
    case afterAll
  }

  /// Local labels: absent sorts first; numeric segments sort after alphanumeric ones and compare as numbers.
  private static func localLess(_ l: [String], _ r: [String]) -> Bool {
    for (a, b) in zip(l, r) where a != b {
      switch (Int(a), Int(b)) {
      case (let x?, let y?): return x < y
      case (nil, _?): return true
      case (_?, nil): return false
      case (nil, nil): return a < b
      }
    }
    return l.count < r.count
  }
}
