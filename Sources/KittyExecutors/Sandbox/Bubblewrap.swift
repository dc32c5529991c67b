import Foundation
import KittyBasics

/// Whether bubblewrap can confine agents on this machine, and why not.
public enum Bubblewrap {
  public enum Availability: Sendable, Equatable {
    /// The absolute path of a `bwrap` that made a sandbox just now.
    case available(String)
    /// Why no sandbox can be made (not installed, namespaces refused, …), with what to do.
    case unavailable(String)

    public var path: String? {
      if case .available(let path) = self { return path }
      return nil
    }
  }

  /// Makes one throw-away sandbox with the flags every run uses (about 5 ms).
  public static func probe(environment: [String: String] = ProcessEnvironment.scrubbed()) async -> Availability {
    guard let path = ProcessEnvironment.resolve("bwrap", environment: environment) else {
      return .unavailable("bwrap is not on PATH: install bubblewrap (make deps, or apt-get install bubblewrap)")
    }
    var request = ProcessRequest(
      argv: BubblewrapProfile.probeArguments(bwrap: path), directory: "/", environment: environment,
      timeout: .seconds(10))
    request.grace = .seconds(1)
    switch await ProcessRunner.capture(request) {
    case .failure(let failure):
      return .unavailable("\(path) could not be started: \(failure.message)")
    case .success(let captured):
      return verdict(path: path, status: captured.result.status, stderr: captured.stderr)
    }
  }

  /// What a probe's exit says (shared with `doctor`, which runs the same command).
  public static func verdict(path: String, status: ExitStatus, stderr: String) -> Availability {
    if status == .exited(0) { return .available(path) }
    let said = stderr.split(separator: "\n").last.map(String.init) ?? "\(status)"
    var hint = ""
    if said.contains("namespace") || said.contains("Operation not permitted") || said.contains("setting up uid map") {
      hint =
        ": this kernel or container refuses the namespaces bubblewrap needs (user namespaces: "
        + "sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0; AppArmor's "
        + "apparmor_restrict_unprivileged_userns; a container without CAP_SYS_ADMIN)"
    }
    return .unavailable("\(path) cannot make a sandbox here (\(said))\(hint)")
  }
}
