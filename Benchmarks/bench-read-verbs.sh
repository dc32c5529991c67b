#!/usr/bin/env bash
# bench-read-verbs.sh <git-kitty-binary>
#
# Times the orchestrator-api read verbs (mission-state, list-ready):
#   1. on the spec-kitty 3.2.7 "lanes-fresh" fixture, against spec-kitty itself when it
#      is installed (ratio = spec-kitty / git-kitty);
#   2. on a generated mission of GEN_WPS work packages and GEN_EVENTS events
#      (gen_mission.py), with peak RSS.
# Prints a table and PASS/WARN lines against the issue-2 targets. Missed targets only
# WARN; the script fails only when something breaks (a verb exits non-zero or its
# JSON envelope says success:false, the fixture cannot be cloned, ...).
#
# Environment (all optional):
#   RUNS=20          git-kitty runs per verb on the fixture (median reported)
#   GEN_RUNS=10      git-kitty runs per verb on the generated mission
#   SK_RUNS=3        spec-kitty runs per verb on the fixture (each costs seconds)
#   GEN_WPS=1000 GEN_EVENTS=100000   size of the generated mission
#   SK_VENV=<repo>/.venv-spec-kitty  venv holding spec-kitty (else spec-kitty on PATH)
#   FIXTURES_DIR=<repo>/../shared/fixtures
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_args "$@"
REPO=$ROOT

RUNS=${RUNS:-20}
GEN_RUNS=${GEN_RUNS:-10}
SK_RUNS=${SK_RUNS:-3}
GEN_WPS=${GEN_WPS:-1000}
GEN_EVENTS=${GEN_EVENTS:-100000}
SK_VENV=${SK_VENV:-$REPO/.venv-spec-kitty}
FIXTURES_DIR=${FIXTURES_DIR:-$REPO/../shared/fixtures}
BUNDLE=$FIXTURES_DIR/spec-kitty-3.2.7-lanes-fresh.bundle

# Targets (issue 2).
TARGET_RATIO=100     # spec-kitty / git-kitty, per verb, on the fixture
TARGET_GEN_MS=150    # median ms per verb on the generated mission
TARGET_RSS_MB=100    # peak RSS on the generated mission

WORK=$(mktemp -d "${TMPDIR:-/tmp}/git-kitty-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

MEASURE=(python3 "$HERE/measure.py")
VERBS=(mission-state list-ready)
ROWS=()      # "verb|mission|gk_ms|sk_ms|ratio"
VERDICTS=()  # "PASS ..." / "WARN ..."

# Locate spec-kitty: the venv first, then PATH.
SK=""
if [ -x "$SK_VENV/bin/spec-kitty" ]; then
  SK=$SK_VENV/bin/spec-kitty
elif command -v spec-kitty >/dev/null 2>&1; then
  SK=$(command -v spec-kitty)
fi

# The one directory under kitty-specs/.
mission_slug() {
  local dirs=("$1"/kitty-specs/*/)
  if [ ${#dirs[@]} -ne 1 ] || [ ! -d "${dirs[0]}" ]; then
    echo "bench-read-verbs: expected exactly one mission under $1/kitty-specs" >&2
    return 1
  fi
  basename "${dirs[0]}"
}

# ratio A B [decimals]: "A/B" formatted as e.g. 153x or 3.7x.
ratio() { python3 -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.{int(sys.argv[3])}f}x")' "$1" "$2" "${3:-0}"; }

# ---------------------------------------------------------------- fixture
echo "== read verbs: fixture spec-kitty-3.2.7-lanes-fresh"
if [ -f "$BUNDLE" ]; then
  git clone -q -b develop "$BUNDLE" "$WORK/fixture"
  SLUG=$(mission_slug "$WORK/fixture")
  echo "   mission $SLUG; git-kitty runs: $RUNS"
  if [ -n "$SK" ]; then
    echo "   spec-kitty: $SK ($SK_RUNS runs per verb)"
  else
    echo "   spec-kitty: not found (no $SK_VENV/bin/spec-kitty, none on PATH): baseline column skipped."
    echo "   Install it with: $(cd "$REPO/.." && pwd)/shared/tools/spec-kitty-env.sh $SK_VENV"
  fi
  for verb in "${VERBS[@]}"; do
    out=$("${MEASURE[@]}" --runs "$RUNS" --cwd "$WORK/fixture" --envelope -- \
      "$BIN" orchestrator-api "$verb" --mission "$SLUG")
    read -r gk _ _ _ <<<"$out"
    sk=skipped
    rat=-
    if [ -n "$SK" ]; then
      if out=$(PATH="$(dirname "$SK"):$PATH" SPEC_KITTY_NO_UPGRADE_CHECK=1 "${MEASURE[@]}" --runs "$SK_RUNS" \
        --warmup 0 --cwd "$WORK/fixture" --envelope -- "$SK" orchestrator-api "$verb" --mission "$SLUG"); then
        read -r sk _ _ _ <<<"$out"
        rat=$(ratio "$sk" "$gk")
        if le "$(python3 -c 'import sys; print(float(sys.argv[1]) * float(sys.argv[2]))' "$gk" "$TARGET_RATIO")" "$sk"; then
          VERDICTS+=("PASS $verb on the fixture is $rat faster than spec-kitty (target >= ${TARGET_RATIO}x)")
        else
          VERDICTS+=("WARN $verb on the fixture is only $rat faster than spec-kitty (target >= ${TARGET_RATIO}x)")
        fi
      else
        sk=failed
        VERDICTS+=("WARN spec-kitty $verb failed on the fixture (baseline only; see the output above)")
      fi
    fi
    ROWS+=("$verb|fixture|$gk|$sk|$rat")
  done
  if [ -z "$SK" ]; then
    VERDICTS+=("SKIP ratio target (>= ${TARGET_RATIO}x faster than spec-kitty): spec-kitty is not installed")
  fi
else
  echo "   fixture bundle not found at $BUNDLE: fixture rows skipped"
  VERDICTS+=("SKIP fixture rows and ratio target: $BUNDLE is missing")
fi

# ---------------------------------------------------------------- generated mission
echo "== read verbs: generated mission ($GEN_WPS WPs, $GEN_EVENTS events)"
GEN=$WORK/generated
mkdir -p "$GEN"
git -C "$GEN" init -q
git -C "$GEN" symbolic-ref HEAD refs/heads/develop
bench_identity "$GEN"
GSLUG=$(python3 "$HERE/gen_mission.py" "$GEN" --wps "$GEN_WPS" --events "$GEN_EVENTS")
git -C "$GEN" add -A
git -C "$GEN" commit -q -m "Synthetic mission $GSLUG"
echo "   mission $GSLUG; git-kitty runs: $GEN_RUNS"
echo "   (spec-kitty 3.2.7 cannot read it: it takes WP ids from exactly two filename digits, so"
echo "    WP0001-*.md fails with 'WP ID mismatch: filename WP00'; no baseline on this mission)"
PEAK_KB=0
for verb in "${VERBS[@]}"; do
  out=$("${MEASURE[@]}" --runs "$GEN_RUNS" --cwd "$GEN" --envelope -- \
    "$BIN" orchestrator-api "$verb" --mission "$GSLUG")
  read -r gk _ _ rss <<<"$out"
  [ "$rss" -gt "$PEAK_KB" ] && PEAK_KB=$rss
  ROWS+=("$verb|generated|$gk|n/a|-")
  if le "$gk" "$TARGET_GEN_MS"; then
    VERDICTS+=("PASS $verb median ${gk} ms on the ${GEN_WPS}-WP mission (target <= ${TARGET_GEN_MS} ms)")
  else
    VERDICTS+=("WARN $verb median ${gk} ms on the ${GEN_WPS}-WP mission (target <= ${TARGET_GEN_MS} ms: $(ratio "$gk" "$TARGET_GEN_MS" 1) the target)")
  fi
done
PEAK_MB=$(python3 -c 'import sys; print(f"{int(sys.argv[1]) / 1024:.1f}")' "$PEAK_KB")
if le "$PEAK_MB" "$TARGET_RSS_MB"; then
  VERDICTS+=("PASS peak RSS ${PEAK_MB} MB on the ${GEN_WPS}-WP mission (target <= ${TARGET_RSS_MB} MB)")
else
  VERDICTS+=("WARN peak RSS ${PEAK_MB} MB on the ${GEN_WPS}-WP mission (target <= ${TARGET_RSS_MB} MB)")
fi

# Sanity: the generated mission's fold must come out as the generator planned it.
EXPECTED=$(python3 - "$GEN/kitty-specs/$GSLUG/status.events.jsonl" <<'EOF'
import collections, json, sys
lanes = {}
for line in open(sys.argv[1], encoding="utf-8"):
    row = json.loads(line)
    if "event_type" not in row and row.get("kind") is None:
        lanes[row["wp_id"]] = row["to_lane"]
print(json.dumps(dict(sorted(collections.Counter(lanes.values()).items()))))
EOF
)
ACTUAL=$(cd "$GEN" && "$BIN" orchestrator-api mission-state --mission "$GSLUG" | python3 -c '
import json, sys
summary = json.load(sys.stdin)["data"]["summary"]
print(json.dumps(dict(sorted((k, v) for k, v in summary.items() if v))))')
if [ "$EXPECTED" = "$ACTUAL" ]; then
  VERDICTS+=("PASS mission-state summary on the generated mission matches the event log")
else
  VERDICTS+=("WARN mission-state summary $ACTUAL differs from the event log's $EXPECTED")
fi

# ---------------------------------------------------------------- report
echo
printf '%-14s %-10s %14s %15s %9s\n' verb mission "git-kitty ms" "spec-kitty ms" ratio
for row in "${ROWS[@]}"; do
  IFS='|' read -r verb mission gk sk rat <<<"$row"
  printf '%-14s %-10s %14s %15s %9s\n' "$verb" "$mission" "$gk" "$sk" "$rat"
done
echo "peak RSS (generated mission, max over runs and verbs): ${PEAK_MB} MB"
echo "(medians of wall time; fixture: $RUNS git-kitty / $SK_RUNS spec-kitty runs; generated: $GEN_RUNS runs)"
echo
for verdict in "${VERDICTS[@]}"; do
  echo "$verdict"
done
