import CLibgit2

/// A failed libgit2 call: the return code, libgit2's error class and its message.
public struct GitError: Error, CustomStringConvertible, Equatable, Sendable {
  public let code: Int32
  public let errorClass: Int32
  public let message: String
  /// The libgit2 function that failed, for diagnostics.
  public let operation: String

  public init(code: Int32, errorClass: Int32 = 0, message: String, operation: String) {
    self.code = code
    self.errorClass = errorClass
    self.message = message
    self.operation = operation
  }

  public var description: String { "\(operation): \(message)" }

  /// The reference was modified by someone else (compare-and-swap lost).
  public var isModified: Bool { code == GIT_EMODIFIED.rawValue }
  public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
  public var isExists: Bool { code == GIT_EEXISTS.rawValue }
  public var isLocked: Bool { code == GIT_ELOCKED.rawValue }
}

/// Runs one libgit2 call and turns a negative result into a `GitError`.
/// The error is read on the same thread, in the same synchronous stretch, as libgit2 requires.
@discardableResult
func git(_ operation: String, _ call: () -> Int32) throws(GitError) -> Int32 {
  // libgit2 1.5.1 keeps the last message after a success; a failure that records none would report it.
  git_error_clear()
  let result = call()
  guard result < 0 else { return result }
  throw lastError(code: result, operation: operation)
}

/// libgit2 1.5.1 may have no error recorded (`git_error_last()` is NULL): say so instead of crashing.
func lastError(code: Int32, operation: String) -> GitError {
  if let last = git_error_last() {
    let message = last.pointee.message.map { String(cString: $0) } ?? "unknown libgit2 error"
    return GitError(code: code, errorClass: last.pointee.klass, message: message, operation: operation)
  }
  return GitError(code: code, message: "libgit2 reported error \(code) without a message", operation: operation)
}
