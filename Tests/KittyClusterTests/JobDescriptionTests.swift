import Foundation
import KittyExecutors
import Testing

@testable import KittyCluster

@Suite struct JobDescriptionTests {
  static func sample() -> JobDescription {
    var job = JobDescription(
      run: "01JRUNID0000000000000000AB", mission: "demo-mission", wp: "WP01", role: .implementation, attempt: 2,
      cycle: 0, base: String(repeating: "a", count: 40), laneBranch: "kitty/mission-demo-lane-a",
      exchange: "/srv/repo/.git/kitty/exchange.git",
      refPrefix: JobDescription.refPrefix(
        run: "01JRUNID0000000000000000AB", wp: "WP01", role: .implementation, attempt: 2),
      agent: try! AgentCatalog.spec("script", settings: nil), prompt: "Work in /coordinator/.worktrees/x now.",
      coordinatorWorkspace: "/coordinator/.worktrees/x", timeoutSeconds: 600, sandbox: nil,
      sandboxSettings: SandboxSettings(), authorName: "Ada", authorEmail: "ada@example.com")
    job.script = "echo 'KITTY_JOB_EOF'\ntouch done"
    return job
  }

  @Test func roundTripsAndNamesTheJob() throws {
    let job = Self.sample()
    let decoded = try JobDescription.decode(job.encoded())
    #expect(decoded == job)
    #expect(job.jobName == "kitty-01jrunid-WP01-implementation-2")
    #expect(job.refPrefix == "refs/kitty/jobs/01JRUNID0000000000000000AB/WP01/implementation-2")
    #expect(!String(decoding: job.encoded(), as: UTF8.self).contains("\n"))
  }

  @Test func refusesNewerVersionsAndMissingFields() {
    var job = Self.sample()
    job.version = JobDescription.currentVersion + 1
    #expect(throws: JobDescription.Invalid.self) { try JobDescription.decode(job.encoded()) }
    do {
      _ = try JobDescription.decode(Data(#"{"version": 1, "run": "x"}"#.utf8))
      Issue.record("a description without its fields was accepted")
    } catch {
      #expect(error.message.contains("lacks"))
    }
    #expect(throws: JobDescription.Invalid.self) { try JobDescription.decode(Data("not json".utf8)) }
  }

  @Test func batchScriptCarriesTheDescriptionIntact() throws {
    let job = Self.sample()
    let script = SlurmExecutor.batchScript(job, gitKitty: "/opt/it's/git-kitty")
    #expect(script.hasPrefix("#!/bin/sh\n"))
    #expect(script.contains(#"exec '/opt/it'\''s/git-kitty' job run - <<'KITTY_JOB_EOF'"#))
    let lines = script.split(separator: "\n", omittingEmptySubsequences: false)
    let start = try #require(lines.firstIndex { $0.hasPrefix("exec ") })
    #expect(lines[start + 2] == "KITTY_JOB_EOF")
    #expect(try JobDescription.decode(Data(lines[start + 1].utf8)) == job)
  }

  @Test func sbatchArgumentsFollowTheSettings() {
    var settings = SlurmSettings()
    settings.partition = "gpu"
    settings.timeLimit = "30:00"
    settings.sbatchArgs = ["--account=ml"]
    let executor = SlurmExecutor(
      settings: settings, root: "/repo", sandbox: nil, sandboxSettings: SandboxSettings())
    let args = executor.sbatchArguments(name: "kitty-x-WP01-review-1")
    #expect(
      args == [
        "--job-name=kitty-x-WP01-review-1", "--chdir=/tmp", "--output=/tmp/git-kitty-%j.out", "--cpus-per-task=1",
        "--no-requeue", "--partition=gpu", "--time=30:00", "--account=ml",
      ])
  }

  @Test func kubernetesManifestMapsTheJob() throws {
    let job = Self.sample()
    let manifest = KubernetesJob(job: job, image: "registry.example/kitty:1", namespace: "agents").render()
    #expect(manifest.contains("kind: ConfigMap"))
    #expect(manifest.contains("kind: Job"))
    #expect(manifest.contains(#"name: "kitty-01jrunid-wp01-implementation-2""#))
    #expect(manifest.contains(#"namespace: "agents""#))
    #expect(manifest.contains("backoffLimit: 0"))
    #expect(manifest.contains("restartPolicy: Never"))
    #expect(manifest.contains(#"image: "registry.example/kitty:1""#))
    #expect(manifest.contains(#"command: ["git-kitty", "job", "run", "/etc/git-kitty/job.json"]"#))
    #expect(manifest.contains("activeDeadlineSeconds: 1200"))
    // The description inside the ConfigMap is the job, exactly.
    let line = try #require(manifest.split(separator: "\n").first { $0.contains("job.json:") })
    let quoted = String(line.drop { $0 != "\"" })
    let json = try #require(try JSONDecoder().decode(String.self, from: Data(quoted.utf8)))
    #expect(try JobDescription.decode(Data(json.utf8)) == job)
  }
}
