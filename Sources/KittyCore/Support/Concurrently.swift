import Foundation

/// Runs two independent pieces of work at once (the second on the calling thread) and returns both results.
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

/// Hands one value from the worker thread to the caller; the semaphore orders the accesses.
private final class ResultBox<A, E: Error>: @unchecked Sendable {
  private var value: Result<A, E>?
  private let lock = NSLock()
  func set(_ result: Result<A, E>) {
    lock.lock()
    value = result
    lock.unlock()
  }
  func get() -> Result<A, E>? {
    lock.lock()
    defer { lock.unlock() }
    return value
  }
}
