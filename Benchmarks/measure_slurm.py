#!/usr/bin/env python3
"""Dispatch overhead and fan-out efficiency of `git kitty orchestrate --executor slurm` (see bench-slurm.sh)."""
import datetime
import math
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "Tests", "Slurm"))
import test_slurm as ts  # noqa: E402  (the Slurm test kit: missions, runs, markers)


def at(event):
    return datetime.datetime.fromisoformat(event["at"]).timestamp()


def stamp_block(marker, seconds):
    return 'echo "start $(date +%%s.%%N)" >> %s.t\nsleep %s' % (marker, seconds)


def dispatch(bin_path, wps):
    run = ts.Run("bench-dispatch", bin_path, keep=False)
    try:
        ids = ["WP%02d" % i for i in range(1, wps + 1)]
        mission = []
        for wp in ids:
            marker = os.path.join(run.markers, wp)
            mission.append((wp, "", stamp_block(marker, 1), ""))
        run.make_mission(mission, ts.fast(run))
        # Each implementer writes its end stamp after its commit: append to the block through the WP file.
        tasks = os.path.join(run.repo, "kitty-specs", run.slug, "tasks")
        for name in os.listdir(tasks):
            wp = name.split("-")[0]
            path = os.path.join(tasks, name)
            text = open(path).read().replace('src/%s.txt"\n```' % wp.lower(),
                                             'src/%s.txt" && echo "end $(date +%%s.%%N)" >> %s.t\n```'
                                             % (wp.lower(), os.path.join(run.markers, wp)), 1)
            open(path, "w").write(text)
        run.git("commit", "-qam", "end stamps")
        code = run.orchestrate(["--max-concurrent", "2"])
        ts.check(code == 0, "the dispatch mission failed" + run.explain())
        to_start, to_transition = [], []
        for wp in ids:
            stamps = dict(l.split() for l in open(os.path.join(run.markers, wp + ".t")))
            submitted = [at(e) for e in run.events if e.get("event") == "job" and e.get("wp_id") == wp
                         and "submitted" in e["message"]]
            reviewed = [at(e) for e in run.events if e.get("event") == "wp" and e.get("wp_id") == wp
                        and e["message"] == "ready for review"]
            to_start.append(float(stamps["start"]) - submitted[0])
            to_transition.append(reviewed[0] - float(stamps["end"]))
        return statistics.median(to_start), statistics.median(to_transition), max(to_start), max(to_transition)
    finally:
        run.close()


def fan_out(bin_path, wps, seconds):
    cpus = subprocess.run(["sinfo", "-h", "-o", "%C"], capture_output=True, text=True).stdout.strip()
    slots = int(cpus.split("/")[-1]) if cpus else 4
    run = ts.Run("bench-fanout", bin_path, keep=False)
    try:
        ids = ["WP%02d" % i for i in range(1, wps + 1)]
        run.make_mission([(wp, "", "sleep %d" % seconds, "") for wp in ids], ts.fast(run))
        started = time.time()
        code = run.orchestrate(["--max-concurrent", str(wps)], timeout=1800)
        wall = time.time() - started
        ts.check(code == 0, "the fan-out mission failed" + run.explain())
        nodes = ts.on_nodes(run, ids)
        ideal = seconds * math.ceil(wps / slots)
        return wall, ideal, slots, nodes
    finally:
        run.close()


def main():
    bin_path = os.path.abspath(sys.argv[1])
    wps = int(os.environ.get("WPS", "16"))
    seconds = int(os.environ.get("AGENT_SECONDS", "10"))
    start, transition, worst_start, worst_transition = dispatch(bin_path, int(os.environ.get("DISPATCH_WPS", "8")))
    print("%s  submit -> agent start: median %.2f s (worst %.2f s; target <= 2 s)"
          % ("PASS" if start <= 2 else "WARN", start, worst_start))
    print("%s  agent end -> WP transition: median %.2f s (worst %.2f s; target <= 2 s)"
          % ("PASS" if transition <= 2 else "WARN", transition, worst_transition))
    wall, ideal, slots, nodes = fan_out(bin_path, wps, seconds)
    ratio = wall / ideal
    print("%s  %d-WP fan-out, %d-s agents, %d CPUs on %s: %.1f s vs ideal %.0f s (%.2fx; target <= 1.3x)"
          % ("PASS" if ratio <= 1.3 else "WARN", wps, seconds, slots, ",".join(sorted(nodes)), wall, ideal, ratio))


if __name__ == "__main__":
    main()
