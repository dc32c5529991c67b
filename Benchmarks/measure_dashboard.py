#!/usr/bin/env python3
"""Measures the incremental read path and the dashboard on a generated mission (bench-dashboard.sh).

Usage: measure_dashboard.py <git-kitty> <repo> <slug> [--runs 15] [--clients 20]

Prints one `name value` line per figure (milliseconds, megabytes):
  mission_state_cold_ms     mission-state with no stored fold (full fold), median
  mission_state_after100_ms mission-state after 100 appended events (the stored fold extended), median
  board_ms                  GET /board on a warm server, median (loopback round trip, server time dominates)
  board_after_event_ms      GET /board right after one appended event, median
  fanout_ms                 one appended event -> all clients got the change and refetched the board, worst client
  rss_mb                    the server's resident set with the clients connected (VmHWM: the peak)
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import tempfile
import time

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
counter = [0]


def rows(slug, wps, n):
    """n forced transitions, later than every generated row, with fresh ULID-shaped ids."""
    out = []
    for _ in range(n):
        counter[0] += 1
        k = counter[0]
        ident = "7" + "".join(CROCKFORD[(k >> (5 * i)) & 31] for i in range(25))[::-1]
        wp = wps[k % len(wps)]
        frm, to = ("in_progress", "blocked") if k % 2 else ("blocked", "in_progress")
        out.append(json.dumps({
            "actor": "bench", "at": "2099-01-01T00:%02d:%02d.%06d+00:00" % (k // 3600000 % 60, k // 60000 % 60, k % 1000000),
            "event_id": ident, "evidence": None, "execution_mode": "worktree", "force": True, "from_lane": frm,
            "mission_slug": slug, "policy_metadata": None, "reason": "bench", "review_ref": None, "to_lane": to,
            "wp_id": wp}, sort_keys=True))
    return "".join(r + "\n" for r in out)


def append(log, text):
    with open(log, "a") as f:
        f.write(text)


def timed(args, cwd):
    """Wall time of one call. Its output goes to a file, read after the clock stops (as in measure.py): through a
    pipe, the ~0.5 MB envelope of 1,000 WPs was timed at Python's pace of reading and decoding it (~3 ms)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        result = subprocess.run(args, cwd=cwd, stdout=out, stderr=err, env=os.environ)
        elapsed = (time.perf_counter() - start) * 1000
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if result.returncode != 0 or '"success": true' not in stdout:
        sys.exit("measure_dashboard: %s failed: %s %s" % (args, stdout[:300], stderr[:300]))
    return elapsed


def http_get(port, path):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % (path, port)).encode())
    data = b""
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin")
    parser.add_argument("repo")
    parser.add_argument("slug")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--clients", type=int, default=20)
    a = parser.parse_args()
    log = os.path.join(a.repo, "kitty-specs", a.slug, "status.events.jsonl")
    # The read verbs keep their fold in the user's cache: a private one here, emptied for the cold runs.
    store = os.path.join(os.path.dirname(os.path.abspath(a.repo)), "cache")
    os.environ["GIT_KITTY_CACHE_DIR"] = store
    wps = sorted(re.match(r"(WP\d+)", n).group(1) for n in os.listdir(os.path.join(a.repo, "kitty-specs", a.slug, "tasks")))
    verb = [a.bin, "orchestrator-api", "mission-state", "--mission", a.slug]

    cold = []
    for _ in range(a.runs):
        shutil.rmtree(store, ignore_errors=True)
        cold.append(timed(verb, a.repo))
    warm = []
    timed(verb, a.repo)
    for _ in range(a.runs):
        append(log, rows(a.slug, wps, 100))
        warm.append(timed(verb, a.repo))
    print("mission_state_cold_ms %.1f" % statistics.median(cold))
    print("mission_state_after100_ms %.1f" % statistics.median(warm))
    unchanged = [timed(verb, a.repo) for _ in range(a.runs)]
    print("mission_state_unchanged_ms %.1f" % statistics.median(unchanged))

    server = subprocess.Popen([a.bin, "dashboard", "--port", "0"], cwd=a.repo, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        line = server.stdout.readline()
        m = re.search(r":(\d+)/\?token=([0-9a-f]+)", line)
        port, token = int(m.group(1)), m.group(2)
        board = "/api/missions/%s/board?token=%s" % (a.slug, token)
        http_get(port, board)
        times = []
        for _ in range(a.runs):
            start = time.perf_counter()
            body = http_get(port, board)
            times.append((time.perf_counter() - start) * 1000)
        assert b'"work_packages"' in body
        print("board_ms %.1f" % statistics.median(times))
        after = []
        for _ in range(a.runs):
            append(log, rows(a.slug, wps, 1))
            start = time.perf_counter()
            http_get(port, board)
            after.append((time.perf_counter() - start) * 1000)
        print("board_after_event_ms %.1f" % statistics.median(after))

        # Clients: each holds the event stream open; on a change it refetches the board, as the page does.
        done = []
        armed = threading.Event()
        ready = threading.Barrier(a.clients + 1)
        lock = threading.Lock()

        def client():
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(("GET /api/events?token=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (token, port)).encode())
            buf = b""
            while b"event: hello" not in buf:
                buf += s.recv(65536)
            ready.wait()
            buf = b""
            s.settimeout(5)
            try:
                # Only a change that arrives once the timed append is under way counts: the appends timed above
                # can still be announced after the client connected (the watcher coalesces writes).
                while True:
                    buf += s.recv(65536)
                    events, _, buf = buf.rpartition(b"\n\n")
                    if b"event: change" in events and armed.is_set():
                        break
                http_get(port, board)
                with lock:
                    done.append(time.perf_counter())
            except socket.timeout:
                pass
            s.close()

        threads = [threading.Thread(target=client) for _ in range(a.clients)]
        for t in threads:
            t.start()
        ready.wait()
        time.sleep(1.0)  # the announcements of the appends above have gone out
        status = open("/proc/%d/status" % server.pid).read()
        start = time.perf_counter()
        armed.set()
        append(log, rows(a.slug, wps, 1))
        for t in threads:
            t.join(10)
        if len(done) < a.clients:
            sys.exit("measure_dashboard: only %d of %d clients saw the change" % (len(done), a.clients))
        print("fanout_ms %.1f" % ((max(done) - start) * 1000))
        status = open("/proc/%d/status" % server.pid).read()
        hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
        print("rss_mb %.1f" % (hwm / 1024))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


if __name__ == "__main__":
    main()
