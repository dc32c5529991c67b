#!/usr/bin/env python3
"""`make test-agents`: git kitty orchestrate end to end with the REAL Claude Code and Codex CLIs, offline.

Each scenario makes a fresh repository with a 2-WP mission (WP02 depends on WP01; both list subtasks), starts
model_server.py with a scenario (what the "model" answers to each prompt), runs `git kitty orchestrate` with the
chosen CLIs as implementer and reviewer, and checks what happened: lanes, who made the lane commits, what was
merged, the model server's log of refused tool calls, the NDJSON events (failure class, error line, usage) and the
run state.

Usage: test_agents.py [--bin PATH] [--only NAME ...] [--keep]
The CLIs come from scripts/install-agents.sh (a cache outside the repository). Prints one line per scenario and a
closing `N passed, N failed` line; exits 1 when any failed.
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


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def sh(args, cwd, env=None, timeout=600, check_rc=True):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check_rc and proc.returncode != 0:
        raise Failure("%s failed (%d): %s" % (" ".join(args), proc.returncode, proc.stderr[-2000:]))
    return proc


# ---------------------------------------------------------------- the mission

WP_TEMPLATE = """---
work_package_id: {id}
title: {title}
dependencies: [{deps}]
subtasks: [{subtasks}]
execution_mode: code_change
owned_files:
- {file}
---

# {id} – {title}

Create `{file}` so that `sh ./test.sh` passes.

## Subtasks
{subtask_list}
"""


def make_repo(root, kitty_env, independent=False):
    """A repository on a feature branch with a finalized 2-WP mission (WP02 depends on WP01 unless `independent`);
    returns (repo, slug)."""
    repo = os.path.join(root, "repo")
    os.makedirs(repo)
    git = lambda *a: sh(["git"] + list(a), repo, env=kitty_env)
    git("init", "-q", "-b", "main")
    git("config", "user.name", "kitty agent test")
    git("config", "user.email", "agents@git-kitty.invalid")
    git("config", "commit.gpgsign", "false")
    with open(os.path.join(repo, "README.md"), "w") as f:
        f.write("# greeter\n")
    with open(os.path.join(repo, "test.sh"), "w") as f:
        f.write("#!/bin/sh\n# the project's tests: every src/*.txt file must be non-empty\n"
                "for f in src/*.txt; do [ -s \"$f\" ] || { echo \"$f is empty\"; exit 1; }; done\necho tests pass\n")
    git("add", "-A")
    git("commit", "-qm", "initial commit")
    git("switch", "-q", "-c", "feature/greeter")
    sh(["git", "kitty", "init"], repo, env=kitty_env)
    git("add", "-A")
    git("commit", "-qm", "chore: git kitty init")
    slug = sh(["git", "kitty", "mission", "new", "greeter"], repo, env=kitty_env).stdout.strip()
    tasks = os.path.join(repo, "kitty-specs", slug, "tasks")
    for n, (title, deps) in enumerate([("Hello", ""), ("Bonjour", "" if independent else "WP01")], start=1):
        wp = "WP%02d" % n
        subtasks = ["T%03d" % (2 * n - 1), "T%03d" % (2 * n)]
        with open(os.path.join(tasks, "%s-%s.md" % (wp, title.lower())), "w") as f:
            f.write(WP_TEMPLATE.format(
                id=wp, title=title, deps=deps, subtasks=", ".join(subtasks), file="src/%s.txt" % title.lower(),
                subtask_list="\n".join("- %s: part %d of %s" % (t, i + 1, title) for i, t in enumerate(subtasks))))
    git("add", "-A")
    git("commit", "-qm", "docs: work packages")
    sh(["git", "kitty", "mission", "finalize", slug], repo, env=kitty_env)
    git("add", "-A")
    git("commit", "-qm", "chore: finalize", "--allow-empty")
    return repo, slug


# ---------------------------------------------------------------- scenarios (what the model answers)

def implement(wp, word, commit=True, extra=()):
    """Steps of an implementer that writes its file, runs the tests and commits."""
    path = "src/%s.txt" % word.lower()
    steps = [{"write": {"path": path, "content": word + "\n"}}, {"shell": "sh ./test.sh"}]
    steps += list(extra)
    if commit:
        steps.append({"shell": "git add -A && git commit -qm '%s: %s'" % (wp, word)})
    steps.append({"text": "%s is implemented%s." % (wp, " and committed" if commit else "")})
    return steps


def approve(note="Looks right."):
    return [{"shell": "git status --short"}, {"text": "%s\n\nKITTY_VERDICT: approved" % note}]


def reject(feedback):
    return [{"shell": "git status"}, {"text": "Not yet.\n\n**KITTY_VERDICT: changes_requested**\n%s" % feedback}]


def rule(match, steps):
    return {"match": match, "steps": steps}


def happy_rules():
    return [
        rule(r"review WP01 ", approve()),
        rule(r"review WP02 ", approve()),
        rule(r"implement WP01 ", implement("WP01", "Hello")),
        rule(r"implement WP02 ", implement("WP02", "Bonjour")),
    ]


# ---------------------------------------------------------------- one run

class Run:
    def __init__(self, name, bin_path, keep, independent=False):
        self.name = name
        # Not under /tmp: Codex's workspace-write sandbox always lets an agent write /tmp and $TMPDIR, which would
        # make every "cannot write outside its worktree" check pass for the wrong reason.
        self.root = tempfile.mkdtemp(prefix="kitty-agents-%s-" % name, dir=os.environ.get("KITTY_AGENT_TESTS_DIR",
                                                                                     "/var/tmp"))
        self.keep = keep
        self.kitty_env = dict(os.environ)
        self.kitty_env["PATH"] = os.path.dirname(bin_path) + os.pathsep + self.kitty_env.get("PATH", "")
        for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
            self.kitty_env.pop(key, None)
        self.repo, self.slug = make_repo(self.root, self.kitty_env, independent)
        self.server = None
        self.events = []
        self.result = None

    def start_server(self, rules):
        scenario = os.path.join(self.root, "scenario.json")
        with open(scenario, "w") as f:
            json.dump({"rules": rules, "default": {"steps": [{"text": "no rule matched"}]}}, f, indent=1)
        self.requests = os.path.join(self.root, "requests.jsonl")
        port_file = os.path.join(self.root, "port")
        self.server = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "model_server.py"), "--scenario", scenario, "--port", "0",
             "--port-file", port_file, "--log", self.requests, "--max-lifetime", "900"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.root, "server.err"), "w"))
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        port = open(port_file).read().strip()
        exports = sh(["bash", os.path.join(HERE, "agent-env.sh"), port, os.path.join(self.root, "agent-state")],
                     self.root, env=self.kitty_env).stdout
        for line in exports.splitlines():
            key, _, value = line[len("export "):].partition("=")
            self.kitty_env[key] = subprocess.run(["bash", "-c", "printf %s " + value], capture_output=True,
                                                 text=True).stdout

    def config(self, text):
        path = os.path.join(self.repo, ".kittify", "orchestrator.toml")
        with open(path, "w") as f:
            f.write(text)
        sh(["git", "add", "-A"], self.repo)
        sh(["git", "commit", "-qm", "orchestrator.toml"], self.repo)

    def orchestrate(self, impl, review, extra=(), timeout=600, merge=True):
        args = ["git", "kitty", "orchestrate", "--mission", self.slug, "--json"] + (["--merge"] if merge else [])
        for agent in impl:
            args += ["--impl-agent", agent]
        for agent in review:
            args += ["--review-agent", agent]
        if SANDBOX:
            args += ["--sandbox", SANDBOX]
        args += list(extra)
        started = time.time()
        self.result = sh(args, self.repo, env=self.kitty_env, timeout=timeout, check_rc=False)
        self.seconds = time.time() - started
        self.events = [json.loads(l) for l in self.result.stdout.splitlines() if l.startswith("{")]
        return self.result.returncode

    # what happened
    def lanes(self):
        out = sh(["git", "kitty", "orchestrator-api", "mission-state", "--mission", self.slug], self.repo,
                 env=self.kitty_env, check_rc=False).stdout
        return {wp["wp_id"]: wp["lane"] for wp in json.loads(out)["data"]["work_packages"]}

    def run_state(self):
        with open(os.path.join(self.repo, ".kittify", "orchestrator-run-state.json")) as f:
            return json.load(f)

    def requests_log(self):
        if not os.path.exists(self.requests):
            return []
        return [json.loads(l) for l in open(self.requests) if l.strip()]

    def refused_tools(self):
        return [r for req in self.requests_log() for r in req.get("tool_results", []) if r.get("refused")]

    def kinds(self, kind):
        return [e for e in self.events if e.get("event") == kind]

    def target_files(self):
        out = sh(["git", "ls-tree", "-r", "--name-only", "feature/greeter"], self.repo).stdout
        return set(out.split())

    def lane_commit_subjects(self):
        """Subjects of the commits merged from lanes (not git-kitty's status commits)."""
        out = sh(["git", "log", "--format=%s", "feature/greeter"], self.repo).stdout.splitlines()
        return [s for s in out if not s.startswith(("chore", "docs", "status", "Merge", "initial")) and
                "orchestrator.toml" not in s]

    def explain(self):
        tail = self.result.stderr[-3000:] if self.result else ""
        return "\n--- stderr tail ---\n%s\n--- root: %s" % (tail, self.root)

    def close(self):
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(5)
            except subprocess.TimeoutExpired:
                self.server.kill()
        if not self.keep:
            subprocess.run(["git", "-C", self.repo, "worktree", "prune"], capture_output=True)
            shutil.rmtree(self.root, ignore_errors=True)


# ---------------------------------------------------------------- the scenarios

FAST = "[agents]\nmax_retries = {retries}\nretry_backoff_seconds = 0.2\ntimeout_seconds = {timeout}\n"


def fast_config(run, retries=1, timeout=120):
    run.config(FAST.format(retries=retries, timeout=timeout))


def expect_merged_by_agents(run, words):
    check(run.result.returncode == 0, "orchestrate failed" + run.explain())
    lanes = run.lanes()
    check(all(lane == "done" for lane in lanes.values()), "lanes %s" % lanes)
    files = run.target_files()
    for word in words:
        check("src/%s.txt" % word.lower() in files, "src/%s.txt was not merged: %s" % (word.lower(), files))
    subjects = run.lane_commit_subjects()
    check(not [s for s in subjects if "implementation by" in s],
          "git-kitty committed for an agent: %s" % subjects)
    check(not run.kinds("leftovers"), "leftover commits: %s" % run.kinds("leftovers"))


def happy(run, impl, review):
    fast_config(run)
    run.start_server(happy_rules())
    run.orchestrate([impl], [review])
    expect_merged_by_agents(run, ["Hello", "Bonjour"])
    check(run.refused_tools() == [], "refused tool calls: %s" % run.refused_tools())
    usage = run.run_state()["usage"]
    check(usage["input_tokens"] > 0 and usage["output_tokens"] > 0, "no usage recorded: %s" % usage)
    if "claude-code" in (impl, review):
        check((usage.get("cost_usd") or 0) > 0, "no cost recorded: %s" % usage)
    runs = run.kinds("agent-run")
    check(runs and all(e.get("session") for e in runs), "agent runs without a session id: %s" % runs)


def reject_then_rework(run, cli):
    fast_config(run)
    rework = [{"write": {"path": "src/hello.txt", "content": "HELLO\n"}},
              {"shell": "git add -A && git commit -qm 'WP01: louder'"}, {"text": "Done: HELLO."}]
    run.start_server([
        rule(r"review WP01 of mission \S+ \(review cycle 1\)", reject("Say it louder: the file must read HELLO.")),
        rule(r"review WP0\d ", approve()),
        # A fresh session gets the feedback in its first prompt; a continued one sees it as a new message.
        rule(r"implement WP01 .*Review feedback \(cycle 1\)", rework),
        rule(r"implement WP01 ", implement("WP01", "Hello") + rework),
        rule(r"implement WP02 ", implement("WP02", "Bonjour")),
    ])
    run.orchestrate([cli], [cli])
    expect_merged_by_agents(run, ["Hello", "Bonjour"])
    content = sh(["git", "show", "feature/greeter:src/hello.txt"], run.repo).stdout
    check(content == "HELLO\n", "the rework was not merged: %r" % content)
    rejected = run.kinds("rejected")
    check(len(rejected) == 1 and "louder" in rejected[0]["message"], "rejections: %s" % rejected)
    continued = [e for e in run.events if "continuing its session" in e.get("message", "")]
    check(continued, "the rework did not continue the implementer's session")
    check(run.refused_tools() == [], "refused tool calls: %s" % run.refused_tools())


def no_verdict(run, cli):
    fast_config(run, retries=1)
    run.start_server([rule(r"review WP01 ", [{"text": "I had a look. It is fine I guess."}])] + happy_rules()[2:])
    rc = run.orchestrate([cli], [cli])
    check(rc == 1, "a review without a verdict must not finish the mission" + run.explain())
    check(run.lanes()["WP01"] == "in_review", "lanes %s" % run.lanes())
    failed = [e for e in run.kinds("attempt-failed") if "no verdict" in e["message"]]
    check(len(failed) == 2, "expected 2 review attempts without a verdict: %s" % failed)
    check("no reviewer produced a verdict" in run.result.stderr, run.explain())


def model_error(run, cli, status, failure, tries):
    fast_config(run, retries=1)
    run.start_server([rule(r"implement WP01 ", [{"error": status, "message": "scripted %d" % status}])] +
                     happy_rules())
    rc = run.orchestrate([cli], [cli])
    check(rc == 1, "orchestrate should need attention" + run.explain())
    check(run.lanes()["WP01"] == "blocked", "lanes %s" % run.lanes())
    failed = [e for e in run.kinds("attempt-failed") if e.get("wp_id") == "WP01"]
    check(len(failed) == tries, "expected %d attempts, got %s" % (tries, failed))
    check(all(e.get("failure") == failure for e in failed), "failure classes: %s" % failed)
    check(all(e.get("error") for e in failed), "no error line from the CLI: %s" % failed)
    state = run.run_state()["wps"]["WP01"]
    check(state["last_error"] and str(status) in state["last_error"] or failure in state["last_error"] or
          state["last_error"], "status shows no error: %s" % state)


def timeout(run, cli):
    run.config(FAST.format(retries=0, timeout=4))
    run.start_server([rule(r"implement WP01 ", [{"sleep": 60, "text": "too late"}])] + happy_rules())
    rc = run.orchestrate([cli], [cli])
    check(rc == 1, "orchestrate should need attention" + run.explain())
    failed = run.kinds("attempt-failed")
    check(failed and failed[0].get("failure") == "timeout", "not a timeout: %s" % failed)
    check(run.lanes()["WP01"] == "blocked", "lanes %s" % run.lanes())


def never_commits(run, cli):
    fast_config(run)
    rules = happy_rules()
    rules[2] = rule(r"implement WP01 ", implement("WP01", "Hello", commit=False))
    run.start_server(rules)
    run.orchestrate([cli], [cli])
    check(run.result.returncode == 0, "orchestrate failed" + run.explain())
    left = run.kinds("leftovers")
    check(len(left) == 1 and left[0]["wp_id"] == "WP01", "the fallback commit was not reported: %s" % left)
    check("feat(WP01): implementation by %s" % cli in run.lane_commit_subjects(), run.lane_commit_subjects())


def reviewer_meddles(run, cli):
    """A reviewer that tries to commit and to edit: the CLI refuses or git-kitty puts it aside; nothing merges."""
    fast_config(run)
    meddle = [{"write": {"path": "src/hello.txt", "content": "changed by the reviewer\n"}},
              {"shell": "echo sneaky > reviewer.txt && git add reviewer.txt && git commit -qm 'reviewer commit'"},
              {"text": "KITTY_VERDICT: approved"}]
    run.start_server([rule(r"review WP01 ", meddle)] + happy_rules()[1:])
    run.orchestrate([cli], [cli])
    check(run.result.returncode == 0, "orchestrate failed" + run.explain())
    files = run.target_files()
    check("reviewer.txt" not in files, "the reviewer's commit was merged")
    content = sh(["git", "show", "feature/greeter:src/hello.txt"], run.repo).stdout
    check(content == "Hello\n", "the reviewer's edit was merged: %r" % content)
    refused = run.refused_tools()
    aside = run.kinds("reviewer-changes")
    check(refused or aside, "the reviewer was neither refused nor put aside")


def budget(run, cli, action):
    """A budget smaller than one agent run: after WP01's implementer nothing new starts; the summary says so."""
    fast_config(run)
    slow = implement("WP01", "Hello")
    slow.insert(1, {"sleep": 1.5, "shell": "sh ./test.sh"})
    rules = happy_rules()
    rules[2] = rule(r"implement WP01 ", slow)
    run.start_server(rules)
    rc = run.orchestrate([cli], [cli], extra=["--max-cost-usd", "0.000001", "--on-budget", action])
    check(rc == 1, "a spent budget must end the run needing attention" + run.explain())
    check(run.kinds("budget"), "no budget event")
    agent_runs = run.kinds("agent-run")
    check(len(agent_runs) == 1, "only the first agent run may happen: %s" % agent_runs)
    check("budget" in run.result.stderr and "resume" in run.result.stderr, run.explain())
    cost = run.run_state()["usage"].get("cost_usd") or 0
    check(cost > 0, "no cost recorded")


def budget_stop(run, cli):
    """`--on-budget stop`: WP01 and WP02 start together; WP01's implementer spends the budget while WP02's is still
    working, so WP02's agent is stopped at once (not waited for), nothing else starts, and the run says so."""
    fast_config(run)
    slow = [{"sleep": 60, "text": "WP02 took too long"}]
    run.start_server([rule(r"implement WP01 ", implement("WP01", "Hello")), rule(r"implement WP02 ", slow)] +
                     happy_rules()[:2])
    rc = run.orchestrate([cli], [cli], extra=["--max-cost-usd", "0.000001", "--on-budget", "stop", "--max-concurrent",
                                              "2"])
    check(rc == 1, "a spent budget must end the run needing attention" + run.explain())
    check(run.seconds < 45, "WP02's agent was waited for, not stopped: %.1f s" % run.seconds)
    check(run.kinds("budget"), "no budget event")
    runs = {e.get("wp_id"): e for e in run.kinds("agent-run")}
    check(set(runs) == {"WP01", "WP02"}, "expected one run of each implementer: %s" % run.kinds("agent-run"))
    check(not runs["WP01"].get("failure"), "WP01's implementer should have finished: %s" % runs["WP01"])
    check(runs["WP02"].get("failure") == "stopped", "WP02's implementer was not stopped: %s" % runs["WP02"])
    check(not [e for e in run.events if "review by" in e.get("message", "")], "a review started after the budget")
    check("running agents were stopped" in run.result.stderr and "resume" in run.result.stderr, run.explain())
    lanes = run.lanes()
    check(lanes["WP01"] not in ("approved", "done") and lanes["WP02"] not in ("approved", "done"), "lanes %s" % lanes)
    check((run.run_state()["usage"].get("cost_usd") or 0) > 0, "no cost recorded")


SCENARIOS = []
for _cli in ("claude-code", "codex"):
    SCENARIOS += [
        ("%s-approve" % _cli, lambda r, c=_cli: happy(r, c, c)),
        ("%s-reject-rework" % _cli, lambda r, c=_cli: reject_then_rework(r, c)),
        ("%s-no-verdict" % _cli, lambda r, c=_cli: no_verdict(r, c)),
        ("%s-401" % _cli, lambda r, c=_cli: model_error(r, c, 401, "auth", 1)),
        ("%s-429" % _cli, lambda r, c=_cli: model_error(r, c, 429, "rate-limit", 2)),
        ("%s-500" % _cli, lambda r, c=_cli: model_error(r, c, 500, "server", 2)),
        ("%s-timeout" % _cli, lambda r, c=_cli: timeout(r, c)),
        ("%s-never-commits" % _cli, lambda r, c=_cli: never_commits(r, c)),
        ("%s-reviewer-meddles" % _cli, lambda r, c=_cli: reviewer_meddles(r, c)),
    ]
SCENARIOS.append(("mixed-codex-implements-claude-reviews", lambda r: happy(r, "codex", "claude-code")))
SCENARIOS.append(("claude-code-budget-finish", lambda r: budget(r, "claude-code", "finish")))
SCENARIOS.append(("claude-code-budget-stop", lambda r: budget_stop(r, "claude-code"), {"independent": True}))


# `orchestrate --sandbox` for every scenario (None: git-kitty's default, bwrap when it works here).
SANDBOX = None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", default=os.path.join(REPO_ROOT, ".build", "debug", "git-kitty"))
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--sandbox", choices=["bwrap", "none"],
                        help="orchestrate --sandbox for every scenario (default: git-kitty's own default)")
    args = parser.parse_args()
    global SANDBOX
    SANDBOX = args.sandbox
    bin_path = os.path.abspath(args.bin)
    if not os.access(bin_path, os.X_OK):
        print("test-agents: %s is missing; run make build" % bin_path, file=sys.stderr)
        return 2
    passed = failed = 0
    for name, body, *options in SCENARIOS:
        if args.only and not any(o in name for o in args.only):
            continue
        run = None
        started = time.time()
        try:
            run = Run(name, bin_path, args.keep, **(options[0] if options else {}))
            body(run)
            passed += 1
            print("PASS %-42s %5.1fs" % (name, time.time() - started), flush=True)
        except Exception as error:  # noqa: BLE001 - a scenario's failure of any kind is reported and counted
            failed += 1
            detail = str(error) if isinstance(error, Failure) else traceback.format_exc()
            print("FAIL %-42s %5.1fs\n  %s" % (name, time.time() - started, detail.replace("\n", "\n  ")),
                  flush=True)
        finally:
            if run:
                run.close()
    print("test-agents: %d passed, %d failed (sandbox: %s)" % (passed, failed, SANDBOX or "default"))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
