import Foundation
import KittyTestSupport
import Testing

@testable import KittyCore

/// The cache directories keep their newest files: pruned down to three quarters of the limit once over it.
@Suite struct CacheFilesTests {
  @Test func aFullCacheKeepsItsNewestThreeQuarters() throws {
    let directory = TestSupport.temporaryDirectory("cache-files")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    // Twelve files, file k modified k minutes after the first (written in shuffled order).
    for k in (0..<12).shuffled() {
      let path = "\(directory)/file-\(k)"
      try TestSupport.write("\(k)", to: path)
      var times = [
        timespec(tv_sec: 1_700_000_000 + k * 60, tv_nsec: 0), timespec(tv_sec: 1_700_000_000 + k * 60, tv_nsec: 0),
      ]
      #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    }
    CacheFiles.prune(directory, keeping: 12)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 12, "not over the limit")
    CacheFiles.prune(directory, keeping: 11)
    let kept = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    #expect(kept == (4..<12).map { "file-\($0)" }.sorted(), "the 8 newest (three quarters of 11)")
  }
}
