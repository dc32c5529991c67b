import Foundation

/// Produces items `0..<count` on worker threads and hands them to `consume` in index order on the calling
/// thread, while the workers go on with the next ones: the caller's sequential step (e.g. folding one part of
/// the event log) overlaps the parallel one (parsing the next parts) instead of alternating with it.
///
/// At most `ahead` items are produced or being produced and not yet consumed, which bounds the memory held.
/// When `consume` throws, no new item is started; `run` returns (or throws) only once every worker is gone, so
/// whatever `produce` borrows (a file descriptor) may be released right after.
public enum OrderedPipeline {
  public static func run<T: Sendable, E: Error>(
    count: Int, ahead: Int, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
    produce: @escaping @Sendable (Int) -> T, consume: (T) throws(E) -> Void
  ) throws(E) {
    guard count > 0 else { return }
    let state = PipelineState<T>(count: count, ahead: max(1, ahead))
    let threads = max(1, min(workers, count))
    for _ in 0..<threads {
      state.started()
      DispatchQueue.global().async { state.work(produce) }
    }
    defer { state.stopAndJoin() }
    for index in 0..<count {
      try consume(state.take(index))
    }
  }
}

/// The pipeline's shared state. An NSCondition, not a Mutex: workers wait for room ahead and the caller waits
/// for the next item, and Synchronization's Mutex cannot wait.
private final class PipelineState<T: Sendable>: @unchecked Sendable {  // @unchecked: every field under `condition`
  private let condition = NSCondition()
  private var items: [T?]
  private let ahead: Int
  private var next = 0
  private var consumed = 0
  private var stopped = false
  private var running = 0

  init(count: Int, ahead: Int) {
    items = Array(repeating: nil, count: count)
    self.ahead = ahead
  }

  func started() {
    condition.lock()
    running += 1
    condition.unlock()
  }

  /// A worker: claims the next index while there is room ahead of the consumer, produces it, stores it.
  func work(_ produce: (Int) -> T) {
    condition.lock()
    while true {
      while !stopped, next < items.count, next - consumed >= ahead { condition.wait() }
      if stopped || next >= items.count { break }
      let index = next
      next += 1
      condition.unlock()
      let item = produce(index)
      condition.lock()
      items[index] = item
      condition.broadcast()
    }
    running -= 1
    condition.broadcast()
    condition.unlock()
  }

  /// Waits for item `index` and hands it over (the pipeline forgets it).
  func take(_ index: Int) -> T {
    condition.lock()
    defer { condition.unlock() }
    while items[index] == nil { condition.wait() }
    let item = items[index].take()!
    consumed = index + 1
    condition.broadcast()
    return item
  }

  /// Stops new work and waits until no worker runs.
  func stopAndJoin() {
    condition.lock()
    stopped = true
    condition.broadcast()
    while running > 0 { condition.wait() }
    condition.unlock()
  }
}
