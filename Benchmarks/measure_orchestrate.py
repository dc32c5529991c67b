#!/usr/bin/env python3
"""Helpers of bench-orchestrate.sh.

measure_orchestrate.py run [--cwd DIR] [--log FILE] [--poll-ms N] [--timeout S] -- command [args...]
    Runs the command once (stdin /dev/null, stdout+stderr to FILE) and prints
    `wall_ms exit_status hwm_kb tree_maxrss_kb samples cpu_ms` on stdout:
      wall_ms         time.perf_counter() around spawn .. wait;
      hwm_kb          peak RSS of that process alone: the largest VmHWM read from
                      /proc/<pid>/status, polled every N ms (default 5) until it exits (the kernel
                      keeps the high-water mark, so a poll only has to land after the peak; the
                      last few ms before exit are the only blind spot);
      tree_maxrss_kb  ru_maxrss from wait4(): the largest of the process and every descendant it
                      waited for (agents, git), for comparison only;
      samples         how many polls read a VmHWM;
      cpu_ms          user + system CPU time of the process and every descendant it waited for
                      (wait4), which a loaded machine inflates far less than wall time.
    With --timeout, a run still going after S seconds gets SIGTERM (SIGKILL 10 s later) and a
    line on stderr; its exit status is then that of the signal.

measure_orchestrate.py agent-time <logs-dir>
    Sums the agent runs recorded in git-kitty's agent logs (<logs-dir>/**/*.log): each run starts
    at the ISO timestamp of its `=== git-kitty <role> of <WP> ... <timestamp> ===` header and ends
    when its `=== exit N ===` trailer is written. Only one run per log file can be timed exactly
    (the file's mtime is the last trailer), so a log holding several runs counts its first header
    to its mtime, which is an upper bound. Prints `total_ms runs longest_ms peak_concurrent`, the last
    being the largest number of runs whose spans overlap.
"""
import argparse
import datetime
import os
import re
import signal
import subprocess
import sys
import time


def read_hwm(pid):
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None  # a zombie has no VmHWM line


def run(args):
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        sys.exit("measure_orchestrate.py run: need a command")
    log = open(args.log, "wb") if args.log else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=args.cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    hwm, samples = 0, 0
    interval = args.poll_ms / 1000.0
    deadline = start + args.timeout if args.timeout > 0 else None
    signalled = None
    while True:
        value = read_hwm(proc.pid)
        if value is not None:
            hwm = max(hwm, value)
            samples += 1
        waited, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if waited == proc.pid:
            break
        now = time.perf_counter()
        if deadline is not None and now >= deadline and signalled is None:
            sys.stderr.write(f"measure_orchestrate.py: {cmd[0]} still running after {args.timeout:.0f} s: SIGTERM\n")
            proc.send_signal(signal.SIGTERM)
            signalled = now
        elif signalled is not None and now >= signalled + 10:
            proc.kill()
            signalled = float("inf")
        time.sleep(interval)
    elapsed = time.perf_counter() - start
    if log is not subprocess.DEVNULL:
        log.close()
    cpu = (usage.ru_utime + usage.ru_stime) * 1000
    print(f"{elapsed * 1000:.0f} {os.waitstatus_to_exitcode(status)} {hwm} {usage.ru_maxrss} {samples} {cpu:.0f}")


HEADER = re.compile(rb"^=== git-kitty \S+ of \S+ by .*, (\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:\d\d)) ===$")


def agent_time(args):
    total, runs, longest = 0.0, 0, 0.0
    edges = []
    for directory, _, files in os.walk(args.logs_dir):
        for name in files:
            if not name.endswith(".log"):
                continue
            path = os.path.join(directory, name)
            with open(path, "rb") as log:
                first = log.readline().rstrip(b"\n")
            match = HEADER.match(first)
            if not match:
                continue
            begin = datetime.datetime.fromisoformat(match.group(1).decode().replace("Z", "+00:00")).timestamp()
            span = max(0.0, os.stat(path).st_mtime - begin)
            total += span
            longest = max(longest, span)
            runs += 1
            edges += [(begin, 1), (begin + span, -1)]
    running = peak = 0
    for _, step in sorted(edges, key=lambda edge: (edge[0], edge[1])):
        running += step
        peak = max(peak, running)
    print(f"{total * 1000:.0f} {runs} {longest * 1000:.0f} {peak}")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run")
    r.add_argument("--cwd", default=".")
    r.add_argument("--log")
    r.add_argument("--poll-ms", type=float, default=5)
    r.add_argument("--timeout", type=float, default=0)
    r.add_argument("cmd", nargs=argparse.REMAINDER)
    a = sub.add_parser("agent-time")
    a.add_argument("logs_dir")
    args = parser.parse_args()
    if args.what == "run":
        run(args)
    else:
        agent_time(args)


if __name__ == "__main__":
    main()
