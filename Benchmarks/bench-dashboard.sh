#!/usr/bin/env bash
# bench-dashboard.sh <git-kitty-binary>
#
# The incremental read path and the dashboard (issue 17) on a generated mission of GEN_WPS work packages and
# GEN_EVENTS events (gen_mission.py):
#   mission-state cold (no stored fold: a full fold) and after 100 appended events (the stored fold extended);
#   the board's JSON on a warm server and right after an event; one event fanned out to CLIENTS event-stream
#   clients that each refetch the board; the server's peak RSS with them connected.
# Prints the figures and PASS/WARN lines; fails only when something breaks.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_args "$@"

GEN_WPS=${GEN_WPS:-1000}
GEN_EVENTS=${GEN_EVENTS:-100000}
RUNS=${RUNS:-15}
CLIENTS=${CLIENTS:-20}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/git-kitty-bench-dashboard.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
git init -q -b main "$WORK/repo"
SLUG=$(python3 "$HERE/gen_mission.py" "$WORK/repo" --wps "$GEN_WPS" --events "$GEN_EVENTS")
git -C "$WORK/repo" -c user.name=bench -c user.email=bench@invalid add -A
git -C "$WORK/repo" -c user.name=bench -c user.email=bench@invalid -c commit.gpgsign=false commit -qm mission

OUT=$(python3 "$HERE/measure_dashboard.py" "$BIN" "$WORK/repo" "$SLUG" --runs "$RUNS" --clients "$CLIENTS")
echo "$OUT"
value() { echo "$OUT" | awk -v k="$1" '$1 == k { print $2 }'; }
check() { # check <name> <value> <limit> <unit>
  if awk -v v="$2" -v l="$3" 'BEGIN { exit !(v <= l) }'; then echo "PASS $1: $2 $4 <= $3 $4"; else echo "WARN $1: $2 $4 > $3 $4"; fi
}
check "mission-state cold ($GEN_WPS WPs, $GEN_EVENTS events)" "$(value mission_state_cold_ms)" 150 ms
check "mission-state after 100 new events" "$(value mission_state_after100_ms)" 20 ms
check "board JSON for $GEN_WPS WPs" "$(value board_ms)" 50 ms
check "board JSON right after an event" "$(value board_after_event_ms)" 50 ms
check "one event -> $CLIENTS clients updated" "$(value fanout_ms)" 1000 ms
check "server RSS with $CLIENTS clients" "$(value rss_mb)" 80 MB
