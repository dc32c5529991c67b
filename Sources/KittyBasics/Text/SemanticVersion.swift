/// A dotted numeric version (`0.1.0`, `1.5`), compared component by component — the subset of
/// PEP 440 that provider versions use. Pre-release suffixes (`1.0.0rc1`, `1.0.0-beta`) sort before the release.
public struct SemanticVersion: Comparable, Sendable {
  public let components: [Int]
  public let prerelease: String?

  public init?(_ text: String) {
    var body = Substring(text.trimmingWhitespace)
    if body.hasPrefix("v") || body.hasPrefix("V") { body = body.dropFirst() }
    let numericPart = body.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
    let rest = body.dropFirst(numericPart.count)
    let parts = numericPart.split(separator: ".", omittingEmptySubsequences: false)
    guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty }), let numbers = Optional(parts.compactMap { Int($0) }),
      numbers.count == parts.count
    else { return nil }
    if rest.isEmpty {
      prerelease = nil
    } else {
      let tag = rest.drop { $0 == "-" || $0 == "." || $0 == "_" }.lowercased()
      let allowed = ["a", "b", "rc", "alpha", "beta", "c", "pre", "preview", "dev", "post"]
      guard allowed.contains(where: { tag.hasPrefix($0) }) else { return nil }
      prerelease = tag
    }
    components = numbers
  }

  public static func < (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool {
    let count = max(lhs.components.count, rhs.components.count)
    for i in 0..<count {
      let l = i < lhs.components.count ? lhs.components[i] : 0
      let r = i < rhs.components.count ? rhs.components[i] : 0
      if l != r { return l < r }
    }
    switch (lhs.prerelease, rhs.prerelease) {
    case (nil, nil): return false
    case (_?, nil): return !(lhs.prerelease!.hasPrefix("post"))
    case (nil, _?): return rhs.prerelease!.hasPrefix("post")
    case (let l?, let r?): return l < r
    }
  }

  public static func == (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool { !(lhs < rhs) && !(rhs < lhs) }
}
