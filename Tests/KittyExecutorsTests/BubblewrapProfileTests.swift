import Foundation
import KittyExecutors
import Testing

@Suite struct BubblewrapProfileTests {
  /// Mounts keep their order after a read-only `/`; the command follows `--`; the network goes only when asked.
  @Test func argvPutsTheMountsInOrderAndTheCommandLast() {
    var profile = BubblewrapProfile(directory: "/w/lane")
    profile.mounts = [
      .tmpfs("/tmp"), .readOnly("/w", at: "/w"), .writable("/w/lane", at: "/w/lane"), .emptyFile("/w/secret"),
    ]
    profile.environment = ["TMPDIR": "/tmp"]
    let args = profile.arguments(bwrap: "/usr/bin/bwrap", command: ["sh", "-c", "--unshare-net"])
    #expect(Array(args.prefix(4)) == ["/usr/bin/bwrap", "--ro-bind", "/", "/"])
    let mounts = args.joined(separator: " ")
    #expect(
      mounts.contains(
        "--tmpfs /tmp --ro-bind /w /w --bind /w/lane /w/lane --ro-bind /dev/null /w/secret --unshare-pid"))
    #expect(args.contains("--cap-drop") && args.contains("--die-with-parent") && args.contains("--new-session"))
    // The sandboxed executor starts bwrap as a session leader itself: no session of bwrap's own.
    #expect(!profile.arguments(bwrap: "bwrap", command: ["true"], newSession: false).contains("--new-session"))
    #expect(Array(args.suffix(6)) == ["--chdir", "/w/lane", "--", "sh", "-c", "--unshare-net"])
    #expect(args.firstIndex(of: "--unshare-net") == args.count - 1, "only the command's own argument")
    profile.network = .none
    let offline = profile.arguments(bwrap: "bwrap", command: ["true"])
    #expect(offline.firstIndex(of: "--unshare-net").map { $0 < offline.firstIndex(of: "--")! } == true)
    #expect(offline.contains("--setenv") && offline.contains("TMPDIR"))
  }

  @Test func settingsPathsExpandHomeAndRoot() {
    #expect(SandboxSettings.expand("~/.ssh", root: "/r", home: "/h") == "/h/.ssh")
    #expect(SandboxSettings.expand(".env", root: "/r", home: "/h") == "/r/.env")
    #expect(SandboxSettings.expand("/etc/x", root: "/r", home: "/h") == "/etc/x")
  }

  /// The script agent needs no network in a sandbox; the model CLIs keep `[sandbox] network`.
  @Test func theScriptAgentHasNoNetworkByDefault() throws {
    #expect(try AgentCatalog.spec("script", settings: nil).network == SandboxNetwork.none)
    #expect(try AgentCatalog.spec("claude-code", settings: nil).network == nil)
    var settings = AgentCatalog.Settings()
    settings.network = SandboxNetwork.none
    #expect(try AgentCatalog.spec("codex", settings: settings).network == SandboxNetwork.none)
  }
}
