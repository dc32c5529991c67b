import Foundation

/// A test hook: `KITTY_TEST_KILL_AT=<name>` makes the process kill itself with SIGKILL the first time it reaches
/// the named point, so tests can prove that a write interrupted anywhere is recovered by the next call. Unset, a
/// point costs one string comparison.
public enum KillPoint {
  private static let target: String? = {
    guard let value = ProcessInfo.processInfo.environment["KITTY_TEST_KILL_AT"], !value.isEmpty else { return nil }
    return value
  }()

  public static func reach(_ name: String) {
    if let target, target == name { kill(getpid(), SIGKILL) }
  }
}
