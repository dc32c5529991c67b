#!/usr/bin/env python3
"""Time a command N times; print `median_ms min_ms max_ms peak_rss_kb` on stdout.

Usage: measure.py [--runs N] [--warmup W] [--cwd DIR] [--envelope] -- command [args...]

Wall time is time.perf_counter() around fork/exec/wait of each run. Peak RSS is the
largest ru_maxrss (KiB on Linux) that wait4() reports for any timed run: the same
figure GNU `/usr/bin/time -f %M` prints, without timing the wrapper too.
With --envelope, stdout must hold an orchestrator-api JSON envelope whose "success" is
true; anything else (non-zero exit, unparsable output, success false) exits 1 with
the command's output on stderr, so a benchmark never times a failing command.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def check_envelope(text):
    start = text.find("{")
    if start < 0:
        return "no JSON object on stdout"
    try:
        envelope, _ = json.JSONDecoder().raw_decode(text[start:])
    except json.JSONDecodeError as error:
        return f"stdout is not JSON: {error}"
    if not isinstance(envelope, dict) or envelope.get("success") is not True:
        code = envelope.get("error_code") if isinstance(envelope, dict) else None
        return f"envelope success is not true (error_code={code})"
    return None


def run_once(cmd, cwd, out, err):
    out.seek(0)
    out.truncate()
    err.seek(0)
    err.truncate()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss, proc.returncode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--cwd", default=".")
    parser.add_argument("--envelope", action="store_true")
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd or args.runs < 1:
        parser.error("need a command and --runs >= 1")

    times, peak = [], 0
    with tempfile.TemporaryFile("w+b") as out, tempfile.TemporaryFile("w+b") as err:
        for index in range(args.warmup + args.runs):
            try:
                elapsed, rss, code = run_once(cmd, args.cwd, out, err)
            except OSError as error:
                sys.exit(f"measure.py: cannot run {cmd[0]}: {error}")
            problem = f"exit status {code}" if code != 0 else None
            if problem is None and args.envelope:
                out.seek(0)
                problem = check_envelope(out.read().decode("utf-8", "replace"))
            if problem:
                out.seek(0)
                err.seek(0)
                sys.stderr.write(f"measure.py: {' '.join(cmd)} (in {args.cwd}): {problem}\n")
                sys.stderr.write("--- stdout ---\n" + out.read().decode("utf-8", "replace")[:4000] + "\n")
                sys.stderr.write("--- stderr ---\n" + err.read().decode("utf-8", "replace")[:4000] + "\n")
                sys.exit(1)
            if index >= args.warmup:
                times.append(elapsed * 1000.0)
                peak = max(peak, rss)
    print(f"{statistics.median(times):.2f} {min(times):.2f} {max(times):.2f} {peak}")


if __name__ == "__main__":
    main()
