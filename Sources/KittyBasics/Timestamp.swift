import Foundation

/// Timestamps in the form spec-kitty writes: `2026-11-21T22:50:13.639144+00:00` (microseconds, UTC).
public enum Timestamp {
  /// Python's `datetime.now(timezone.utc).isoformat()`: the fraction is omitted when it is zero.
  public static func isoNow() -> String { iso(microsecondsSinceEpoch: nowMicroseconds()) }

  public static func nowMicroseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec / 1000)
  }

  public static func iso(microsecondsSinceEpoch micros: Int64, alwaysFraction: Bool = false) -> String {
    var seconds = time_t(micros / 1_000_000)
    let fraction = Int(micros % 1_000_000)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    let base = String(
      format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    if fraction == 0 && !alwaysFraction { return base + "+00:00" }
    return base + String(format: ".%06d", fraction) + "+00:00"
  }

  /// `YYYY-MM-DDTHH:MM:SSZ` (used in history notes).
  public static func isoSecondsZ(microsecondsSinceEpoch micros: Int64) -> String {
    var seconds = time_t(micros / 1_000_000)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    return String(
      format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
  }
}
