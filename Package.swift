// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "git-kitty",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "git-kitty", targets: ["git-kitty"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
  ],
  targets: [
    /// libgit2 as a system library (pkg-config), with the headers the wrapper needs.
    .systemLibrary(
      name: "CLibgit2",
      pkgConfig: "libgit2",
      providers: [.apt(["libgit2-dev"])]
    ),
    /// Tiny C shims over libgit2 calls Swift cannot make directly (variadic functions, macros).
    .target(name: "CKittyShims", dependencies: ["CLibgit2"]),
    /// A safe Swift wrapper over libgit2: repositories, references, branches, worktrees, commits, trees, merges.
    .target(name: "KittyGit", dependencies: ["CLibgit2", "CKittyShims"]),
    /// Tiny C shims over the C library (posix_spawn details, /proc reads).
    .target(name: "CKittySystem"),
    /// Infrastructure with no domain knowledge: processes (swift-subprocess: own group, scrubbed environment,
    /// teardown, typed exit status, output streamed to a file), files (atomic writes, locks, byte reads), JSON
    /// (Python-exact writer, order-keeping parser, Codable bridge), YAML, ULID, timestamps, small text helpers.
    .target(
      name: "KittyBasics",
      dependencies: [.product(name: "Subprocess", package: "swift-subprocess"), "CKittySystem", "Yams"]),
    /// The domain: missions, WPs, lanes and their guards, the event log and its fold, status files, policy.
    /// Re-exports KittyBasics.
    .target(name: "KittyCore", dependencies: ["CKittySystem", "KittyBasics"]),
    /// Lane/review branches, lane worktrees, merges and cleanup, all through KittyGit.
    .target(name: "KittyWorkspaces", dependencies: ["KittyCore", "KittyGit"]),
    /// The typed `MissionHost` (native in-process, or spec-kitty through its subprocess contract), the
    /// orchestrator-api command edge (argv, envelopes, dialects) and mission authoring.
    .target(name: "KittyHost", dependencies: ["KittyCore", "KittyGit", "KittyWorkspaces"]),
    /// Git hooks: install/uninstall/status, the handlers behind `git kitty hook <name>`, the developer flow.
    .target(name: "KittyHooks", dependencies: ["KittyHost", "KittyCore", "KittyGit", "KittyWorkspaces"]),
    /// Executors run one agent invocation and report a typed outcome: the local one today, sandboxed and cluster
    /// ones behind the same protocol; agent adapters (argv per role, structured output, verdicts, usage).
    .target(name: "KittyExecutors", dependencies: ["KittyBasics", "KittyCore", "KittyGit"]),
    /// Agent runs on a cluster: the job protocol (description, node-side runner, the job exchange repository), the
    /// Slurm executor, and the Kubernetes rendering of a job.
    .target(name: "KittyCluster", dependencies: ["KittyExecutors", "KittyBasics", "KittyCore", "KittyGit"]),
    /// The async run loop: an actor owning the run state, one task per WP, talking to a `Host` and an `Executor`.
    .target(
      name: "KittyOrchestrator",
      dependencies: [
        "KittyHost", "KittyCore", "KittyBasics", "KittyExecutors", "KittyGit", "KittyWorkspaces", "KittyCluster",
        .product(name: "TOMLKit", package: "TOMLKit"),
      ]),
    /// `git kitty doctor`: checks of the environment, the repository, the agent CLIs and the sandbox.
    .target(
      name: "KittyDoctor",
      dependencies: [
        "KittyOrchestrator", "KittyExecutors", "KittyBasics", "KittyHooks", "KittyHost", "KittyWorkspaces", "KittyCore",
        "KittyGit", "KittyCluster",
      ]),
    /// `git kitty dashboard`: a local web server (board, WP pages, live logs) over the typed host and the run state.
    .target(
      name: "KittyDashboard",
      dependencies: [
        "KittyHost", "KittyHooks", "KittyOrchestrator", "KittyExecutors", "KittyCore", "KittyBasics",
        .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
      ],
      exclude: ["Web"]),
    /// The swift-argument-parser commands: parse, build a typed request, call a library, print.
    .target(
      name: "KittyCLI",
      dependencies: [
        "KittyHost", "KittyCore", "KittyGit", "KittyWorkspaces", "KittyOrchestrator", "KittyExecutors", "KittyHooks",
        "KittyDoctor", "KittyBasics", "KittyDashboard", "KittyCluster",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    /// The `git-kitty` binary: one line that starts the CLI.
    .executableTarget(name: "git-kitty", dependencies: ["KittyCLI"]),
    /// Helpers shared by the tests: temporary repositories, fixtures, running the built binary, golden JSON.
    .target(name: "KittyTestSupport", path: "Tests/KittyTestSupport"),
    /// KittyGit against real repositories, checked with the real `git` binary.
    .testTarget(name: "KittyGitTests", dependencies: ["KittyGit", "KittyTestSupport"]),
    /// The domain: fold, lanes, tasks.md, protected branches, status materialisation.
    .testTarget(name: "KittyCoreTests", dependencies: ["KittyCore", "KittyTestSupport"]),
    /// The native host verbs, the orchestrator-api edge, the spec-kitty client against stub scripts.
    .testTarget(name: "KittyHostTests", dependencies: ["KittyHost", "KittyCore", "KittyGit", "KittyTestSupport"]),
    /// Worktrees, branches, merges and cleanup in temporary repositories.
    .testTarget(
      name: "KittyWorkspacesTests", dependencies: ["KittyWorkspaces", "KittyGit", "KittyCore", "KittyTestSupport"]),
    /// The run loop in-process (scripted host, script agents), config, preflight, run state.
    .testTarget(
      name: "KittyOrchestratorTests",
      dependencies: [
        "KittyOrchestrator", "KittyExecutors", "KittyHost", "KittyCore", "KittyGit", "KittyTestSupport",
      ]),
    /// Processes, JSON, YAML and the other infrastructure.
    .testTarget(name: "KittyBasicsTests", dependencies: ["KittyBasics", "KittyTestSupport"]),
    /// Executors, agent argv and output parsers.
    .testTarget(name: "KittyExecutorsTests", dependencies: ["KittyExecutors", "KittyCore", "KittyTestSupport"]),
    /// Hooks with real git commits in real worktrees.
    .testTarget(name: "KittyHooksTests", dependencies: ["KittyHooks", "KittyCore", "KittyTestSupport"]),
    /// `git kitty doctor` checks.
    .testTarget(
      name: "KittyDoctorTests",
      dependencies: ["KittyDoctor", "KittyHooks", "KittyGit", "KittyCore", "KittyTestSupport"]),
    /// The dashboard server over HTTP.
    .testTarget(
      name: "KittyDashboardTests",
      dependencies: ["KittyDashboard", "KittyOrchestrator", "KittyHost", "KittyCore", "KittyTestSupport"]),
    /// The cluster job protocol, the Slurm executor and the Kubernetes rendering.
    .testTarget(
      name: "KittyClusterTests",
      dependencies: ["KittyCluster", "KittyExecutors", "KittyGit", "KittyCore", "KittyBasics", "KittyTestSupport"]),
    /// The built `git-kitty` binary: golden JSON, orchestrate runs, crash recovery, conformance dialects.
    .testTarget(name: "EndToEndTests", dependencies: ["KittyCore", "KittyTestSupport"]),
  ]
)
