import KittyCore
import Testing

/// spec-kitty's protection table (host-contract §5.9): config list exactly, `[]` = none, else main/master +
/// the remote default; the hatch variable disables protection.
@Suite struct ProtectedBranchesTests {
  @Test func defaultsAddTheRemoteDefaultBranch() throws {
    let policy = try ProtectedBranches.resolve(configYAML: nil, remoteDefaultBranch: "develop", environment: [:])
    #expect(policy.branches == ["main", "master", "develop"])
    #expect(policy.isProtected("refs/heads/develop"))
    #expect(!policy.isProtected("kitty/mission-x"))
  }

  @Test func configListIsExact() throws {
    let yaml = "vcs:\n  type: git\nprotection:\n  protected_branches:\n  - release\n  - trunk\n"
    let policy = try ProtectedBranches.resolve(configYAML: yaml, remoteDefaultBranch: "develop", environment: [:])
    #expect(policy.branches == ["release", "trunk"])
    #expect(!policy.isProtected("main"))
  }

  @Test func emptyListProtectsNothing() throws {
    let policy = try ProtectedBranches.resolve(
      configYAML: "protection:\n  protected_branches: []\n", remoteDefaultBranch: "main", environment: [:])
    #expect(policy.branches.isEmpty)
  }

  @Test func blockWithoutTheKeyFallsBackToDefaults() throws {
    let policy = try ProtectedBranches.resolve(
      configYAML: "protection:\n  other: 1\n", remoteDefaultBranch: nil, environment: [:])
    #expect(policy.branches == ["main", "master"])
  }

  @Test(arguments: ["1", "true", "YES", "True"])
  func hatchDisablesProtection(value: String) throws {
    let policy = try ProtectedBranches.resolve(
      configYAML: nil, remoteDefaultBranch: nil, environment: [ProtectedBranches.hatchVariable: value])
    #expect(!policy.isProtected("main"))
  }

  @Test(arguments: ["0", "no", " 1", ""])
  func otherHatchValuesKeepProtection(value: String) throws {
    let policy = try ProtectedBranches.resolve(
      configYAML: nil, remoteDefaultBranch: nil, environment: [ProtectedBranches.hatchVariable: value])
    #expect(policy.isProtected("main"))
  }

  @Test func malformedConfigIsAnError() {
    #expect(throws: ProtectedBranches.ConfigError.self) {
      try ProtectedBranches.resolve(
        configYAML: "protection:\n  protected_branches: main\n", remoteDefaultBranch: nil, environment: [:])
    }
    #expect(throws: ProtectedBranches.ConfigError.self) {
      try ProtectedBranches.resolve(configYAML: "- a\n- b\n", remoteDefaultBranch: nil, environment: [:])
    }
  }
}
