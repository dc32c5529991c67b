import Foundation
import Synchronization

/// ULIDs as spec-kitty writes them: 26 Crockford base32 characters, 48-bit millisecond time then 80 random
/// bits. Within one process, ids are strictly increasing even within the same millisecond.
public enum ULID {
  private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
  private static let state = Monotonic()

  /// A new id for `milliseconds` since the epoch (now by default).
  public static func make(milliseconds: UInt64 = UInt64(Timestamp.nowMicroseconds() / 1000)) -> String {
    let (time, random) = state.next(milliseconds: milliseconds)
    var bytes = [UInt8](repeating: 0, count: 26)
    var t = time
    for i in stride(from: 9, through: 0, by: -1) {
      bytes[i] = alphabet[Int(t & 31)]
      t >>= 5
    }
    // 80 random bits as 16 base32 digits: high 16 bits then low 64 bits.
    var (high, low) = random
    for i in stride(from: 25, through: 10, by: -1) {
      bytes[i] = alphabet[Int(low & 31)]
      low = (low >> 5) | (UInt64(high & 31) << 59)
      high >>= 5
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The last ULID's time and random part, so ids made in the same millisecond stay ordered.
  private final class Monotonic: Sendable {
    private struct Last {
      var time: UInt64 = 0
      var random: (UInt16, UInt64) = (0, 0)
    }
    private let last = Synchronization.Mutex(Last())

    func next(milliseconds: UInt64) -> (UInt64, (UInt16, UInt64)) {
      last.withLock { last in
        if milliseconds <= last.time {
          // Same (or earlier) millisecond: increment the random part to stay ordered.
          var (high, low) = last.random
          low &+= 1
          if low == 0 { high &+= 1 }
          last.random = (high, low)
          return (last.time, last.random)
        }
        var generator = SystemRandomNumberGenerator()
        last.time = milliseconds
        last.random = (
          UInt16.random(in: 0...UInt16.max, using: &generator), UInt64.random(in: 0...UInt64.max, using: &generator)
        )
        return (last.time, last.random)
      }
    }
  }
}
