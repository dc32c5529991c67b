import Foundation
import KittyTestSupport
import Testing

@testable import KittyDashboard

@Suite("git kitty dashboard: the server", .serialized)
struct DashboardServerTests {
  @Test func missionsListEveryMissionWithItsProgress() async throws {
    let sandbox = try finishedSandbox()
    let dashboard = try await RunningDashboard.start(root: sandbox.repo)
    let reply = try dashboard.get("/api/missions")
    #expect(reply.status == 200)
    #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true)
    let missions = try #require(reply.json["missions"] as? [[String: Any]])
    #expect(missions.map { $0["slug"] as? String }.contains(sandbox.slug))
    let mission = try #require(missions.first { $0["slug"] as? String == sandbox.slug })
    #expect(mission["total"] as? Int == 3)
    #expect(mission["done"] as? Int == 3, "approved and done count as done")
    #expect((mission["lanes"] as? [String: Int])?["approved"] == 3)
    #expect((mission["lanes"] as? [String: Int])?["planned"] == 0)
    #expect((reply.json["run"] as? [String: Any])?["mission"] as? String == sandbox.slug)
    await dashboard.stop()
  }

  @Test func theBoardHasEveryWPInItsLaneWithItsAgentAndDependencies() async throws {
    let sandbox = try finishedSandbox()
    let dashboard = try await RunningDashboard.start(root: sandbox.repo)
    let reply = try dashboard.get("/api/missions/\(sandbox.slug)/board")
    await dashboard.stop()
    #expect(reply.status == 200)
    let board = reply.json
    #expect(
      board["lane_order"] as? [String] == [
        "planned", "claimed", "in_progress", "for_review", "in_review", "approved", "done", "blocked", "canceled",
      ])
    let cards = try #require(board["work_packages"] as? [[String: Any]])
    #expect(cards.map { $0["id"] as? String } == ["WP01", "WP02", "WP03"])
    #expect(cards.allSatisfy { $0["lane"] as? String == "approved" })
    #expect(cards[1]["dependencies"] as? [String] == ["WP01"])
    #expect(cards.allSatisfy { $0["agent"] as? String == "script" })
    for key in [
      "role", "attempt", "cycle", "elapsed_seconds", "cost_usd", "input_tokens", "output_tokens", "last_error", "title",
    ] {
      #expect(cards[0].keys.contains(key), "card lacks \(key)")
    }
    #expect(cards[0]["attempt"] as? Int ?? 0 >= 1)
  }

  @Test func aWPPageHasItsTextEventsReviewsAndLogs() async throws {
    let sandbox = try finishedSandbox(1)
    let dashboard = try await RunningDashboard.start(root: sandbox.repo)
    let reply = try dashboard.get("/api/missions/\(sandbox.slug)/wps/WP01")
    let run = try dashboard.get("/api/run")
    await dashboard.stop()
    #expect(reply.status == 200)
    let page = reply.json
    #expect((page["text"] as? String)?.contains("kitty-implement") == true)
    let events = try #require(page["events"] as? [[String: Any]])
    #expect(events.first?["to"] as? String == "planned")
    #expect(events.map { $0["to"] as? String }.contains("in_review"))
    #expect(events.last?["to"] as? String == "approved")
    let reviews = try #require(page["reviews"] as? [[String: Any]])
    #expect(reviews.map { $0["verdict"] as? String } == ["approved"])
    let logs = try #require(page["logs"] as? [[String: Any]])
    #expect(logs.contains { ($0["name"] as? String)?.hasPrefix("implementation-1") == true })
    let panel = try #require(run.json["run"] as? [String: Any])
    #expect(panel["mission"] as? String == sandbox.slug)
    #expect(panel["state"] as? String == "completed")
    #expect(panel["agents_alive"] as? Int == 0)
    #expect((panel["totals"] as? [String: Any])?.keys.contains("cost_usd") == true)
    #expect((panel["work_packages"] as? [[String: Any]])?.first?["id"] as? String == "WP01")
  }

  @Test func aMergedWPsDiffFallsBackToItsReviewBranchThenToTheMergeCommit() async throws {
    let sandbox = try finishedSandbox(2)
    let dashboard = try await RunningDashboard.start(root: sandbox.repo)
    let path = "/api/missions/\(sandbox.slug)/wps/WP01/diff"
    func diff() throws -> (source: String?, stat: String, patch: String) {
      let reply = try dashboard.get(path)
      #expect(reply.status == 200)
      #expect(reply.json["exists"] as? Bool == true, "\(reply.json)")
      return (reply.json["source"] as? String, reply.json["stat"] as? String ?? "", reply.json["diff"] as? String ?? "")
    }
    let lane = try diff()
    #expect(lane.source == "lane")
    #expect(lane.stat.contains("src/wp1.sh") && lane.patch.contains("+WP01"))
    let reviewBranch = "kitty/review/\(sandbox.slug)/WP01/1"
    let reviewed = try TestSupport.git(["rev-parse", reviewBranch], in: sandbox.repo)
      .trimmingCharacters(in: .whitespacesAndNewlines)

    let merged = try sandbox.kitty(["orchestrator-api", "merge-mission", "--mission", sandbox.slug])
    #expect(merged.status == 0, "\(merged.stdout) \(merged.stderr)")
    let branches = try TestSupport.git(["branch", "--list", "kitty/*"], in: sandbox.repo)
    #expect(!branches.contains("lane-") && !branches.contains("kitty/review/"), "lane and review branches are gone")
    // Nothing but the merge commits is left.
    let fromMerge = try diff()
    #expect(["lane_merge", "mission_merge"].contains(fromMerge.source ?? ""), "\(fromMerge)")
    #expect(fromMerge.stat.contains("src/wp1.sh"))

    // A review branch, merged: the approved commit against the target as it was before the merge.
    try TestSupport.git(["branch", reviewBranch, reviewed], in: sandbox.repo)
    let fromReview = try diff()
    let graph = try TestSupport.git(["log", "--graph", "--format=%h %s %D", "--all"], in: sandbox.repo)
    #expect(fromReview.source == "review_branch", "\(graph) reviewed \(reviewed)")
    #expect(fromReview.stat.contains("src/wp1.sh") && fromReview.patch.contains("+WP01"))
    #expect(!fromReview.stat.contains("src/wp2.sh"), "only WP01's work: \(fromReview.stat)")
    await dashboard.stop()
  }

  @Test func everyEndpointNeedsTheTokenAndItsOwnHostName() async throws {
    let sandbox = try finishedSandbox(1)
    let dashboard = try await RunningDashboard.start(root: sandbox.repo, allowActions: true)
    let paths = [
      "/", "/app.js", "/app.css", "/api/missions", "/api/run", "/api/events", "/api/missions/\(sandbox.slug)/board",
      "/api/missions/\(sandbox.slug)/wps/WP01", "/api/missions/\(sandbox.slug)/wps/WP01/diff",
      "/api/missions/\(sandbox.slug)/wps/WP01/logs/implementation-1.log",
    ]
    for path in paths {
      #expect(try dashboard.probe.request(path).status == 401, "\(path) without a token")
      #expect(try dashboard.probe.request(path + "?token=wrong\(dashboard.token.dropFirst(5))").status == 401)
    }
    #expect(try dashboard.probe.request("POST", "/api/run/abort").status == 401)
    // A page elsewhere that rebinds a name to 127.0.0.1 sends its own Host header.
    let rebound = try dashboard.probe.request(dashboard.authed("/api/missions"), headers: ["Host": "evil.example:80"])
    #expect(rebound.status == 403)
    // The index page sets the token as a cookie, which then suffices.
    let index = try dashboard.get("/")
    #expect(index.status == 200)
    let cookie = try #require(index.headers["set-cookie"])
    #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
    let pair = String(cookie.split(separator: ";")[0])
    #expect(try dashboard.probe.request("/api/run", headers: ["Cookie": pair]).status == 200)
    await dashboard.stop()
  }

  @Test func unknownMissionsWPsLogsAndRoutesAre404() async throws {
    let sandbox = try finishedSandbox(1)
    let dashboard = try await RunningDashboard.start(root: sandbox.repo)
    #expect(try dashboard.get("/api/missions/nope-01ABCDEF/board").status == 404)
    #expect(try dashboard.get("/api/missions/\(sandbox.slug)/wps/WP09").status == 404)
    #expect(try dashboard.get("/api/missions/\(sandbox.slug)/wps/WP01/logs/missing.log").status == 404)
    #expect(try dashboard.get("/api/missions/\(sandbox.slug)/wps/WP01/logs/..").status != 200)
    #expect(try dashboard.get("/api/missions/..%2F..%2Fetc/board").status == 404)
    #expect(try dashboard.get("/api/nothing").status == 404)
    let missing = try dashboard.get("/api/missions/nope-01ABCDEF/board")
    #expect((missing.json["error"] as? String)?.contains("not found") == true)
    await dashboard.stop()
  }

  @Test func actionsAreRefusedWithoutAllowActionsAPageTokenOrTheOrigin() async throws {
    let sandbox = try finishedSandbox(1)
    let closed = try await RunningDashboard.start(root: sandbox.repo)
    let origin = "http://127.0.0.1:\(closed.port)"
    let refused = try closed.probe.request(
      "POST", closed.authed("/api/run/abort"), headers: ["Origin": origin], body: "{}")
    #expect(refused.status == 403)
    #expect((refused.json["error"] as? String)?.contains("--allow-actions") == true)
    await closed.stop()

    let open = try await RunningDashboard.start(root: sandbox.repo, allowActions: true)
    let index = try open.get("/")
    let pageToken = try #require(
      index.body.range(of: #"kitty-page-token" content=""#).map { index.body[$0.upperBound...].prefix(64) })
    let own = "http://127.0.0.1:\(open.port)"
    let noPageToken = try open.probe.request("POST", open.authed("/api/run/abort"), headers: ["Origin": own])
    #expect(noPageToken.status == 403)
    let foreign = try open.probe.request(
      "POST", open.authed("/api/run/abort"),
      headers: ["Origin": "http://evil.example", "X-Kitty-Page-Token": String(pageToken)])
    #expect(foreign.status == 403)
    #expect(try sandbox.runState()["state"] as? String == "completed")
    let reject = try open.probe.request(
      "POST", open.authed("/api/missions/\(sandbox.slug)/wps/WP01/request-changes"),
      headers: ["Origin": own, "X-Kitty-Page-Token": String(pageToken)], body: "{}")
    #expect(reject.status == 400, "request-changes without feedback")
    let abort = try open.probe.request(
      "POST", open.authed("/api/run/abort"), headers: ["Origin": own, "X-Kitty-Page-Token": String(pageToken)])
    #expect(abort.status == 200)
    #expect(try sandbox.runState()["state"] as? String == "aborted")
    await open.stop()
  }

  @Test func aLogLargerThanMemoryIsServedInPages() async throws {
    let sandbox = try finishedSandbox(1)
    let directory = "\(sandbox.repo)/.kittify/logs/\(sandbox.slug)/WP01"
    // 64 GiB, sparse: reading it whole would exhaust the machine; a page reads only its own bytes.
    let path = "\(directory)/huge.log"
    let fd = open(path, O_CREAT | O_WRONLY, 0o644)
    #expect(fd >= 0)
    let size: off_t = 64 << 30
    #expect(ftruncate(fd, size) == 0)
    let ending = "second to last line\nthe very last line\n"
    _ = ending.withCString { pwrite(fd, $0, strlen($0), size - off_t(ending.utf8.count)) }
    let middle = "a line in the middle\n"
    _ = middle.withCString { pwrite(fd, $0, strlen($0), 1 << 30) }
    close(fd)
    defer { unlink(path) }
    let dashboard = try await RunningDashboard.start(root: sandbox.repo)
    let base = "/api/missions/\(sandbox.slug)/wps/WP01/logs/huge.log"
    let tail = try dashboard.get(base + "?limit=4096").json
    #expect(tail["size"] as? Int == Int(size))
    #expect(tail["next_offset"] as? Int == Int(size))
    #expect((tail["text"] as? String)?.hasSuffix("the very last line\n") == true)
    #expect((tail["text"] as? String)?.utf8.count ?? .max <= 4096)
    let page = try dashboard.get(base + "?offset=\(1 << 30)&limit=1000").json
    #expect((page["text"] as? String)?.hasPrefix(middle) == true)
    #expect(page["next_offset"] as? Int == (1 << 30) + 1000)
    // A page never exceeds the cap, whatever the client asks.
    let capped = try dashboard.get(base + "?offset=0&limit=999999999").json
    #expect((capped["next_offset"] as? Int ?? .max) <= LogPager.maximumPage)
    await dashboard.stop()
  }

  @Test func aSmallLogReadPageByPageIsTheWholeFile() async throws {
    let sandbox = try finishedSandbox(1)
    let path = "\(sandbox.repo)/.kittify/logs/\(sandbox.slug)/WP01/paged.log"
    let lines = (1...3000).map { "line \($0) é ✓ \(String(repeating: "x", count: $0 % 50))" }
    let text = lines.joined(separator: "\n") + "\n"
    try TestSupport.write(text, to: path)
    let dashboard = try await RunningDashboard.start(root: sandbox.repo)
    var offset = 0
    var collected = ""
    var pages = 0
    while pages < 1000 {
      let page = try dashboard.get("/api/missions/\(sandbox.slug)/wps/WP01/logs/paged.log?offset=\(offset)&limit=5000")
        .json
      collected += page["text"] as? String ?? ""
      offset = page["next_offset"] as? Int ?? offset
      pages += 1
      if page["eof"] as? Bool == true { break }
    }
    await dashboard.stop()
    #expect(collected == text)
    #expect(pages > 10)
  }

  @Test func theEventStreamAnnouncesALogAppendAndAMissionChangeWithinOneSecond() async throws {
    let sandbox = try finishedSandbox(1)
    let dashboard = try await RunningDashboard.start(root: sandbox.repo)
    let stream = try EventStreamProbe(port: dashboard.port, target: dashboard.authed("/api/events"))
    #expect(stream.waitFor("event: hello", seconds: 2))
    #expect(stream.received.hasPrefix("HTTP/1.1 200"))
    #expect(stream.received.lowercased().contains("content-type: text/event-stream"))
    let log = "\(sandbox.repo)/.kittify/logs/\(sandbox.slug)/WP01/implementation-1.log"
    let handle = try #require(FileHandle(forWritingAtPath: log))
    handle.seekToEndOfFile()
    handle.write(Data("more output\n".utf8))
    try handle.close()
    #expect(stream.waitFor(#""name": "implementation-1.log""#, seconds: 1))
    // Another writer appends to the event log (as spec-kitty or a git pull would).
    let events = try TestSupport.read(sandbox.eventsPath)
    try TestSupport.write(events + (events.split(separator: "\n").last.map { $0 + "\n" } ?? ""), to: sandbox.eventsPath)
    #expect(stream.waitFor(#""kind": "mission", "mission": "\#(sandbox.slug)""#, seconds: 1))
    await dashboard.stop()
  }

  @Test func readingTheBoardAnnouncesNoChange() async throws {
    // Asking who holds the run lock opens the lock file for writing: that must not look like a change, or every
    // client's refetch would announce another one.
    let sandbox = try finishedSandbox(1)
    let dashboard = try await RunningDashboard.start(root: sandbox.repo)
    let stream = try EventStreamProbe(port: dashboard.port, target: dashboard.authed("/api/events"))
    #expect(stream.waitFor("event: hello", seconds: 2))
    for _ in 0..<3 {
      #expect(try dashboard.get("/api/missions/\(sandbox.slug)/board").status == 200)
      #expect(try dashboard.get("/api/run").status == 200)
      #expect(try dashboard.get("/api/missions").status == 200)
    }
    #expect(!stream.waitFor("event: change", seconds: 0.5))
    await dashboard.stop()
  }

  @Test func theEmbeddedWebAppIsTheFilesInWeb() throws {
    let web = "\(TestSupport.repoRoot)/Sources/KittyDashboard/Web"
    #expect(try TestSupport.read("\(web)/index.html") == WebAssets.indexHTML + "\n")
    #expect(try TestSupport.read("\(web)/app.js") == WebAssets.appJS + "\n")
    #expect(try TestSupport.read("\(web)/app.css") == WebAssets.appCSS + "\n")
  }

  @Test func loopbackAddressesAreTold() {
    #expect(DashboardOptions.isLoopback("127.0.0.1"))
    #expect(DashboardOptions.isLoopback("::1"))
    #expect(!DashboardOptions.isLoopback("0.0.0.0"))
    #expect(!DashboardOptions.isLoopback("192.168.1.2"))
  }
}
