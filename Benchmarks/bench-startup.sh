#!/usr/bin/env bash
# bench-startup.sh <git-kitty-binary>
#
# Process start-up cost (issue 7): median wall time of `git-kitty -h` over RUNS runs, against
# the issue-7 target, with `git --version` timed in the same invocation as the baseline (the
# cheapest thing git does: fork/exec, dynamic loading, no repository). Also, for information,
# `git-kitty --version` and `git kitty -h` (git's own dispatch to git-kitty on PATH: what a
# user who types `git kitty` pays).
# All timings by measure.py (fork/exec/wait, after WARMUP untimed runs); the commands run in a
# scratch directory outside any repository. Prints a table and PASS/WARN lines. A missed target
# only WARNs; the script fails only when something breaks (a command exits non-zero, `-h` prints
# nothing, ...).
#
# Environment (all optional):
#   RUNS=50      timed runs per command (median reported)
#   WARMUP=3     untimed runs per command first
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_args "$@"

RUNS=${RUNS:-50}
WARMUP=${WARMUP:-3}

# Target (issue 7): median wall time of `git-kitty -h`.
TARGET_MS=15

WORK=$(mktemp -d "${TMPDIR:-/tmp}/git-kitty-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ratio() { python3 -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.{int(sys.argv[3])}f}x")' "$1" "$2" "${3:-1}"; }

# `git kitty` finds the binary as `git-kitty` on PATH, whatever BIN is called.
mkdir -p "$WORK/bin" "$WORK/cwd"
ln -s "$BIN" "$WORK/bin/git-kitty"
export PATH="$WORK/bin:$PATH"

# Sanity: -h must succeed and print the usage (a crash or an empty help is a break, not a WARN).
if ! help=$(cd "$WORK/cwd" && "$BIN" -h 2>&1); then
  echo "bench-startup: $BIN -h failed:" >&2
  printf '%s\n' "$help" | tail -n 20 >&2
  exit 1
fi
if ! grep -q 'USAGE' <<<"$help"; then
  echo "bench-startup: $BIN -h printed no USAGE line:" >&2
  printf '%s\n' "$help" | head -n 20 >&2
  exit 1
fi

echo "== start-up: $RUNS runs per command (after $WARMUP warm-up), in a directory outside any repository"
echo "   binary: $BIN ($(du -h "$BIN" | cut -f1), $(file -b "$BIN" 2>/dev/null | cut -d, -f1-2 || echo '?'))"
echo "   git: $(git --version)"

ROWS=()  # "label|median|min|max|rss_kb"
measure() { # measure <label> command...
  local label=$1 out median min max rss
  shift
  out=$(python3 "$HERE/measure.py" --runs "$RUNS" --warmup "$WARMUP" --cwd "$WORK/cwd" -- "$@")
  read -r median min max rss <<<"$out"
  ROWS+=("$label|$median|$min|$max|$rss")
  LAST=$median
}

# The target and its baseline first, back to back; the informational rows after.
measure "git-kitty -h" "$BIN" -h
GK_H=$LAST
measure "git --version (baseline)" git --version
GIT_V=$LAST
measure "git-kitty --version" "$BIN" --version
measure "git kitty -h (via git)" git kitty -h

echo
printf '%-26s %10s %10s %10s %10s %12s\n' command "median ms" "min ms" "max ms" "RSS MB" "vs git"
for row in "${ROWS[@]}"; do
  IFS='|' read -r label median min max rss <<<"$row"
  printf '%-26s %10s %10s %10s %10s %12s\n' "$label" "$median" "$min" "$max" \
    "$(python3 -c 'import sys; print(f"{int(sys.argv[1]) / 1024:.1f}")' "$rss")" "$(ratio "$median" "$GIT_V")"
done
echo "(medians of wall time over $RUNS runs; vs git = median / median of git --version, same invocation)"
echo
if le "$GK_H" "$TARGET_MS"; then
  echo "PASS git-kitty -h median ${GK_H} ms (target <= ${TARGET_MS} ms; git --version ${GIT_V} ms)"
else
  echo "WARN git-kitty -h median ${GK_H} ms (target <= ${TARGET_MS} ms: $(ratio "$GK_H" "$TARGET_MS") the target; git --version ${GIT_V} ms)"
fi
