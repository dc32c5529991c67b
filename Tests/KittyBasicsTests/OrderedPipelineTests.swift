import Foundation
import Synchronization
import Testing

@testable import KittyBasics

/// Items reach the consumer in order, never more than `ahead` are out, and a consumer that throws stops the
/// workers before `run` returns.
@Suite struct OrderedPipelineTests {
  /// What the workers did, seen from the test.
  final class Probe: Sendable {
    let produced = Mutex<[Int]>([])
    let consumed = Mutex(0)
    let maxOut = Mutex(0)
    let inFlight = Mutex(0)

    func produce(_ index: Int, sleep micros: UInt32) -> Int {
      // Out = started and not yet through `consume`.
      let out = inFlight.withLock { value in
        value += 1
        return value
      }
      maxOut.withLock { $0 = max($0, out) }
      usleep(micros)  // stands for work of uneven length: later items may finish first
      produced.withLock { $0.append(index) }
      return index * 10
    }
  }

  @Test(arguments: [(1, 1), (7, 3), (40, 4), (40, 100), (5, 1), (9, Int.max)])
  func itemsArriveInOrderWithAtMostAheadOut(count: Int, ahead: Int) {
    let probe = Probe()
    var seen: [Int] = []
    OrderedPipeline.run(count: count, ahead: ahead, workers: 3) { index in
      probe.produce(index, sleep: UInt32((index * 7919) % 5) * 300)
    } consume: { (value: Int) in
      seen.append(value)
      probe.inFlight.withLock { $0 -= 1 }
    }
    #expect(seen == (0..<count).map { $0 * 10 })
    // The probe counts the item being consumed too (handed over, not yet counted off).
    #expect(probe.maxOut.withLock { $0 } <= min(ahead, count - 1) + 1)
    #expect(probe.produced.withLock { $0.sorted() } == Array(0..<count))
  }

  struct Stop: Error {}

  @Test func aConsumerThatThrowsStopsTheWorkersBeforeRunReturns() {
    let probe = Probe()
    #expect(throws: Stop.self) {
      try OrderedPipeline.run(count: 1_000, ahead: 4, workers: 2) { index in
        probe.produce(index, sleep: 200)
      } consume: { (value: Int) throws(Stop) in
        probe.inFlight.withLock { $0 -= 1 }
        if value == 30 { throw Stop() }
      }
    }
    // Nothing is produced after run returned, and no more than `ahead` past the item that threw.
    let after = probe.produced.withLock { $0.count }
    usleep(20_000)
    #expect(probe.produced.withLock { $0.count } == after)
    #expect(after <= 4 + 4)
  }

  @Test func nothingToDoCallsNothing() {
    OrderedPipeline.run(count: 0, ahead: 2) { (_: Int) -> Int in
      Issue.record("produced")
      return 0
    } consume: { _ in
      Issue.record("consumed")
    }
  }
}
