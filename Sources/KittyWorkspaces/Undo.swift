/// An undo log: each completed step registers how to reverse itself; on failure the steps are reversed
/// newest first, so a failed operation leaves the repository as it found it.
final class Undo {
  private var steps: [(String, () -> Void)] = []

  func register(_ label: String, _ step: @escaping () -> Void) {
    steps.append((label, step))
  }

  /// Reverses every registered step (newest first) and forgets them.
  func rollBack() {
    for (_, step) in steps.reversed() { step() }
    steps.removeAll()
  }

  /// The operation succeeded: keep everything.
  func commit() { steps.removeAll() }
}
