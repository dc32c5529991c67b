#!/usr/bin/env python3
"""Time the mutating orchestrator-api verbs of one host, each on fresh clones of the lanes-fresh fixture.

Usage: measure_mutating.py --host gk|sk --cmd PROGRAM --gk GIT_KITTY --bundle B --slug S --work DIR
                           [--runs N] [--warmup W] [--keep]

Every iteration clones the bundle (untimed; a local `main`, no `origin`, so develop is not protected),
then walks the mission through the verbs below; each verb is timed once per clone (wall time of
fork/exec/wait, as measure.py does) and its stdout must be a success envelope. The host under test
(PROGRAM orchestrator-api ...) runs the timed verbs; the untimed steps between them use git-kitty
(GIT_KITTY), whatever the host, to keep spec-kitty runs short:

  start-implementation  WP01 (creates the lane-a worktree)                   timed
    commit src/core.sh in the lane worktree; `git-kitty subtasks mark T001`  untimed
  transition-for_review WP01 --to for_review                                 timed
  start-review          WP01                                                 timed
  transition-approved   WP01 --to approved --review-result-json ...          timed
  append-history        WP01 --note ...                                      timed
    WP02, WP03, WP04: the same walk to approved, all by git-kitty            untimed
  accept-mission        (every WP approved)                                  timed

The first W iterations are untimed warm-up. The clone is deleted after each iteration (--keep keeps it).
The environment is inherited (the caller sets PATH and SPEC_KITTY_NO_UPGRADE_CHECK for spec-kitty).
Prints one line per verb: `verb median_ms min_ms max_ms median_cpu_ms n` (wall times; CPU = user + sys of
the call, from wait4). Exits 1 when a call fails, with its output.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import check_envelope  # noqa: E402

VERBS = ["start-implementation", "transition-for_review", "start-review", "transition-approved",
         "append-history", "accept-mission"]
POLICY = json.dumps({
    "orchestrator_id": "git-kitty-bench", "orchestrator_version": "0.1.0", "agent_family": "claude",
    "approval_mode": "full_auto", "sandbox_mode": "workspace_write", "network_mode": "none",
    "dangerous_flags": [],
}, separators=(",", ":"))
FILES = {"WP01": ("T001", "src/core.sh"), "WP02": ("T002", "src/left.sh"), "WP03": ("T003", "src/right.sh"),
         "WP04": ("T004", "src/main.sh")}


def fail(what, cwd, proc=None, problem=""):
    sys.stderr.write(f"measure_mutating.py: {what} (in {cwd}) failed{': ' + problem if problem else ''}\n")
    if proc is not None:
        sys.stderr.write("--- stdout ---\n" + proc.stdout.decode("utf-8", "replace")[-4000:] + "\n")
        sys.stderr.write("--- stderr ---\n" + proc.stderr.decode("utf-8", "replace")[-4000:] + "\n")
    sys.exit(1)


def run(cmd, cwd):
    proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True)
    if proc.returncode != 0:
        fail(" ".join(cmd), cwd, proc, f"exit status {proc.returncode}")
    return proc


def api(program, args, cwd):
    """One orchestrator-api call; returns ((wall ms, CPU ms), envelope data). A failure envelope ends the
    script. CPU = user + sys of the process and its children (wait4's rusage)."""
    cmd = [program, "orchestrator-api"] + args
    with tempfile.TemporaryFile("w+b") as out, tempfile.TemporaryFile("w+b") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = (time.perf_counter() - start) * 1000.0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(cmd, proc.returncode, out.read(), err.read())
    text = result.stdout.decode("utf-8", "replace")
    problem = f"exit status {result.returncode}" if result.returncode != 0 else check_envelope(text)
    if problem:
        fail(" ".join(cmd), cwd, result, problem)
    envelope, _ = json.JSONDecoder().raw_decode(text[text.find("{"):])
    return (elapsed, (usage.ru_utime + usage.ru_stime) * 1000.0), envelope.get("data") or {}


def fresh_clone(bundle, path):
    run(["git", "clone", "-q", "-b", "develop", bundle, path], os.path.dirname(path))
    run(["git", "branch", "-q", "main", "origin/main"], path)
    run(["git", "remote", "remove", "origin"], path)
    for key, value in (("user.name", "git-kitty bench"), ("user.email", "bench@git-kitty.invalid"),
                       ("commit.gpgsign", "false")):
        run(["git", "config", key, value], path)


def commit_work(workspace, wp):
    _, path = FILES[wp]
    full = os.path.join(workspace, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as handle:
        handle.write(f"#!/bin/sh\n# {path} ({wp}, git-kitty benchmark)\necho {wp}\n")
    run(["git", "add", path], workspace)
    run(["git", "commit", "-q", "-m", f"{wp}: add {path}"], workspace)


def walk(program, gk, slug, wp, repo, timings):
    """start-implementation .. approved (+ append-history) for one WP; timings None: untimed."""
    task, _ = FILES[wp]
    review = json.dumps({"reviewer": "bench-rev", "verdict": "approved", "reference": f"review://{wp}/1"},
                        separators=(",", ":"))
    common = ["--mission", slug, "--wp", wp, "--policy", POLICY]
    ms, data = api(program, ["start-implementation"] + common + ["--actor", "bench-impl"], repo)
    workspace = data.get("workspace_path")
    if not workspace or not os.path.isdir(workspace):
        fail(f"start-implementation {wp}", repo, problem=f"no workspace directory ({workspace!r})")
    record = (lambda verb, value: timings[verb].append(value)) if timings is not None else (lambda *_: None)
    record("start-implementation", ms)
    commit_work(workspace, wp)
    run([gk, "subtasks", "mark", task, "--status", "done", "--mission", slug], repo)
    record("transition-for_review",
           api(program, ["transition"] + common + ["--to", "for_review", "--actor", "bench-impl"], repo)[0])
    record("start-review", api(program, ["start-review"] + common + ["--actor", "bench-rev"], repo)[0])
    record("transition-approved",
           api(program, ["transition"] + common + ["--to", "approved", "--actor", "bench-rev",
                                                   "--review-result-json", review], repo)[0])
    if timings is not None:
        record("append-history", api(program, ["append-history", "--mission", slug, "--wp", wp, "--actor",
                                               "bench-impl", "--note", "benchmark note"], repo)[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", choices=["gk", "sk"], required=True)
    parser.add_argument("--cmd", required=True)
    parser.add_argument("--gk", required=True)
    parser.add_argument("--bundle", required=True)
    parser.add_argument("--slug", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    timings = {verb: [] for verb in VERBS}
    for index in range(args.warmup + args.runs):
        repo = os.path.join(args.work, f"{args.host}-{index}")
        fresh_clone(args.bundle, repo)
        target = timings if index >= args.warmup else {verb: [] for verb in VERBS}
        walk(args.cmd, args.gk, args.slug, "WP01", repo, target)
        for wp in ("WP02", "WP03", "WP04"):
            walk(args.gk, args.gk, args.slug, wp, repo, None)
        sample, data = api(args.cmd, ["accept-mission", "--mission", args.slug, "--actor", "bench-boss"], repo)
        if data.get("accepted") is not True or sorted(data.get("accepted_wps") or []) != list(FILES):
            fail("accept-mission", repo, problem=f"not accepted with all four WPs: {json.dumps(data)}")
        target["accept-mission"].append(sample)
        if not args.keep:
            shutil.rmtree(repo)
    for verb in VERBS:
        wall = [sample[0] for sample in timings[verb]]
        cpu = [sample[1] for sample in timings[verb]]
        print(f"{verb} {statistics.median(wall):.2f} {min(wall):.2f} {max(wall):.2f} {statistics.median(cpu):.2f} "
              f"{len(wall)}")


if __name__ == "__main__":
    main()
