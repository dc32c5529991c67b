/// Python's `difflib.get_close_matches` (n=3, cutoff=0.6), which click uses for "did you mean" hints.
public enum CloseMatches {
  /// Candidates scoring at least `cutoff`, best first (ties: the larger string first, as Python's heap does).
  public static func find(
    _ word: String, in possibilities: [String], count: Int = 3, cutoff: Double = 0.6,
    ordered: Bool = true
  ) -> [String] {
    let target = Array(word.unicodeScalars)
    var scored: [(Double, String)] = []
    for candidate in possibilities {
      let score = ratio(Array(candidate.unicodeScalars), target)
      if score >= cutoff { scored.append((score, candidate)) }
    }
    scored.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 > $1.1 }
    return scored.prefix(count).map(\.1)
  }

  /// `SequenceMatcher(None, a, b).ratio()`: 2·M/T over the recursively found longest matching blocks.
  static func ratio(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Double {
    let total = a.count + b.count
    guard total > 0 else { return 1 }
    return 2.0 * Double(matched(a, 0, a.count, b, 0, b.count)) / Double(total)
  }

  private static func matched(
    _ a: [Unicode.Scalar], _ alo: Int, _ ahi: Int, _ b: [Unicode.Scalar], _ blo: Int, _ bhi: Int
  ) -> Int {
    guard alo < ahi, blo < bhi else { return 0 }
    // Longest common block, earliest in a, then earliest in b (difflib's find_longest_match without junk).
    var best = (i: alo, j: blo, size: 0)
    var lengths = [Int](repeating: 0, count: bhi - blo + 1)
    for i in alo..<ahi {
      var next = [Int](repeating: 0, count: bhi - blo + 1)
      for j in blo..<bhi where a[i] == b[j] {
        let k = lengths[j - blo] + 1
        next[j - blo + 1] = k
        if k > best.size { best = (i - k + 1, j - k + 1, k) }
      }
      lengths = next
    }
    guard best.size > 0 else { return 0 }
    return best.size + matched(a, alo, best.i, b, blo, best.j)
      + matched(a, best.i + best.size, ahi, b, best.j + best.size, bhi)
  }
}
