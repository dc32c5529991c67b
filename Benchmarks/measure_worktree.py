#!/usr/bin/env python3
"""Time lane worktree create + remove, git-kitty against plain git, alternating in one run.

Usage: measure_worktree.py --repo DIR --bin GIT_KITTY --slug SLUG [--lane lane-a]
                           [--iterations 9] [--warmup 1] [--settle] [--verbose]

Per iteration, each side is one chain of processes, timed as a whole (as two adjacent phases, add and
remove, whose sum is the chain's time):
  git-kitty: <bin> worktree add <lane> --mission <slug>; <bin> worktree remove <lane> --mission <slug>
  git:       git worktree add -q -b tmp-<i> .worktrees/git-<i> develop; git worktree remove
             .worktrees/git-<i>; git branch -D tmp-<i>
Both worktrees live under <repo>/.worktrees (same file system). The order alternates (ABBA) so
both sides share the machine's noise. Wall time is time.perf_counter() around the chain; CPU time is
the user+sys delta of resource.getrusage(RUSAGE_CHILDREN) (includes grandchildren git waits for).

--settle inserts an untimed pause between add and remove: 1.1 s, then `git status` in the new
worktree. Without it, git's index is written in the same second as the files it describes, so
`git worktree remove` (whose cleanliness check runs `git status`) finds every entry racily clean and
re-reads all the files; libgit2 compares nanosecond timestamps and does not. A lane worktree that
has been used is in the settled state, so --settle measures remove as it usually happens.

After every chain (untimed) the repository must be back to its starting state: `git worktree list
--porcelain` shows only the main worktree, the lane/tmp branch is gone, the work directory is gone.
The warm-up chains additionally check the new checkout (branch, file count, clean status) between
add and remove. A failing command or check exits 1 with details on stderr.

Prints one line on stdout, all in ms (medians unless noted), git-kitty's six figures then git's:
  wall wall_min wall_max cpu add remove   (git's remove covers `git worktree remove` + `git branch -D`)
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time


class Failure(Exception):
    pass


def run(cmd, cwd):
    try:
        proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as error:
        raise Failure(f"cannot run {' '.join(cmd)} (in {cwd}): {error}")
    if proc.returncode != 0:
        raise Failure(
            f"{' '.join(cmd)} (in {cwd}) exited with {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout.decode('utf-8', 'replace')[:4000]}\n"
            f"--- stderr ---\n{proc.stderr.decode('utf-8', 'replace')[:4000]}")
    return proc.stdout.decode("utf-8", "replace")


def cpu_children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def git(repo, *args):
    return run(["git", "-C", repo, *args], repo)


def check_clean_state(repo, branch, path, who):
    """The repository holds only its main worktree, `branch` is gone and `path` does not exist."""
    listing = git(repo, "worktree", "list", "--porcelain")
    trees = [line[len("worktree "):] for line in listing.splitlines() if line.startswith("worktree ")]
    if [os.path.realpath(t) for t in trees] != [os.path.realpath(repo)]:
        raise Failure(f"after {who}: git worktree list --porcelain shows more than the main worktree:\n{listing}")
    refs = git(repo, "for-each-ref", "--format=%(refname)", f"refs/heads/{branch}")
    if refs.strip():
        raise Failure(f"after {who}: branch {branch} still exists")
    if os.path.lexists(path):
        raise Failure(f"after {who}: {path} still exists")


def check_checkout(path, branch, expected_files, who):
    if not os.path.isdir(path):
        raise Failure(f"{who}: {path} was not created")
    head = run(["git", "-C", path, "symbolic-ref", "HEAD"], path).strip()
    if head != f"refs/heads/{branch}":
        raise Failure(f"{who}: {path} has {head} checked out, not refs/heads/{branch}")
    files = len(run(["git", "-C", path, "ls-files", "-z"], path).split("\0")) - 1
    on_disk = sum(len([n for n in names if not (root == path and n == ".git")]) for root, _, names in os.walk(path))
    if files != expected_files or on_disk != expected_files:
        raise Failure(f"{who}: {path} has {files} indexed / {on_disk} files on disk, expected {expected_files}")
    status = run(["git", "-C", path, "status", "--porcelain", "--untracked-files=all"], path)
    if status.strip():
        raise Failure(f"{who}: {path} is not clean after creation:\n{status[:2000]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--slug", required=True)
    parser.add_argument("--lane", default="lane-a")
    parser.add_argument("--iterations", type=int, default=9)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--settle", action="store_true",
                        help="between add and remove (untimed): wait 1.1 s and run git status in the worktree")
    parser.add_argument("--verbose", action="store_true", help="print every timed sample on stderr")
    args = parser.parse_args()
    if args.iterations < 1 or args.warmup < 1:
        parser.error("need --iterations >= 1 and --warmup >= 1 (the warm-up checks what add created)")

    repo = os.path.realpath(args.repo)
    lane_branch = f"kitty/mission-{args.slug}-{args.lane}"
    lane_path = os.path.join(repo, ".worktrees", f"{args.slug}-{args.lane}")
    expected_files = len(git(repo, "ls-tree", "-r", "-z", "--name-only", "develop").split("\0")) - 1
    check_clean_state(repo, lane_branch, lane_path, "setup")

    samples = {"git-kitty": [], "git": []}  # (wall, cpu, first phase, second phase) in seconds

    def report(side, index, sample):
        if args.verbose:
            wall, cpu, first, second = (v * 1000 for v in sample)
            sys.stderr.write(f"   {side:<9} #{index}: wall {wall:7.1f} ms  cpu {cpu:7.1f} ms  "
                             f"add {first:7.1f} ms  remove {second:7.1f} ms\n")

    def timed_phase(cmds):
        """Runs `cmds` in order; returns (wall, cpu, stdout of the first)."""
        cpu0 = cpu_children()
        t0 = time.perf_counter()
        outputs = [run(cmd, repo) for cmd in cmds]
        return time.perf_counter() - t0, cpu_children() - cpu0, outputs[0]

    def settle(path):
        # Let a second tick, then let git refresh the checkout's index (as any later `git status` in a
        # used worktree does), so no entry is racily clean when the worktree is removed.
        time.sleep(1.1)
        run(["git", "-C", path, "status", "--porcelain"], path)

    def chain(side, index, timed, inspect, path, branch, add, remove):
        add_wall, add_cpu, out = timed_phase([add])
        if inspect:
            check_checkout(path, branch, expected_files, f"{side} worktree add")
        if args.settle:
            settle(path)
        rm_wall, rm_cpu, _ = timed_phase(remove)
        check_clean_state(repo, branch, path, f"{side} iteration {index}")
        if timed:
            samples[side].append((add_wall + rm_wall, add_cpu + rm_cpu, add_wall, rm_wall))
            report(side, index, samples[side][-1])
        return out

    def kitty(index, timed, inspect):
        cmd = [args.bin, "worktree"]
        out = chain("git-kitty", index, timed, inspect, lane_path, lane_branch,
                    cmd + ["add", args.lane, "--mission", args.slug],
                    [cmd + ["remove", args.lane, "--mission", args.slug]])
        printed = out.strip().splitlines()[-1] if out.strip() else ""
        if os.path.realpath(printed) != lane_path:
            raise Failure(f"git-kitty worktree add printed {printed!r}, expected {lane_path}")

    def plain(index, timed, inspect):
        branch = f"tmp-{index}"
        rel = f".worktrees/git-{index}"
        chain("git", index, timed, inspect, os.path.join(repo, rel), branch,
              ["git", "-C", repo, "worktree", "add", "-q", "-b", branch, rel, "develop"],
              [["git", "-C", repo, "worktree", "remove", rel], ["git", "-C", repo, "branch", "-D", "-q", branch]])

    try:
        for w in range(args.warmup):
            kitty(f"w{w}", False, True)
            plain(f"w{w}", False, True)
        for i in range(args.iterations):
            order = (kitty, plain) if i % 4 in (0, 3) else (plain, kitty)  # ABBA
            for side in order:
                side(i, True, False)
    except Failure as failure:
        sys.stderr.write(f"measure_worktree.py: {failure}\n")
        sys.exit(1)

    fields = []
    for side in ("git-kitty", "git"):
        walls = [s[0] * 1000 for s in samples[side]]
        fields += [statistics.median(walls), min(walls), max(walls)]
        fields += [statistics.median(s[k] * 1000 for s in samples[side]) for k in (1, 2, 3)]
    print(" ".join(f"{v:.2f}" for v in fields))


if __name__ == "__main__":
    main()
