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
    .target(name: "KittyCore", dependencies: ["Yams", "CKittySystem"]),
    .target(name: "KittyWorkspaces", dependencies: ["KittyCore", "KittyGit"]),
    .target(name: "KittyHost", dependencies: ["KittyCore", "KittyGit", "KittyWorkspaces"]),
    .target(name: "KittyHooks", dependencies: ["KittyHost", "KittyCore", "KittyGit", "KittyWorkspaces"]),
    .target(
      name: "KittyOrchestrator",
      dependencies: [
        "KittyHost", "KittyCore", "KittyGit", "KittyWorkspaces", .product(name: "TOMLKit", package: "TOMLKit"),
      ]),
    .target(
      name: "KittyDoctor",
      dependencies: ["KittyOrchestrator", "KittyHooks", "KittyHost", "KittyWorkspaces", "KittyCore", "KittyGit"]),
    .target(
      name: "KittyCLI",
      dependencies: [
        "KittyHost", "KittyCore", "KittyGit", "KittyWorkspaces", "KittyOrchestrator", "KittyHooks", "KittyDoctor",
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
      dependencies: ["KittyOrchestrator", "KittyHost", "KittyCore", "KittyGit", "KittyTestSupport"]),
    .testTarget(name: "KittyHooksTests", dependencies: ["KittyHooks", "KittyCore", "KittyTestSupport"]),
    .testTarget(
      name: "KittyDoctorTests",
      dependencies: ["KittyDoctor", "KittyHooks", "KittyGit", "KittyCore", "KittyTestSupport"]),
    .testTarget(name: "EndToEndTests", dependencies: ["KittyCore", "KittyTestSupport"]),
  ]
)
