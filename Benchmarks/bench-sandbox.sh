#!/usr/bin/env bash
# bench-sandbox.sh <git-kitty-binary>
#
# Sandbox start-up overhead per agent run (issue 15): the same mission (WPS parallel WPs, built-in script agent,
# --max-concurrent 1) orchestrated with --sandbox none and with --sandbox bwrap, each RUNS times on a fresh copy.
# Each implementer commits its file itself (so a bwrap run fetches its lane back). Every agent run reports its
# wall time in the `agent-run` NDJSON event (executor start .. outcome: for bwrap that
# includes preparing the private git directory, starting bubblewrap and fetching the lane back); the overhead is
# median(bwrap) - median(none), per role and over all runs, against the target. A missed target only WARNs; the
# script fails when a run breaks or bubblewrap cannot make a sandbox here (then it SKIPs).
#
# Environment (all optional):
#   WPS=8     WPs per mission (each: one implementation and one review run)
#   RUNS=3    missions per mode
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_args "$@"

WPS=${WPS:-8}
RUNS=${RUNS:-3}
TARGET_MS=30

if ! bwrap --ro-bind / / --dev /dev --proc /proc --unshare-pid true 2>/dev/null; then
  echo "SKIP  bubblewrap cannot make a sandbox here (git kitty doctor says why)"
  exit 0
fi
# Outside /tmp, which the sandbox replaces with its own: the repository is then shown through a bind, as it is for
# most users.
WORK=$(mktemp -d /var/tmp/git-kitty-bench-sandbox.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "bench-sandbox: $*" >&2; exit 1; }

base="$WORK/base"
mkdir -p "$base"
(
  cd "$base" &&
    git init -q -b main &&
    git config user.name "git-kitty bench" && git config user.email "bench@git-kitty.invalid" &&
    git config commit.gpgsign false &&
    printf '# sandbox bench\n' >README.md && git add README.md && git commit -qm "initial commit" &&
    git switch -q -c feature/bench && "$BIN" init >/dev/null && git add -A && git commit -qm "chore: git kitty init"
) || fail "cannot create the repository"
slug=$(cd "$base" && "$BIN" mission new sandbox-bench 2>/dev/null) || fail "mission new failed"
(
  cd "$base" &&
    python3 "$HERE/gen_orchestrate_mission.py" "kitty-specs/$slug/tasks" --wps "$WPS" --shape parallel \
      --implement "mkdir -p out && echo {wp} > {file} && git add {file} && git commit -qm {wp}" >/dev/null &&
    git add -A && git commit -qm "docs: work packages" && "$BIN" mission finalize "$slug" >/dev/null
) || fail "cannot author the mission"

for mode in none bwrap; do
  for run in $(seq 1 "$RUNS"); do
    dir="$WORK/$mode-$run"
    cp -a "$base" "$dir"
    (cd "$dir" && "$BIN" orchestrate --mission "$slug" --sandbox "$mode" --max-concurrent 1 --json --impl-agent script --review-agent script \
      >"$WORK/$mode-$run.ndjson" 2>"$WORK/$mode-$run.err") || fail "orchestrate --sandbox $mode failed: $(tail -3 "$WORK/$mode-$run.err")"
  done
done

python3 - "$WORK" "$RUNS" "$TARGET_MS" <<'PY'
import json, statistics, sys, glob
work, runs, target = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
seconds = {}
for mode in ("none", "bwrap"):
    for path in glob.glob(f"{work}/{mode}-*.ndjson"):
        for line in open(path):
            event = json.loads(line)
            if event.get("event") != "agent-run":
                continue
            if event.get("failure"):
                sys.exit(f"bench-sandbox: a {mode} agent run failed: {event}")
            seconds.setdefault((mode, event["role"]), []).append(event["seconds"] * 1000)
            seconds.setdefault((mode, "all"), []).append(event["seconds"] * 1000)
print(f"{'role':<16}{'runs':>6}{'none ms':>10}{'bwrap ms':>10}{'overhead':>10}")
for role in ("implementation", "review", "all"):
    none, bwrap = seconds.get(("none", role), []), seconds.get(("bwrap", role), [])
    if not none or not bwrap:
        sys.exit(f"bench-sandbox: no {role} runs recorded")
    a, b = statistics.median(none), statistics.median(bwrap)
    print(f"{role:<16}{len(bwrap):>6}{a:>10.1f}{b:>10.1f}{b - a:>10.1f}")
overhead = statistics.median(seconds[("bwrap", "all")]) - statistics.median(seconds[("none", "all")])
verdict = "PASS" if overhead <= target else "WARN"
print(f"{verdict}  sandbox overhead per agent run: {overhead:.1f} ms (median, target <= {target:.0f} ms)")
PY
