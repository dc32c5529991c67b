import Foundation
import KittyBasics

/// What `git kitty abort` does to a run's cluster jobs: cancel every one its ledger names (by id, and by name for a
/// submission whose answer was lost), wait until the queue no longer runs them, and forget them.
public enum ClusterJobs {
  public static func cancel(root: String, run: String) async -> [String] {
    let ledger = JobLedger(root: root, run: run)
    let entries = ledger.entries
    guard !entries.isEmpty else {
      ledger.removeAll()
      return []
    }
    let slurm = SlurmCommands(scratch: "\(root)/.kittify/jobs/.tmp")
    var report: [String] = []
    let names = entries.map(\.name)
    let queued = (try? await slurm.jobs(named: names)) ?? []
    let ids = Set(entries.compactMap(\.job) + queued.filter { !$0.isFinished }.map(\.id)).sorted()
    do {
      try await slurm.cancel(ids)
      for entry in entries {
        report.append("cancelled Slurm job \(entry.job ?? entry.name) (\(entry.wp) \(entry.role.rawValue))")
      }
    } catch {
      report.append("could not cancel Slurm jobs \(ids.joined(separator: ", ")): \(error.message)")
      return report
    }
    // scancel returns at once; the jobs leave the queue within a second or two (up to KillWait).
    for _ in 0..<40 {
      let running = ((try? await slurm.jobs(named: names)) ?? []).filter { !$0.isFinished }
      if running.isEmpty { break }
      try? await Task.sleep(for: .milliseconds(250))
    }
    if let exchange = try? JobExchange.locate(root: root, scratch: "\(root)/.kittify/jobs/.tmp") {
      for entry in entries { await exchange.forget(prefix: entry.refPrefix) }
    }
    ledger.removeAll()
    return report
  }
}
