import Foundation
import Synchronization

/// Runs two independent pieces of work at once (the second on the calling thread) and returns both results. A
/// thread, not a task: its callers are the synchronous read verbs, whose start-up cost this saves.
public enum Concurrently {
  public static func run<A: Sendable, B: Sendable, E: Error>(
    _ first: @escaping @Sendable () throws(E) -> A, _ second: () throws(E) -> B
  ) -> (Result<A, E>, Result<B, E>) {
    let box = ResultBox<A, E>()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      box.set(Result { () throws(E) -> A in try first() })
      done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    let secondResult = Result { () throws(E) -> B in try second() }
    done.wait()
    return (box.get()!, secondResult)
  }
}

/// Hands one value from the worker thread to the caller.
private final class ResultBox<A: Sendable, E: Error>: Sendable {
  private let value = Mutex<Result<A, E>?>(nil)
  func set(_ result: sending Result<A, E>) { value.withLock { $0 = result } }
  func get() -> Result<A, E>? { value.withLock { $0 } }
}

/// Maps an array on all cores in contiguous chunks, keeping the order of the input.
public enum ParallelMap {
  public static func run<T: Sendable, R: Sendable>(
    _ items: [T], minimumPerTask: Int, _ transform: @escaping @Sendable (T) -> R
  ) -> [R] {
    let tasks = max(1, min(ProcessInfo.processInfo.activeProcessorCount * 2, items.count / max(minimumPerTask, 1)))
    if tasks == 1 { return items.map(transform) }
    let box = ChunkBox<R>(count: tasks)
    DispatchQueue.concurrentPerform(iterations: tasks) { task in
      let range = (items.count * task / tasks)..<(items.count * (task + 1) / tasks)
      box.store(task, items[range].map(transform))
    }
    return box.joined()
  }
}

private final class ChunkBox<R: Sendable>: Sendable {
  private let chunks: Mutex<[[R]]>
  init(count: Int) { chunks = Mutex(Array(repeating: [], count: count)) }
  func store(_ index: Int, _ values: [R]) { chunks.withLock { $0[index] = values } }
  func joined() -> [R] { chunks.withLock { $0.flatMap { $0 } } }
}
