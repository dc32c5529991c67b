#!/usr/bin/env python3
"""Time `git commit` and `git update-ref` in two clones, one without hooks and one with git-kitty's.

Usage: measure_hooks.py --plain LANE --hooked LANE [--floor LANE] [--commits N] [--updates N] [--warmup W]
                        [--traced T]

LANE is a lane worktree of each clone (the commits happen there; update-ref runs there too, the
refs being shared with the main checkout). The environment (PATH with `git-kitty`) is inherited.

Series, each sample timed with time.perf_counter() around fork/exec/wait of one command:
  commit        `git commit -q -m <msg>` in the plain lane, then in the hooked lane ("plain" and "hooked"),
                then `git commit --no-verify` in the hooked lane ("hooked-no-verify": no pre-commit hook;
                post-commit and reference-transaction still run), and, given --floor, in a third clone whose
                hooks are the same four names holding only `#!/bin/sh` and `exit 0` ("floor": what running
                four hooks costs at all). The order rotates every iteration. Every
                message carries the trailer "Kitty-Transition: for_review", so the messages are identical and
                only the hooks differ. Before each commit (untimed) a line is appended to src/bench-hooks.txt
                and staged.
  update-ref    `git update-ref refs/heads/bench-hooks-x <sha>` alternating between two commits (a real update
                every time), plain then hooked (order rotating); the ref is not protected.
After every timed command, and untimed, the script waits until no process runs with its working directory
inside either clone: the post-commit hook leaves `git kitty hook post-commit` in the background, and it must
neither slow down the next sample nor outlive the benchmark.

Then TRACED more commits in the hooked lane (untimed, subject "bench-hooks: traced <i>") under
GIT_TRACE2_EVENT: git's child_start/child_exit events give each hook's own wall time inside the commit.

Prints one line per series: `name median_ms min_ms max_ms` (series plain, hooked, hooked-no-verify,
floor, update-plain, update-hooked), one `hook:<hook>[(<state>)] median_ms min_ms max_ms` line per hook invocation
seen in the traced commits, then `settle_max_ms X` (longest wait for background processes). Exits 1 when a
command fails (with its output on stderr).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def clone_root(lane):
    out = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=lane, capture_output=True, text=True, check=True,
    ).stdout.strip()
    return os.path.dirname(out.rstrip("/"))


def busy(roots):
    """PIDs (other than ours) whose working directory is inside one of roots."""
    found = []
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            cwd = os.readlink(f"/proc/{name}/cwd")
        except OSError:
            continue
        if any(cwd == root or cwd.startswith(root + "/") for root in roots):
            found.append(int(name))
    return found


def settle(roots, timeout=30.0):
    """Waits until no process works inside roots; returns the wait in ms."""
    start = time.perf_counter()
    while busy(roots):
        if time.perf_counter() - start > timeout:
            sys.exit(f"measure_hooks.py: background processes still running in {roots} after {timeout:.0f} s")
        time.sleep(0.002)
    return (time.perf_counter() - start) * 1000.0


def timed(cmd, cwd):
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True)
    elapsed = (time.perf_counter() - start) * 1000.0
    if proc.returncode != 0:
        sys.stderr.write(f"measure_hooks.py: {' '.join(cmd)} (in {cwd}): exit status {proc.returncode}\n")
        sys.stderr.write("--- stdout ---\n" + proc.stdout.decode("utf-8", "replace")[:4000] + "\n")
        sys.stderr.write("--- stderr ---\n" + proc.stderr.decode("utf-8", "replace")[:4000] + "\n")
        sys.exit(1)
    return elapsed


def stage(lane, index):
    path = os.path.join(lane, "src", "bench-hooks.txt")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"line {index}\n")
    subprocess.run(["git", "add", "src/bench-hooks.txt"], cwd=lane, check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plain", required=True)
    parser.add_argument("--hooked", required=True)
    parser.add_argument("--floor")
    parser.add_argument("--commits", type=int, default=50)
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--traced", type=int, default=10)
    args = parser.parse_args()

    lanes = {"plain": args.plain, "hooked": args.hooked, "hooked-no-verify": args.hooked}
    if args.floor:
        lanes["floor"] = args.floor
    roots = sorted({clone_root(lane) for lane in lanes.values()})
    samples = {name: [] for name in list(lanes) + ["update-plain", "update-hooked"]}
    settle_max = settle(roots)

    message = ["-m", "bench-hooks: commit {i}", "-m", "Kitty-Transition: for_review"]
    order = list(lanes)
    for i in range(args.warmup + args.commits):
        for name in order[i % len(order):] + order[:i % len(order)]:
            lane = lanes[name]
            stage(lane, i)
            cmd = ["git", "commit", "-q"] + (["--no-verify"] if name == "hooked-no-verify" else [])
            cmd += [part.format(i=i) for part in message]
            elapsed = timed(cmd, lane)
            settle_max = max(settle_max, settle(roots))
            if i >= args.warmup:
                samples[name].append(elapsed)

    shas = {}
    for name in ("plain", "hooked"):
        out = subprocess.run(["git", "rev-parse", "HEAD", "HEAD~1"], cwd=lanes[name], capture_output=True,
                             text=True, check=True).stdout.split()
        shas[name] = out
    for i in range(args.warmup + args.updates):
        pair = ["plain", "hooked"] if i % 2 == 0 else ["hooked", "plain"]
        for name in pair:
            elapsed = timed(["git", "update-ref", "refs/heads/bench-hooks-x", shas[name][i % 2]], lanes[name])
            if i >= args.warmup:
                samples["update-" + name].append(elapsed)
    settle_max = max(settle_max, settle(roots))

    hooks = traced_hooks(args.hooked, args.traced, roots) if args.traced > 0 else {}

    for name, values in samples.items():
        print(f"{name} {statistics.median(values):.2f} {min(values):.2f} {max(values):.2f}")
    for name, values in hooks.items():
        print(f"hook:{name} {statistics.median(values):.2f} {min(values):.2f} {max(values):.2f}")
    print(f"settle_max_ms {settle_max:.1f}")


def traced_hooks(lane, count, roots):
    """Per-hook wall time inside `git commit` (git's trace2 child_start/child_exit events), over count extra
    commits in the hooked lane (not part of the timed series): {hook[(state)]: [ms, ...]}."""
    result = {}
    trace = os.path.join(os.path.dirname(clone_root(lane)), "trace2.json")
    for i in range(count):
        stage(lane, 10_000 + i)
        if os.path.exists(trace):
            os.unlink(trace)
        env = dict(os.environ, GIT_TRACE2_EVENT=trace)
        subprocess.run(["git", "commit", "-q", "-m", f"bench-hooks: traced {i}", "-m", "Kitty-Transition: for_review"],
                       cwd=lane, env=env, check=True, stdin=subprocess.DEVNULL, capture_output=True)
        settle(roots)
        started = {}
        with open(trace, encoding="utf-8") as handle:
            for line in handle:
                event = json.loads(line)
                if event.get("event") == "child_start" and event.get("child_class") == "hook":
                    argv = event.get("argv", [])
                    name = event.get("hook_name", "?") + (f"({argv[1]})" if len(argv) > 1 else "")
                    started[(event["sid"], event["child_id"])] = name
                elif event.get("event") == "child_exit" and (event["sid"], event["child_id"]) in started:
                    result.setdefault(started[(event["sid"], event["child_id"])], []).append(event["t_rel"] * 1000.0)
    if os.path.exists(trace):
        os.unlink(trace)
    return result


if __name__ == "__main__":
    main()
