import Foundation
import KittyBasics
import KittyExecutors
import KittyOrchestrator

extension Doctor {
  /// Whether `orchestrate` can confine agents with bubblewrap here (its default when it can), and why not.
  func sandbox() -> Check {
    var requested: SandboxMode?
    if let root = repositoryRoot() { requested = (try? OrchestratorConfig.load(root: root))?.sandbox.mode }
    if requested == SandboxMode.none {
      return Check("sandbox", .ok, "none ([sandbox] mode = \"none\"): agents run with your full rights")
    }
    // Asked for and impossible is a run that cannot start; not asked for, a run without a sandbox.
    let missing: Status = requested == .bwrap ? .fail : .warn
    guard let path = which("bwrap") else {
      return Check(
        "sandbox", missing,
        "bwrap is not on PATH, so agents run with your full rights: install bubblewrap (make deps, or apt-get "
          + "install bubblewrap)")
    }
    let probe = capture(BubblewrapProfile.probeArguments(bwrap: path))
    let status: ExitStatus = probe.launchError == nil && !probe.timedOut ? .exited(probe.status) : .exited(127)
    switch Bubblewrap.verdict(path: path, status: status, stderr: probe.launchError ?? probe.stderr) {
    case .available:
      return Check("sandbox", .ok, "bwrap (\(path)) works: orchestrate confines each agent to its lane")
    case .unavailable(let reason):
      return Check("sandbox", missing, "\(reason); agents run with your full rights (orchestrate warns at start)")
    }
  }
}
