#!/usr/bin/env python3
"""`make test-slurm`: git kitty orchestrate --executor slurm on a real Slurm cluster (scripts/slurm/: a controller
and two slurmd nodes, kn1 and kn2, in their own network and UTS namespaces on this machine).

Every scenario makes a fresh repository with a mission whose WPs carry script-agent blocks that record where they
ran (host name, Slurm job id, working directory) in a marker directory, runs the orchestrator with
`--executor slurm`, and checks lanes, the merged result, the markers and the queue.

Usage: test_slurm.py [--bin PATH] [--only NAME ...] [--keep]
Needs the cluster up (SLURM_CONF in the environment; the Makefile target starts it). Prints one line per scenario
and a closing `N passed, N failed` line; exits 1 when any failed.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
SLURM_SCRIPTS = os.path.join(REPO_ROOT, "scripts", "slurm")


sys.path.insert(0, os.path.join(os.path.dirname(HERE), "Agents"))
from test_agents import Failure, check, sh  # noqa: E402  (the same small test kit as the agent scenarios)


WP_TEMPLATE = """---
work_package_id: {id}
title: {title}
dependencies: [{deps}]
subtasks: []
execution_mode: code_change
owned_files:
- {file}
---

# {id} – {title}

Create `{file}`.

```sh kitty-implement
{implement}
```

```sh kitty-review
{review}
```
"""


def squeue(names_prefix):
    out = subprocess.run(["squeue", "-h", "-o", "%i|%j|%T|%N"], capture_output=True, text=True).stdout
    return [l.split("|") for l in out.splitlines() if l.split("|")[1].startswith(names_prefix)]


class Run:
    def __init__(self, name, bin_path, keep):
        self.name = name
        # Under /var/tmp: the nodes share this machine's filesystem (a cluster with a shared filesystem).
        self.root = tempfile.mkdtemp(prefix="kitty-slurm-%s-" % name, dir="/var/tmp")
        os.chmod(self.root, 0o755)
        self.keep = keep
        self.bin = bin_path
        self.env = dict(os.environ)
        self.env["PATH"] = os.path.dirname(bin_path) + os.pathsep + self.env.get("PATH", "")
        for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
            self.env.pop(key, None)
        self.markers = os.path.join(self.root, "markers")
        os.makedirs(self.markers)
        self.repo = os.path.join(self.root, "repo")
        self.events = []
        self.result = None
        self.proc = None

    def git(self, *args, **kw):
        return sh(["git"] + list(args), self.repo, env=self.env, **kw)

    def kitty(self, *args, **kw):
        return sh(["git", "kitty"] + list(args), self.repo, env=self.env, **kw)

    def make_mission(self, wps, config=""):
        """wps: list of (id, deps, implement-extra, review) -- the implement block always records a marker."""
        os.makedirs(self.repo)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "kitty slurm test")
        self.git("config", "user.email", "slurm@git-kitty.invalid")
        self.git("config", "commit.gpgsign", "false")
        with open(os.path.join(self.repo, "README.md"), "w") as f:
            f.write("# fan-out\n")
        self.git("add", "-A")
        self.git("commit", "-qm", "initial commit")
        self.git("switch", "-q", "-c", "feature/fan")
        self.kitty("init")
        self.git("add", "-A")
        self.git("commit", "-qm", "chore: git kitty init")
        self.slug = self.kitty("mission", "new", "fan").stdout.strip()
        tasks = os.path.join(self.repo, "kitty-specs", self.slug, "tasks")
        for wp, deps, extra, review in wps:
            path = "src/%s.txt" % wp.lower()
            marker = os.path.join(self.markers, wp)
            implement = (
                'echo "$(hostname) ${SLURM_JOB_ID:-none} $PWD $KITTY_ROLE" >> %s\n%s\n'
                'mkdir -p src && echo %s > %s && git add %s && git commit -qm "feat(%s): %s"'
                % (marker, extra, wp, path, path, wp, path))
            with open(os.path.join(tasks, "%s-part.md" % wp), "w") as f:
                f.write(WP_TEMPLATE.format(id=wp, title="Part " + wp, deps=deps, file=path, implement=implement,
                                           review=review or 'echo "$(hostname) review" >> %s.review' % marker))
        if config:
            with open(os.path.join(self.repo, ".kittify", "orchestrator.toml"), "w") as f:
                f.write(config)
        self.git("add", "-A")
        self.git("commit", "-qm", "docs: work packages")
        self.kitty("mission", "finalize", self.slug)
        self.git("add", "-A")
        self.git("commit", "-qm", "chore: finalize", "--allow-empty")

    def orchestrate_args(self, extra=()):
        sandbox = [] if "--sandbox" in extra else ["--sandbox", "none"]
        return (["git", "kitty", "orchestrate", "--mission", self.slug, "--json", "--merge", "--executor", "slurm",
                 "--impl-agent", "script", "--review-agent", "script"] + sandbox + list(extra))

    def orchestrate(self, extra=(), timeout=600):
        started = time.time()
        self.result = sh(self.orchestrate_args(extra), self.repo, env=self.env, timeout=timeout, check_rc=False)
        self.seconds = time.time() - started
        self.events = [json.loads(l) for l in self.result.stdout.splitlines() if l.startswith("{")]
        return self.result.returncode

    def start(self, extra=()):
        """Starts orchestrate in the background (its own process group)."""
        self.out = open(os.path.join(self.root, "orchestrate.out"), "w")
        self.err = open(os.path.join(self.root, "orchestrate.err"), "w")
        self.proc = subprocess.Popen(self.orchestrate_args(extra), cwd=self.repo, env=self.env, stdout=self.out,
                                     stderr=self.err, start_new_session=True)

    def start_until_running(self, count, extra=("--max-concurrent", "4")):
        """Starts orchestrate in the background and waits until `count` of its jobs run."""
        self.start(list(extra))
        self.wait_for("%d running jobs" % count, lambda: os.path.exists(os.path.join(
            self.repo, ".kittify", "orchestrator-run-state.json")) and running_jobs(self, count)(), 60)

    def kill_coordinator(self):
        """kill -9 of git-kitty itself (not the `git` that started it): its jobs run on the nodes."""
        os.kill(self.run_state()["pid"], signal.SIGKILL)
        self.proc.wait(30)

    def resume(self):
        self.result = sh(["git", "kitty", "resume", "--json"], self.repo, env=self.env, timeout=300, check_rc=False)
        self.events = [json.loads(l) for l in self.result.stdout.splitlines() if l.startswith("{")]

    def lanes(self):
        out = self.kitty("orchestrator-api", "mission-state", "--mission", self.slug, check_rc=False).stdout
        return {wp["wp_id"]: wp["lane"] for wp in json.loads(out)["data"]["work_packages"]}

    def run_state(self):
        with open(os.path.join(self.repo, ".kittify", "orchestrator-run-state.json")) as f:
            return json.load(f)

    def marker_lines(self, wp):
        path = os.path.join(self.markers, wp)
        return [l.split() for l in open(path)] if os.path.exists(path) else []

    def job_prefix(self):
        return "kitty-%s-" % self.run_state()["run_id"][:8].lower()

    def kinds(self, kind):
        return [e for e in self.events if e.get("event") == kind]

    def target_files(self):
        return set(self.git("ls-tree", "-r", "--name-only", "feature/fan").stdout.split())

    def wait_for(self, what, predicate, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(0.2)
        raise Failure("timed out waiting for " + what + self.explain())

    def explain(self):
        tail = self.result.stderr[-3000:] if self.result else ""
        if self.proc and os.path.exists(os.path.join(self.root, "orchestrate.err")):
            tail += open(os.path.join(self.root, "orchestrate.err")).read()[-3000:]
        return "\n--- stderr tail ---\n%s\n--- root: %s" % (tail, self.root)

    def close(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        try:
            prefix = self.job_prefix()
            ids = [j[0] for j in squeue(prefix)]
            if ids:
                subprocess.run(["scancel"] + ids, capture_output=True)
        except Exception:
            pass
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)


def expect_merged(run, wps):
    check(run.result.returncode == 0, "orchestrate failed" + run.explain())
    lanes = run.lanes()
    check(all(lane == "done" for lane in lanes.values()), "lanes %s" % lanes)
    files = run.target_files()
    for wp in wps:
        check("src/%s.txt" % wp.lower() in files, "src/%s.txt not merged: %s" % (wp.lower(), sorted(files)))


def on_nodes(run, wps):
    """Every WP implemented exactly once, on a node, in a node-local worktree; returns the set of nodes."""
    nodes = set()
    lane_worktrees = os.path.join(run.repo, ".worktrees")
    for wp in wps:
        lines = run.marker_lines(wp)
        check(len(lines) == 1, "%s implemented %d times: %s" % (wp, len(lines), lines))
        host, job, cwd, role = lines[0]
        check(host in ("kn1", "kn2"), "%s ran on %s, not a node" % (wp, host))
        check(job != "none", "%s did not run under Slurm" % wp)
        check(not cwd.startswith(lane_worktrees) and not cwd.startswith(run.repo),
              "%s ran in %s, not a node-local clone" % (wp, cwd))
        nodes.add(host)
    return nodes


# ---------------------------------------------------------------- the scenarios

FAST = ("[agents]\nmax_retries = {retries}\nretry_backoff_seconds = 0.2\n[executor.slurm]\npoll_seconds = 0.25\n"
        "work_directory = \"{out}\"\n")


def fast(run, retries=1):
    out = os.path.join(run.root, "slurm-out")
    os.makedirs(out, exist_ok=True)
    return FAST.format(retries=retries, out=out)


def fan_out(run):
    wps = ["WP%02d" % i for i in range(1, 5)]
    run.make_mission([(wp, "", "sleep 2", "") for wp in wps] + [("WP05", "WP01, WP02, WP03, WP04", "", "")],
                     fast(run))
    run.orchestrate(["--max-concurrent", "4"])
    expect_merged(run, wps + ["WP05"])
    nodes = on_nodes(run, wps + ["WP05"])
    check(nodes == {"kn1", "kn2"}, "both nodes should get work: %s" % nodes)
    check(len(run.kinds("job")) >= 10, "job events: %d" % len(run.kinds("job")))
    state = run.run_state()
    check(all(not wp.get("job") for wp in state["wps"].values()), "finished run still records jobs")
    check(not squeue(run.job_prefix()) or all(j[2] in ("COMPLETED",) for j in squeue(run.job_prefix())),
          "jobs left in the queue: %s" % squeue(run.job_prefix()))
    return "merged in %.1f s on %s" % (run.seconds, ",".join(sorted(nodes)))


def running_jobs(run, count):
    return lambda: len([j for j in squeue(run.job_prefix()) if j[2] == "RUNNING"]) >= count


def crash_then_resume(run):
    wps = ["WP01", "WP02", "WP03"]
    run.make_mission([(wp, "", "sleep 6", "") for wp in wps], fast(run))
    run.start_until_running(3)
    run.wait_for("the agents to start", lambda: all(run.marker_lines(wp) for wp in wps), 30)
    run.kill_coordinator()
    check(len(squeue(run.job_prefix())) >= 3, "the jobs should outlive the coordinator")
    started = time.time()
    run.resume()
    expect_merged(run, wps)
    on_nodes(run, wps)  # each implemented exactly once: adopted, never submitted twice
    with open(os.path.join(run.root, "orchestrate.out")) as f:
        before = [json.loads(l) for l in f if l.startswith("{")]
    submitted = [e for e in before + run.events if e.get("event") == "job" and "submitted" in e.get("message", "")]
    adopted = [e for e in run.events if e.get("event") == "job"]
    check(adopted, "resume reported no jobs")
    logs = open(os.path.join(run.repo, ".kittify", "logs", run.slug, "WP01", "implementation-2.log")).read()
    check("adopting job" in logs, "WP01's job was not adopted:\n" + logs)
    return "resumed in %.1f s; %d job events" % (time.time() - started, len(submitted) + len(adopted))


def finished_while_down(run):
    """Jobs that finish while the coordinator is dead: resume collects their results, submits nothing again."""
    wps = ["WP01", "WP02"]
    run.make_mission([(wp, "", "sleep 3", "") for wp in wps], fast(run))
    run.start_until_running(2)
    run.kill_coordinator()
    prefix = run.job_prefix()
    run.wait_for("the jobs to finish", lambda: not [j for j in squeue(prefix) if j[2] in ("PENDING", "RUNNING",
                                                                                         "COMPLETING")], 60)
    run.resume()
    expect_merged(run, wps)
    on_nodes(run, wps)  # implemented exactly once each: the finished jobs' results were collected
    for wp in wps:
        log = open(os.path.join(run.repo, ".kittify", "logs", run.slug, wp, "implementation-2.log")).read()
        check("adopting job" in log and "the lane moved to the job's work" in log, "%s:\n%s" % (wp, log))
    return "results of 2 jobs that ended while the coordinator was down collected"


def abort_cancels(run):
    wps = ["WP01", "WP02"]
    run.make_mission([(wp, "", "sleep 120", "") for wp in wps], fast(run))
    run.start_until_running(2)
    prefix = run.job_prefix()
    run.wait_for("status to show the jobs' nodes",
                 lambda: run.kitty("status").stdout.count("@kn") >= 2, 30)
    jobs = os.path.join(run.repo, ".kittify", "jobs", run.run_state()["run_id"])
    manifest = run.kitty("job", "render", "--kind", "kubernetes", os.path.join(jobs, "WP01.job")).stdout
    check("kind: Job" in manifest and "git-kitty/wp" in manifest, "job render: " + manifest[:500])
    out = run.kitty("abort").stdout
    left = [j for j in squeue(prefix) if j[2] not in ("CANCELLED", "COMPLETED", "FAILED")]
    check(not left, "jobs left after abort: %s\n%s" % (left, out))
    run.proc.wait(30)
    lanes = run.lanes()
    check(all(lane == "planned" for lane in lanes.values()), "lanes after abort: %s\n%s" % (lanes, out))
    return "no job left in squeue"


def node_lost(run):
    first = os.path.join(run.root, "first-try")
    run.make_mission([("WP01", "", "if [ ! -e %s ]; then touch %s; sleep 300; fi" % (first, first), "")],
                     fast(run, retries=1))
    run.start()
    run.wait_for("the first attempt to run", lambda: os.path.exists(first), 60)
    node = run.marker_lines("WP01")[0][0]
    sh([os.path.join(SLURM_SCRIPTS, "kill-node.sh"), node], REPO_ROOT)
    try:
        run.proc.wait(180)
    finally:
        sh([os.path.join(SLURM_SCRIPTS, "revive-node.sh"), node], REPO_ROOT, check_rc=False)
    run.result = subprocess.CompletedProcess([], run.proc.returncode, "", open(os.path.join(run.root,
                                             "orchestrate.err")).read())
    check(run.proc.returncode == 0, "orchestrate failed after a lost node" + run.explain())
    lines = run.marker_lines("WP01")
    check(len(lines) == 2 and lines[0][0] == node and lines[1][0] != node,
          "expected a retry on the other node: %s" % lines)
    with open(os.path.join(run.root, "orchestrate.out")) as f:
        events = [json.loads(l) for l in f if l.startswith("{")]
    failed = [e for e in events if e.get("event") == "attempt-failed"]
    check(failed and "NODE_FAIL" in failed[0].get("message", ""), "no NODE_FAIL attempt: %s" % failed)
    return "lost %s, retried on %s" % (node, lines[1][0])


def hostile_jobs(run):
    exchange = os.path.join(run.repo, ".git", "kitty", "exchange.git")
    pushes = ("git push -q %s HEAD:refs/heads/main 2>>%s/push.err; "
              "git push -q %s HEAD:refs/kitty/jobs/forged/WP09/implementation-1/work 2>>%s/push.err; true"
              % (exchange, run.root, exchange, run.root))
    rewrite = "git reset -q --hard HEAD~2 && echo rewritten > rewritten.txt && git add rewritten.txt && git commit -qm rewrite"
    run.make_mission([("WP01", "", pushes, ""), ("WP02", "", "", "")], fast(run, retries=0))
    # WP02's implementer rewrites history after its commit: its result is not a fast-forward of the base.
    wp02 = [p for p in os.listdir(os.path.join(run.repo, "kitty-specs", run.slug, "tasks")) if p.startswith("WP02")][0]
    path = os.path.join(run.repo, "kitty-specs", run.slug, "tasks", wp02)
    text = open(path).read().replace('git commit -qm "feat(WP02): src/wp02.txt"',
                                     'git commit -qm "feat(WP02): src/wp02.txt" && ' + rewrite)
    open(path, "w").write(text)
    run.git("commit", "-qam", "WP02 rewrites history")
    main_before = run.git("rev-parse", "main").stdout.strip()
    code = run.orchestrate()
    check(code != 0, "a rewritten history should not complete the mission")
    lanes = run.lanes()
    check(lanes.get("WP01") in ("approved", "done"), "WP01 should pass: %s" % lanes)
    check(lanes.get("WP02") == "blocked", "WP02 should be blocked: %s" % lanes + run.explain())
    check(run.git("rev-parse", "main").stdout.strip() == main_before, "main moved")
    refused = open(os.path.join(run.root, "push.err")).read()
    check(refused.count("refused") >= 2, "pushes were not refused: " + refused)
    notes = [e["message"] for e in run.events if e.get("event") == "executor-note" and e.get("wp_id") == "WP01"]
    check(any("refused a push" in n and "refs/heads/main" in n for n in notes), "refusal not reported: %s" % notes)
    forged = sh(["git", "--git-dir=" + exchange, "for-each-ref", "refs/heads", "refs/kitty/jobs/forged"], run.repo).stdout
    check(forged.strip() == "", "the exchange took a foreign ref: " + forged)
    blocked = [e["message"] for e in run.events if e.get("event") == "blocked" and e.get("wp_id") == "WP02"]
    check(blocked and "not a fast-forward" in blocked[0], "WP02's reason: %s" % blocked)
    return "2 foreign pushes refused and reported; non-fast-forward refused"


def sandboxed_on_nodes(run):
    """The confinement issue's sandbox on the node: each job's agent runs inside bubblewrap there."""
    if subprocess.run(["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "true"],
                      capture_output=True).returncode != 0:
        return "SKIPPED: bubblewrap cannot make a sandbox here"
    wps = ["WP01", "WP02"]
    outside = os.path.join(run.root, "outside.txt")
    # (The marker the implement block writes is outside the worktree too: in the sandbox it cannot be written.)
    run.make_mission([(wp, "", "echo escaped > %s 2>/dev/null; true" % outside, "git status --short")
                      for wp in wps], fast(run))
    run.orchestrate(["--sandbox", "bwrap"])
    expect_merged(run, wps)
    check(not os.path.exists(outside), "a sandboxed agent wrote outside its worktree")
    for wp in wps:
        for role in ("implementation", "review"):
            logs = open(os.path.join(run.repo, ".kittify", "logs", run.slug, wp, role + "-1.log")).read()
            check("=== sandbox: bwrap" in logs and "=== ran on kn" in logs,
                  "%s's %s did not run in bubblewrap on a node:\n%s" % (wp, role, logs[-2000:]))
    return "both WPs merged from bubblewrap on the nodes"


def scenarios():
    return {"fan-out": fan_out, "crash-then-resume": crash_then_resume, "finished-while-down": finished_while_down,
            "abort-cancels": abort_cancels,
            "hostile-jobs": hostile_jobs, "sandboxed-on-nodes": sandboxed_on_nodes, "node-lost": node_lost}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(REPO_ROOT, ".build", "debug", "git-kitty"))
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    bin_path = os.path.abspath(args.bin)
    if not os.environ.get("SLURM_CONF"):
        print("test_slurm: SLURM_CONF is not set (start the cluster: scripts/slurm/cluster-up.sh)")
        return 1
    passed = failed = 0
    for name, scenario in scenarios().items():
        if args.only and name not in args.only:
            continue
        run = None
        started = time.time()
        try:
            run = Run(name, bin_path, args.keep)
            note = scenario(run)
            passed += 1
            print("ok   %-22s %5.1f s  %s" % (name, time.time() - started, note or ""), flush=True)
        except Exception as error:
            failed += 1
            detail = str(error) if isinstance(error, Failure) else traceback.format_exc()
            print("FAIL %-22s %5.1f s  %s" % (name, time.time() - started, detail), flush=True)
        finally:
            if run:
                run.close()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
