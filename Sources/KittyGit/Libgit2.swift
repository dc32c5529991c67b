import CKittyShims
import CLibgit2
import Foundation

/// One-time libgit2 set-up for the process.
public enum Libgit2 {
  /// Initialised on first use; `git_libgit2_init` runs once per process.
  private static let initialised: Bool = {
    git_libgit2_init()
    // Repositories touched by git >= 2.48 or by sparse worktrees carry these extensions; libgit2 1.5.1
    // refuses to open them unless allow-listed. Their config is then read but not honoured (see README).
    let names = ["worktreeconfig", "relativeworktrees"]
    var cStrings = names.map { strdup($0) }
    cStrings.withUnsafeMutableBufferPointer { buffer in
      buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
        _ = kitty_set_extensions($0, buffer.count)
      }
    }
    cStrings.forEach { free($0) }
    // Objects we read come from the local object database; git itself does not re-hash them on read.
    _ = kitty_set_strict_hash_verification(0)
    return true
  }()

  /// Call before any libgit2 use. Cheap after the first call.
  public static func ensureInitialised() {
    _ = initialised
  }

  /// The linked libgit2 version, e.g. "1.5.1".
  public static var version: String {
    ensureInitialised()
    var major: Int32 = 0
    var minor: Int32 = 0
    var rev: Int32 = 0
    git_libgit2_version(&major, &minor, &rev)
    return "\(major).\(minor).\(rev)"
  }

  /// The libgit2 version whose headers git-kitty was compiled against.
  public static let headerVersion = LIBGIT2_VERSION
}
