import Foundation
import KittyBasics

/// An implementer's git inside the sandbox: a private git directory laid over the repository's `refs`, `logs`,
/// `packed-refs` and `objects`, so that its commits (and anything else it does to refs) stay private. The real
/// objects are read through an alternate; new objects land in the private store. After the run the lane branch is
/// fetched back into the real repository and moved only as a fast-forward of `base` (compare-and-swap on the ref).
struct LaneGit: Sendable {
  let directory: String
  let workspace: String
  let gitDir: String
  let commonDir: String
  /// `refs/heads/kitty/…`
  let branch: String
  /// The lane's commit when the run started.
  let base: String
  let mounts: [BubblewrapProfile.Mount]

  struct Failure: Error, CustomStringConvertible {
    let description: String
  }

  /// The absolute object directories `objects/info/alternates` names (git follows them; the sandbox must show them).
  static func alternates(of objects: String) -> [String] {
    guard let text = try? String(contentsOfFile: "\(objects)/info/alternates", encoding: .utf8) else { return [] }
    return text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }.map {
      $0.hasPrefix("/") ? $0 : URL(fileURLWithPath: objects).appendingPathComponent($0).standardized.path
    }
  }

  static func prepare(
    scratch: String, workspace: String, gitDir: String, commonDir: String, branch: String, base: String
  ) async throws -> LaneGit {
    let fm = FileManager.default
    let git = "\(scratch)/git"
    // One consistent snapshot of every ref, from git itself (copying refs/ file by file races with the host and
    // with other lanes creating and packing refs), written as the private packed-refs.
    let listing = await LaneGit.run(["--git-dir", commonDir, "for-each-ref", "--format=%(objectname) %(refname)"])
    guard listing.ok else { throw Failure(description: "git for-each-ref failed: \(listing.err)") }
    do {
      for directory in ["objects/info", "objects/pack", "logs", "refs/heads", "refs/tags"] {
        try fm.createDirectory(atPath: "\(git)/\(directory)", withIntermediateDirectories: true)
      }
      // The mount points must exist in the real repository: git makes logs/ at its first reflog anyway, and an
      // empty packed-refs means no packed refs.
      try fm.createDirectory(atPath: "\(commonDir)/logs", withIntermediateDirectories: true)
      let packed = "\(commonDir)/packed-refs"
      if !fm.fileExists(atPath: packed) {
        let fd = open(packed, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd >= 0 { close(fd) }
      }
      try (listing.out + (listing.out.isEmpty ? "" : "\n")).write(
        toFile: "\(git)/packed-refs", atomically: true, encoding: .utf8)
      try "ref: \(branch)\n".write(toFile: "\(git)/HEAD", atomically: true, encoding: .utf8)
      try "[core]\n\trepositoryformatversion = 0\n\tbare = true\n".write(
        toFile: "\(git)/config", atomically: true, encoding: .utf8)
      try "\(SandboxedExecutor.sharedObjects)\n".write(
        toFile: "\(git)/objects/info/alternates", atomically: true, encoding: .utf8)
    } catch {
      throw Failure(description: "private git directory in \(git): \(error.localizedDescription)")
    }
    var mounts: [BubblewrapProfile.Mount] = [
      .readOnly("\(commonDir)/objects", at: SandboxedExecutor.sharedObjects),
      .writable("\(git)/objects", at: "\(commonDir)/objects"),
      .writable("\(git)/refs", at: "\(commonDir)/refs"),
      .writable("\(git)/logs", at: "\(commonDir)/logs"),
      .writable("\(git)/packed-refs", at: "\(commonDir)/packed-refs"),
    ]
    // Its own index and reflog; not what its HEAD names nor where its git directory is.
    mounts.append(.writable(gitDir, at: gitDir))
    for file in ["\(gitDir)/HEAD", "\(gitDir)/commondir", "\(gitDir)/gitdir", "\(workspace)/.git"]
    where fm.fileExists(atPath: file) {
      mounts.append(.readOnly(file, at: file))
    }
    return LaneGit(
      directory: git, workspace: workspace, gitDir: gitDir, commonDir: commonDir, branch: branch, base: base,
      mounts: mounts)
  }

  /// Moves the real lane branch to the private one's commit when that is a fast-forward of `base`; a note for the
  /// transcript when anything was done or refused, nil when the lane did not move.
  func fetchBack() async -> String? {
    // The alternate the sandbox used does not exist out here; the agent could also have rewritten it.
    try? "\(commonDir)/objects\n".write(
      toFile: "\(directory)/objects/info/alternates", atomically: true, encoding: .utf8)
    let tip = await git(["--git-dir", directory, "rev-parse", "-q", "--verify", "\(branch)^{commit}"])
    guard tip.ok, !tip.out.isEmpty else {
      return "sandbox: the lane branch is gone in the sandbox; lane left at \(short(base))"
    }
    let new = tip.out
    if new == base { return nil }
    let fetch = await git([
      "--git-dir", commonDir, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", directory, branch,
    ])
    guard fetch.ok else {
      return "sandbox: could not fetch \(short(new)) from the sandbox: \(fetch.err); lane left at \(short(base))"
    }
    let ancestor = await git(["--git-dir", commonDir, "merge-base", "--is-ancestor", base, new])
    guard ancestor.ok else {
      return "sandbox: \(short(new)) is not a fast-forward of \(short(base)); lane left at \(short(base))"
    }
    let update = await git(
      ["update-ref", "-m", "git-kitty: commits made in the sandbox", branch, new, base], in: workspace)
    guard update.ok else {
      return "sandbox: could not move \(branch) to \(short(new)): \(update.err); lane left at \(short(base))"
    }
    return "sandbox: \(branch) fast-forwarded \(short(base))..\(short(new))"
  }

  private func short(_ id: String) -> String { String(id.prefix(10)) }

  private func git(_ args: [String], in directory: String = "/") async -> (ok: Bool, out: String, err: String) {
    await Self.run(args, in: directory)
  }

  private static func run(_ args: [String], in directory: String = "/") async -> (ok: Bool, out: String, err: String) {
    var request = ProcessRequest(
      argv: ["git"] + args, directory: directory, environment: ProcessEnvironment.scrubbed(), timeout: .seconds(300))
    request.grace = .seconds(2)
    switch await ProcessRunner.capture(request) {
    case .failure(let failure): return (false, "", failure.message)
    case .success(let captured):
      return (
        captured.result.status == .exited(0), captured.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
        captured.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
      )
    }
  }
}
