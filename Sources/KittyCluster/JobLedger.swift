import Foundation
import KittyBasics
import KittyCore
import KittyExecutors

/// The jobs a run has submitted and not yet collected, one file per WP under `.kittify/jobs/<run>/` (outside the
/// run's scratch directory, which a status of a dead run sweeps): what `resume` adopts and `abort` cancels.
public struct JobLedger: Sendable {
  public struct Entry: Sendable, Equatable, Codable {
    public var wp: String
    public var role: AgentRole
    public var attempt: Int
    public var name: String
    public var refPrefix: String
    public var base: String
    /// The scheduler's id; nil between the ledger write and the submission's answer (found again by name).
    public var job: String?
    public var node: String?
    public var logFile: String
    public var submittedAt: String
    /// Where the exchange's refusal log stood at submission: later lines are reported with this job.
    public var refusalOffset: UInt64
  }

  public let directory: String

  public init(root: String, run: String) {
    directory = "\(root)/.kittify/jobs/\(run)"
  }

  public static func runs(root: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/.kittify/jobs")) ?? []).sorted()
  }

  func path(_ wp: String) -> String { "\(directory)/\(wp).json" }

  public func entry(_ wp: String) -> Entry? {
    guard let data = FileManager.default.contents(atPath: path(wp)) else { return nil }
    return try? JSONDecoder().decode(Entry.self, from: data)
  }

  public var entries: [Entry] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
      .compactMap { entry(String($0.dropLast(5))) }
  }

  public func write(_ entry: Entry) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(entry) else { return }
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try? AtomicFile.write(data, to: path(entry.wp))
  }

  public func remove(_ wp: String) {
    try? FileManager.default.removeItem(atPath: path(wp))
    try? FileManager.default.removeItem(atPath: descriptionPath(wp))
  }

  /// The description of the WP's job, kept while the job is in flight (`git kitty job render` reads it).
  public func descriptionPath(_ wp: String) -> String { "\(directory)/\(wp).job" }

  public func keep(_ description: JobDescription) {
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try? AtomicFile.write(description.encoded(), to: descriptionPath(description.wp))
  }

  /// The whole run's ledger (its end, or an abort).
  public func removeAll() {
    try? FileManager.default.removeItem(atPath: directory)
    rmdir(FilePaths.directory(of: directory))  // .kittify/jobs, only when no other run has jobs there
  }
}
