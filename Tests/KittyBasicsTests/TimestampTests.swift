import Foundation
import KittyBasics
import Testing

/// Timestamps are built without `String(format:)`; they must read exactly as the `%0Nd` formats did.
@Suite struct TimestampTests {
  @Test func isoMatchesThePrintfFormOverManyInstants() {
    var generator = SystemRandomNumberGenerator()
    let instants: [Int64] =
      [0, 1, 999_999, 1_000_000, 1_764_927_013_639_144, 253_402_300_799_999_999]
      + (0..<200).map { _ in Int64.random(in: 0...4_102_444_800_000_000, using: &generator) }
    for micros in instants {
      var seconds = time_t(micros / 1_000_000)
      var parts = tm()
      gmtime_r(&seconds, &parts)
      let base = String(
        format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
        Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
      let fraction = String(format: ".%06d", Int(micros % 1_000_000))
      let short = micros % 1_000_000 == 0 ? base + "+00:00" : base + fraction + "+00:00"
      #expect(Timestamp.iso(microsecondsSinceEpoch: micros) == short, "\(micros)")
      #expect(Timestamp.iso(microsecondsSinceEpoch: micros, alwaysFraction: true) == base + fraction + "+00:00")
      #expect(Timestamp.isoSecondsZ(microsecondsSinceEpoch: micros) == base + "Z")
    }
  }
}
