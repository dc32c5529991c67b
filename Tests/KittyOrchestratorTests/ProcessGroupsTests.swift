import Foundation
@testable import KittyOrchestrator
import KittyTestSupport
import Testing

/// Which recorded agent process groups a resume or abort may kill.
@Suite struct ProcessGroupsTests {
  /// A sleeping process leading its own process group, working in `directory`.
  func groupLeader(in directory: String) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sleep")
    process.arguments = ["30"]
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    try process.run()
    return process
  }

  @Test func aRunStateWithoutStartTimesKillsOnlyWhatWorksInALaneWorktree() throws {
    let root = TestSupport.temporaryDirectory("groups")
    let lane = "\(root)/.worktrees/mission-lane-a"
    try FileManager.default.createDirectory(atPath: lane, withIntermediateDirectories: true)
    let agent = try groupLeader(in: lane)
    let bystander = try groupLeader(in: root)
    defer {
      for process in [agent, bystander] where process.isRunning { process.terminate() }
    }
    for process in [agent, bystander] {
      try #require(getpgid(process.processIdentifier) == process.processIdentifier, "must lead its own group")
    }
    var state = RunState(mission: "mission", host: "native", actor: "test", options: SavedRunOptions())
    for (wp, process) in [("WP01", agent), ("WP02", bystander)] {
      var entry = WPRunState()
      entry.pid = process.processIdentifier  // no pidStart: written before start times were recorded
      state.wps[wp] = entry
    }
    ProcessGroups.killOrphans(state, root: root)
    agent.waitUntilExit()
    #expect(agent.terminationReason == .uncaughtSignal)
    #expect(bystander.isRunning, "a process outside the lane worktrees was killed")
  }

  @Test func aRecordedStartTimeMustMatch() throws {
    let root = TestSupport.temporaryDirectory("groups")
    let lane = "\(root)/.worktrees/mission-lane-a"
    try FileManager.default.createDirectory(atPath: lane, withIntermediateDirectories: true)
    let agent = try groupLeader(in: lane)
    defer { if agent.isRunning { agent.terminate() } }
    let start = try #require(ProcessGroups.startTime(agent.processIdentifier))
    var state = RunState(mission: "mission", host: "native", actor: "test", options: SavedRunOptions())
    var entry = WPRunState()
    entry.pid = agent.processIdentifier
    entry.pidStart = start + 1  // another process once had this pid
    state.wps["WP01"] = entry
    ProcessGroups.killOrphans(state, root: root)
    usleep(300_000)
    #expect(agent.isRunning)
    entry.pidStart = start
    state.wps["WP01"] = entry
    ProcessGroups.killOrphans(state, root: root)
    agent.waitUntilExit()
    #expect(agent.terminationReason == .uncaughtSignal)
  }
}
