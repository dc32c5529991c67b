import Foundation

/// Helpers shared by the test targets: temporary repositories, the real `git` binary, fixture bundles.
public enum TestSupport {
  /// The repository root (this file is at Tests/KittyTestSupport/TestSupport.swift).
  public static let repoRoot: String = {
    let file = URL(fileURLWithPath: #filePath)
    return file.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
  }()

  /// `../shared` next to the repository, where the reference fixtures live.
  public static let sharedDirectory = (repoRoot as NSString).deletingLastPathComponent + "/shared"

  public static func fixtureBundle(_ name: String) -> String {
    "\(sharedDirectory)/fixtures/spec-kitty-3.2.7-\(name).bundle"
  }

  /// A fresh empty directory for one test. All of them live under one directory per test process, which is
  /// removed when the process exits (tests that clean up earlier still should); `KITTY_KEEP_SANDBOXES=1` keeps it.
  public static func temporaryDirectory(_ label: String = "kitty") -> String {
    let path = "\(testRoot)/\(label)-\(UUID().uuidString.prefix(8))"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// `<tmp>/kitty-tests-<pid>`, created on first use, removed at exit.
  public static let testRoot: String = {
    let path = (NSTemporaryDirectory() as NSString).resolvingSymlinksInPath + "/kitty-tests-\(getpid())"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    // The read verbs keep fold checkpoints in the user's cache: the tests' go here, with everything else.
    setenv("GIT_KITTY_CACHE_DIR", "\(path)/cache", 1)
    if ProcessInfo.processInfo.environment["KITTY_KEEP_SANDBOXES"] == nil {
      atexit {
        // Make everything deletable first (tests chmod files to provoke errors), then remove the tree.
        let root = TestSupport.testRoot
        _ = try? TestSupport.run("/bin/chmod", ["-R", "u+rwx", root])
        try? FileManager.default.removeItem(atPath: root)
      }
    }
    return path
  }()

  public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
  }

  /// Runs a program and waits for it; `environment` entries are added to a scrubbed copy of ours.
  @discardableResult
  public static func run(
    _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:],
    input: String? = nil
  ) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    var env = ProcessInfo.processInfo.environment
    for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR"] { env[key] = nil }
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_AUTHOR_NAME"] = "Kitty Test"
    env["GIT_AUTHOR_EMAIL"] = "kitty@example.com"
    env["GIT_COMMITTER_NAME"] = "Kitty Test"
    env["GIT_COMMITTER_EMAIL"] = "kitty@example.com"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let inPipe = Pipe()
    process.standardInput = inPipe
    try process.run()
    if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
    try? inPipe.fileHandleForWriting.close()
    // Read both pipes concurrently so neither fills up and blocks the child.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CommandResult(
      status: process.terminationStatus,
      stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }

  public static let gitPath: String = {
    for candidate in ["/usr/bin/git", "/usr/local/bin/git", "/bin/git"]
    where FileManager.default.isExecutableFile(atPath: candidate) {
      return candidate
    }
    return "/usr/bin/git"
  }()

  /// Runs `git` in `directory`; throws when it fails.
  @discardableResult
  public static func git(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws
    -> String
  {
    let result = try run(gitPath, arguments, in: directory, environment: environment)
    guard result.status == 0 else {
      throw TestFailure("git \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
    }
    return result.stdout
  }

  /// Clones a spec-kitty fixture bundle into a fresh directory and configures an identity.
  public static func cloneFixture(_ name: String, branch: String = "develop") throws -> String {
    let parent = temporaryDirectory("fixture-\(name)")
    let dir = "\(parent)/repo"
    try git(["clone", "-q", "-b", branch, fixtureBundle(name), dir], in: parent)
    try configureIdentity(dir)
    return dir
  }

  /// A new repository with one commit on `main`.
  public static func makeRepository(branch: String = "main") throws -> String {
    let dir = temporaryDirectory("repo") + "/repo"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try git(["init", "-q", "-b", branch], in: dir)
    try configureIdentity(dir)
    try "hello\n".write(toFile: "\(dir)/README.md", atomically: true, encoding: .utf8)
    try git(["add", "README.md"], in: dir)
    try git(["commit", "-q", "-m", "initial"], in: dir)
    return dir
  }

  /// Adds `pattern` to the repository's .gitignore and commits it with `files` (path: text).
  public static func commitIgnoring(_ pattern: String, files: [String: String] = [:], in repo: String) throws {
    let gitignore = (try? read("\(repo)/.gitignore")) ?? ""
    try write(gitignore + pattern + "\n", to: "\(repo)/.gitignore")
    for (path, text) in files { try write(text, to: "\(repo)/\(path)") }
    try git(["add", ".gitignore"] + files.keys.sorted(), in: repo)
    try git(["commit", "-q", "-m", "ignore \(pattern)"], in: repo)
  }

  public static func configureIdentity(_ dir: String) throws {
    try git(["config", "user.name", "Kitty Test"], in: dir)
    try git(["config", "user.email", "kitty@example.com"], in: dir)
    try git(["config", "commit.gpgsign", "false"], in: dir)
  }

  public static func write(_ text: String, to path: String) throws {
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
  }

  public static func read(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
  }

  /// Every file under `dir` (relative paths) with its bytes, for "nothing changed on disk" checks.
  public static func snapshotTree(_ dir: String) -> [String: Data] {
    var result: [String: Data] = [:]
    guard let enumerator = FileManager.default.enumerator(atPath: dir) else { return result }
    while let relative = enumerator.nextObject() as? String {
      let full = "\(dir)/\(relative)"
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
        result[relative] = FileManager.default.contents(atPath: full) ?? Data()
      } else {
        result[relative + "/"] = Data()
      }
    }
    return result
  }
}

public struct TestFailure: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}
