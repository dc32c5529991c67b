import Foundation
import KittyGit
import KittyTestSupport
import Testing

@Suite struct OIDTests {
  @Test func hexRoundTripsARealObjectID() throws {
    let root = try TestSupport.makeRepository()
    let hex = try Oracle.line(["rev-parse", "HEAD"], in: root)
    let oid = try #require(OID(hex: hex))
    #expect(oid.hex == hex)
    #expect(oid.description == hex)
    #expect(oid.short == String(hex.prefix(7)))
    #expect(oid.short == (try Oracle.line(["rev-parse", "--short=7", "HEAD"], in: root)))
    #expect(oid.isZero == false)
    #expect(OID(hex: oid.hex) == oid)
  }

  @Test(arguments: [
    "0123456789abcdef0123456789abcdef01234567", "ffffffffffffffffffffffffffffffffffffffff",
    "0000000000000000000000000000000000000001",
  ])
  func hexRoundTrip(hex: String) throws {
    let oid = try #require(OID(hex: hex))
    #expect(oid.hex == hex)
  }

  @Test func uppercaseHexIsAcceptedAndPrintedLowercase() throws {
    let oid = try #require(OID(hex: "ABCDEF0123456789ABCDEF0123456789ABCDEF01"))
    #expect(oid.hex == "abcdef0123456789abcdef0123456789abcdef01")
  }

  @Test func zeroOID() throws {
    let zero = try #require(OID(hex: String(repeating: "0", count: 40)))
    #expect(zero.isZero)
  }

  @Test(arguments: [
    "", "abc", "0123456789abcdef0123456789abcdef0123456",  // 39
    "0123456789abcdef0123456789abcdef012345678",  // 41
    "0123456789abcdef0123456789abcdef0123456g", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    " 123456789abcdef0123456789abcdef01234567", "0123456789abcdef0123456789abcdef0123456\n",
    "0123456789abcdef0123456789abcdef0123456-", "0123456789abcdef0123456789abcdef0123456é",
    "0123456789abcdef0123456789abcdef01234567 ",
  ])
  func rejectsBadHex(hex: String) {
    #expect(OID(hex: hex) == nil, "\(hex.debugDescription)")
  }

  @Test func equalityAndHashingFollowTheBytes() throws {
    let a = try #require(OID(hex: "0123456789abcdef0123456789abcdef01234567"))
    let b = try #require(OID(hex: "0123456789ABCDEF0123456789ABCDEF01234567"))
    let c = try #require(OID(hex: "0123456789abcdef0123456789abcdef01234568"))
    #expect(a == b)
    #expect(a != c)
    #expect(Set([a, b, c]).count == 2)
  }

  @Test func libgit2VersionIsTheOneDocumented() {
    #expect(Libgit2.version == "1.5.1")
  }
}
