import Foundation
import KittyBasics
import KittyCluster
import KittyGit
import KittyOrchestrator

extension Doctor {
  /// Where agents run (`[executor] kind`): for Slurm, that its client commands are here, the controller answers,
  /// and the job exchange the nodes use can be reached.
  func executor() -> [Check] {
    let root = repositoryRoot()
    let config = root.flatMap { try? OrchestratorConfig.load(root: $0) }
    let kind = executorOverride ?? config?.executor ?? .local
    guard kind == .slurm else {
      return [Check("executor", .ok, "local: agents run on this machine (--executor slurm runs them as Slurm jobs)")]
    }
    let settings = config?.slurm ?? SlurmSettings()
    var checks: [Check] = []
    let missing = ["sbatch", "squeue", "scontrol", "scancel"].filter { which($0) == nil }
    if !missing.isEmpty {
      return [
        Check(
          "slurm", .fail,
          "\(missing.joined(separator: ", ")) not on PATH: install Slurm's client (apt-get install slurm-client) and "
            + "set SLURM_CONF if the cluster's slurm.conf is not in /etc/slurm")
      ]
    }
    let ping = capture(["scontrol", "ping"])
    let said = (ping.stdout + ping.stderr).split(separator: "\n").first.map(String.init) ?? Self.tail(ping)
    if ping.status == 0, said.contains("is UP") {
      checks.append(Check("slurm", .ok, "controller answers (\(said.trimmingWhitespace))"))
    } else {
      checks.append(Check("slurm", .fail, "the Slurm controller does not answer: \(said.trimmingWhitespace)"))
    }
    guard let root, let exchange = try? JobExchange.locate(root: root, scratch: NSTemporaryDirectory()) else {
      checks.append(Check("job exchange", .skip, "not in a repository"))
      return checks
    }
    let url = settings.repository ?? exchange.path
    if settings.repository == nil && !FileManager.default.fileExists(atPath: "\(exchange.path)/HEAD") {
      checks.append(
        Check(
          "job exchange", .ok,
          "\(exchange.path) is made by the first run; nodes must see this path (a shared filesystem), else set "
            + "[executor.slurm] repository"))
    } else {
      let listed = capture(["git", "ls-remote", "--exit-code", url])
      // An empty exchange lists nothing (exit 2): reachable all the same.
      checks.append(
        listed.status == 0 || listed.status == 2
          ? Check("job exchange", .ok, "\(url) answers (from here; the nodes must reach it too)")
          : Check("job exchange", .warn, "\(url) cannot be reached from here: \(Self.tail(listed))"))
    }
    if let binary = settings.gitKitty, !FileManager.default.isExecutableFile(atPath: binary) {
      checks.append(
        Check(
          "job runner", .warn,
          "[executor.slurm] git_kitty = \(binary) is not executable here (fine if it exists only on the nodes)"))
    }
    return checks
  }
}
