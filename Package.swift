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
    .systemLibrary(
      name: "CLibgit2",
      pkgConfig: "libgit2",
      providers: [.apt(["libgit2-dev"])]
    ),
    .target(name: "CKittyShims", dependencies: ["CLibgit2"]),
    .target(name: "KittyGit", dependencies: ["CLibgit2", "CKittyShims"]),
    .target(name: "CKittySystem"),
    /// Infrastructure with no domain knowledge: processes (swift-subprocess: own group, scrubbed environment,
    /// teardown, typed exit status, output streamed to a file).
    .target(
      name: "KittyBasics", dependencies: [.product(name: "Subprocess", package: "swift-subprocess"), "CKittySystem"]),
    /// The domain: missions, WPs, lanes and their guards, the event log and its fold, status files, policy.
    .target(name: "KittyCore", dependencies: ["Yams", "CKittySystem", "KittyBasics"]),
    /// Lane/review branches, lane worktrees, merges and cleanup, all through KittyGit.
    .target(name: "KittyWorkspaces", dependencies: ["KittyCore", "KittyGit"]),
    .target(name: "KittyHost", dependencies: ["KittyCore", "KittyGit", "KittyWorkspaces"]),
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
    .target(
      name: "KittyCLI",
      dependencies: [
        "KittyHost", "KittyCore", "KittyGit", "KittyWorkspaces", "KittyOrchestrator", "KittyExecutors", "KittyHooks",
        "KittyDoctor", "KittyBasics", "KittyDashboard", "KittyCluster",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(name: "git-kitty", dependencies: ["KittyCLI"]),
    .target(name: "KittyTestSupport", path: "Tests/KittyTestSupport"),
    .testTarget(name: "KittyGitTests", dependencies: ["KittyGit", "KittyTestSupport"]),
    .testTarget(name: "KittyCoreTests", dependencies: ["KittyCore", "KittyTestSupport"]),
    .testTarget(name: "KittyHostTests", dependencies: ["KittyHost", "KittyCore", "KittyGit", "KittyTestSupport"]),
    .testTarget(
      name: "KittyWorkspacesTests", dependencies: ["KittyWorkspaces", "KittyGit", "KittyCore", "KittyTestSupport"]),
    .testTarget(
      name: "KittyOrchestratorTests",
      dependencies: [
        "KittyOrchestrator", "KittyExecutors", "KittyHost", "KittyCore", "KittyGit", "KittyTestSupport",
      ]),
    .testTarget(name: "KittyBasicsTests", dependencies: ["KittyBasics", "KittyTestSupport"]),
    .testTarget(name: "KittyExecutorsTests", dependencies: ["KittyExecutors", "KittyCore", "KittyTestSupport"]),
    .testTarget(name: "KittyHooksTests", dependencies: ["KittyHooks", "KittyCore", "KittyTestSupport"]),
    .testTarget(
      name: "KittyDoctorTests",
      dependencies: ["KittyDoctor", "KittyHooks", "KittyGit", "KittyCore", "KittyTestSupport"]),
    .testTarget(
      name: "KittyDashboardTests",
      dependencies: ["KittyDashboard", "KittyOrchestrator", "KittyHost", "KittyCore", "KittyTestSupport"]),
    .testTarget(
      name: "KittyClusterTests",
      dependencies: ["KittyCluster", "KittyExecutors", "KittyGit", "KittyCore", "KittyBasics", "KittyTestSupport"]),
    .testTarget(name: "EndToEndTests", dependencies: ["KittyCore", "KittyTestSupport"]),
  ]
)
