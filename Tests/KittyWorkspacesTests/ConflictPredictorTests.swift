import Foundation
import KittyGit
import KittyTestSupport
import Testing

@testable import KittyWorkspaces

/// Conflict prediction: pairs told apart from their changed paths, the rest merged in memory, each pair once.
@Suite struct ConflictPredictorTests {
  /// A repository on main with one branch per entry, each committing its files (path: text) on top of main.
  func repository(_ branches: [(String, [String: String])]) throws -> (String, ConflictPredictor.Tips) {
    let root = try TestSupport.makeRepository()
    try TestSupport.write("one\ntwo\nthree\nfour\nfive\nsix\n", to: "\(root)/shared.txt")
    try TestSupport.git(["add", "shared.txt"], in: root)
    try TestSupport.git(["commit", "-q", "-m", "shared"], in: root)
    for (branch, files) in branches {
      try TestSupport.git(["switch", "-q", "-c", branch, "main"], in: root)
      for (path, text) in files {
        try TestSupport.write(text, to: "\(root)/\(path)")
        try TestSupport.git(["add", path], in: root)
      }
      try TestSupport.git(["commit", "-q", "-m", branch], in: root)
    }
    try TestSupport.git(["switch", "-q", "main"], in: root)
    let predictor = ConflictPredictor(context: try RepositoryContext.locate(from: root))
    let lanes = branches.map { ConflictPredictor.LaneInput(id: $0.0, branch: $0.0, wpIDs: []) }
    return (root, try predictor.tips(target: "main", lanes: lanes))
  }

  @Test func lanesThatTouchDifferentFilesAreToldApartWithoutAMerge() throws {
    let (root, tips) = try repository([
      ("a", ["out/a.txt": "a\n"]), ("b", ["out/b.txt": "b\n"]), ("c", ["src/c.txt": "c\n"]),
    ])
    let predictor = ConflictPredictor(context: try RepositoryContext.locate(from: root))
    var memo = ConflictPredictor.Memo()
    let objects = try TestSupport.git(["count-objects", "-v"], in: root)
    let report = try predictor.predict(tips, memo: &memo)
    #expect(report.conflicts.isEmpty)
    #expect(memo.merges.count == 6, "three lanes with the target, three pairs")
    #expect(memo.merges.values.allSatisfy { $0.isEmpty })
    #expect(try TestSupport.git(["count-objects", "-v"], in: root) == objects, "nothing written to disk")
  }

  @Test func aConflictIsStillFoundAndEachPairIsMergedOnce() throws {
    let (root, tips) = try repository([
      ("a", ["shared.txt": "one\nTWO-a\nthree\nfour\nfive\nsix\n"]),
      ("b", ["shared.txt": "one\nTWO-b\nthree\nfour\nfive\nsix\n"]),
      ("c", ["shared.txt": "one\ntwo\nthree\nfour\nfive\nSIX\n", "c.txt": "c\n"]),
    ])
    let predictor = ConflictPredictor(context: try RepositoryContext.locate(from: root))
    var memo = ConflictPredictor.Memo()
    let report = try predictor.predict(tips, memo: &memo)
    // a and b change the same line; c changes a line far from theirs in the same file: merged in memory, clean.
    #expect(report.conflicts.map(\.between) == [["a", "b"]])
    #expect(report.conflicts.first?.paths == ["shared.txt"])
    // Asked again with the same tips: answered from the memo, the same report.
    let objects = try TestSupport.git(["count-objects", "-v"], in: root)
    #expect(try predictor.predict(tips, memo: &memo) == report)
    #expect(try TestSupport.git(["count-objects", "-v"], in: root) == objects, "nothing written to disk")
  }

  @Test func aFileWhereTheOtherSideHasADirectoryIsMergedToFindTheConflict() throws {
    let (root, tips) = try repository([("a", ["d": "file\n"]), ("b", ["d/f.txt": "in a directory\n"])])
    let predictor = ConflictPredictor(context: try RepositoryContext.locate(from: root))
    var memo = ConflictPredictor.Memo()
    let report = try predictor.predict(tips, memo: &memo)
    #expect(report.conflicts.map(\.between) == [["a", "b"]], "\(report.conflicts)")
  }

  @Test func pathsApartMeansNoCommonPathAndNoFileAboveAPath() {
    #expect(ConflictPredictor.touchesApart(["out/a.txt"], ["out/b.txt"]))
    #expect(!ConflictPredictor.touchesApart(["x.txt"], ["x.txt"]))
    #expect(!ConflictPredictor.touchesApart(["d"], ["d/e/f.txt"]))
    #expect(!ConflictPredictor.touchesApart(["d/e/f.txt"], ["d/e"]))
    #expect(ConflictPredictor.touchesApart(["d/e"], ["d/f"]))
    #expect(ConflictPredictor.touchesApart([], ["anything"]))
  }
}
