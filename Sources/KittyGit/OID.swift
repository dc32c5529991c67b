import CLibgit2

/// A git object id (SHA-1), as a value type.
public struct OID: Hashable, Sendable, CustomStringConvertible {
  public let raw: git_oid

  public init(_ raw: git_oid) { self.raw = raw }

  /// Parses 40 hex characters.
  public init?(hex: String) {
    guard hex.utf8.count == 40 else { return nil }
    // A malformed id makes libgit2 set its thread-local error, which needs the library initialised.
    Libgit2.ensureInitialised()
    var oid = git_oid()
    guard git_oid_fromstr(&oid, hex) == 0 else { return nil }
    raw = oid
  }

  public var hex: String {
    var copy = raw
    var buffer = [CChar](repeating: 0, count: 41)
    git_oid_tostr(&buffer, 41, &copy)
    return String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  public var short: String { String(hex.prefix(7)) }
  public var description: String { hex }
  public var isZero: Bool {
    var copy = raw
    return git_oid_is_zero(&copy) == 1
  }

  public static func == (lhs: OID, rhs: OID) -> Bool {
    var l = lhs.raw
    var r = rhs.raw
    return git_oid_equal(&l, &r) == 1
  }

  public func hash(into hasher: inout Hasher) {
    withUnsafeBytes(of: raw.id) { hasher.combine(bytes: $0) }
  }
}
