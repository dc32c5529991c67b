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
    let base = dateAndTime(parts)
    if fraction == 0 && !alwaysFraction { return base + "+00:00" }
    return base + "." + padded(fraction, 6) + "+00:00"
  }

  /// `YYYY-MM-DDTHH:MM:SSZ` (used in history notes).
  public static func isoSecondsZ(microsecondsSinceEpoch micros: Int64) -> String {
    var seconds = time_t(micros / 1_000_000)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    return dateAndTime(parts) + "Z"
  }

  /// `%04d-%02d-%02dT%02d:%02d:%02d` of the broken-down time.
  private static func dateAndTime(_ parts: tm) -> String {
    padded(Int(parts.tm_year) + 1900, 4) + "-" + padded(Int(parts.tm_mon) + 1, 2) + "-" + padded(Int(parts.tm_mday), 2)
      + "T" + padded(Int(parts.tm_hour), 2) + ":" + padded(Int(parts.tm_min), 2) + ":" + padded(Int(parts.tm_sec), 2)
  }

  /// `%0<width>d`, without `String(format:)`: its `CVarArg` casts scan the protocol conformances of the whole binary
  /// on first use, a measurable part of a read verb's run.
  static func padded(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    let count = digits.utf8.count
    guard count < width else { return digits }
    if value < 0 { return "-" + String(repeating: "0", count: width - count) + digits.dropFirst() }
    return String(repeating: "0", count: width - count) + digits
  }
}
