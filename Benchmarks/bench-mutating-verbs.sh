#!/usr/bin/env bash
# bench-mutating-verbs.sh <git-kitty-binary>
#
# Times the mutating orchestrator-api verbs (issues 7 and 4) on fresh clones of the spec-kitty
# 3.2.7 "lanes-fresh" fixture (mission demo-feature-01M806VT), against spec-kitty itself when it
# is installed (ratio = spec-kitty / git-kitty). measure_mutating.py clones the fixture for every
# iteration (untimed; local main, no origin, so develop is not protected) and walks WP01 through
# start-implementation (lane worktree creation included), transition --to for_review,
# start-review, transition --to approved, append-history; then WP02..WP04 to approved (untimed,
# by git-kitty) and accept-mission. Each verb is timed once per clone, by the host under test;
# the untimed steps (the lane commit, `git kitty subtasks mark`, the other WPs) are always
# git-kitty's, which keeps a spec-kitty iteration at ~20 s instead of ~2 min.
# Prints a table and PASS/WARN lines against the targets: start-implementation <= 150 ms and
# each transition <= 60 ms (median wall time), every verb >= 50x faster than spec-kitty. A missed
# target only WARNs; the script fails only when something breaks (a call exits non-zero or its
# envelope says success:false, accept-mission does not accept the four WPs, the fixture is
# missing, ...). A failing spec-kitty baseline only WARNs.
#
# Environment (all optional):
#   RUNS=10          git-kitty iterations (fresh clones; median per verb), after WARMUP untimed ones
#   WARMUP=1         untimed git-kitty iterations first
#   SK_RUNS=2        spec-kitty iterations (each ~20 s; no warm-up)
#   SK_VENV=<repo>/.venv-spec-kitty  venv holding spec-kitty (else spec-kitty on PATH)
#   FIXTURES_DIR=<repo>/../shared/fixtures
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_args "$@"
REPO=$ROOT

RUNS=${RUNS:-10}
WARMUP=${WARMUP:-1}
SK_RUNS=${SK_RUNS:-2}
SK_VENV=${SK_VENV:-$REPO/.venv-spec-kitty}
FIXTURES_DIR=${FIXTURES_DIR:-$REPO/../shared/fixtures}
BUNDLE=$FIXTURES_DIR/spec-kitty-3.2.7-lanes-fresh.bundle
SLUG=demo-feature-01M806VT

# Targets (issues 7 and 4).
TARGET_START_MS=150    # start-implementation, median wall (worktree creation included)
TARGET_TRANSITION_MS=60  # transition (for_review, approved), median wall
TARGET_RATIO=50        # spec-kitty / git-kitty, per verb

if [ ! -f "$BUNDLE" ]; then
  echo "bench-mutating-verbs: fixture bundle not found at $BUNDLE" >&2
  exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/git-kitty-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ratio() { python3 -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.{int(sys.argv[3])}f}x")' "$1" "$2" "${3:-0}"; }

# Locate spec-kitty: the venv first, then PATH.
SK=""
if [ -x "$SK_VENV/bin/spec-kitty" ]; then
  SK=$SK_VENV/bin/spec-kitty
elif command -v spec-kitty >/dev/null 2>&1; then
  SK=$(command -v spec-kitty)
fi

VERBS=(start-implementation transition-for_review start-review transition-approved append-history accept-mission)
label() {
  case $1 in
  transition-for_review) echo "transition --to for_review" ;;
  transition-approved) echo "transition --to approved" ;;
  *) echo "$1" ;;
  esac
}
target_ms() {
  case $1 in
  start-implementation) echo "$TARGET_START_MS" ;;
  transition-*) echo "$TARGET_TRANSITION_MS" ;;
  *) echo "" ;;
  esac
}

echo "== mutating verbs: fresh clones of spec-kitty-3.2.7-lanes-fresh (mission $SLUG)"
echo "   git-kitty: $RUNS iterations (after $WARMUP warm-up), one fresh clone each"
declare -A GK GK_MIN GK_MAX GK_CPU SKM SK_CPU
mkdir -p "$WORK/gk"
OUT=$(python3 "$HERE/measure_mutating.py" --host gk --cmd "$BIN" --gk "$BIN" --bundle "$BUNDLE" --slug "$SLUG" \
  --work "$WORK/gk" --runs "$RUNS" --warmup "$WARMUP")
while read -r verb median min max cpu _; do
  GK[$verb]=$median GK_MIN[$verb]=$min GK_MAX[$verb]=$max GK_CPU[$verb]=$cpu
done <<<"$OUT"

VERDICTS=()
SK_OK=0
if [ -n "$SK" ]; then
  echo "   spec-kitty: $SK ($SK_RUNS iterations, one fresh clone each)"
  mkdir -p "$WORK/sk"
  # spec-kitty's repositories run `spec-kitty merge-driver-*` from git: its venv goes first on PATH.
  if OUT=$(PATH="$(dirname "$SK"):$PATH" SPEC_KITTY_NO_UPGRADE_CHECK=1 python3 "$HERE/measure_mutating.py" \
    --host sk --cmd "$SK" --gk "$BIN" --bundle "$BUNDLE" --slug "$SLUG" --work "$WORK/sk" --runs "$SK_RUNS" --warmup 0); then
    SK_OK=1
    while read -r verb median _ _ cpu _; do
      SKM[$verb]=$median SK_CPU[$verb]=$cpu
    done <<<"$OUT"
  else
    VERDICTS+=("WARN spec-kitty failed on the fixture (baseline only; see its output above): no ratios")
  fi
else
  echo "   spec-kitty: not found (no $SK_VENV/bin/spec-kitty, none on PATH): baseline column skipped."
  echo "   Install it with: $(cd "$REPO/.." && pwd)/shared/tools/spec-kitty-env.sh $SK_VENV"
  VERDICTS+=("SKIP ratio target (>= ${TARGET_RATIO}x faster than spec-kitty): spec-kitty is not installed")
fi

# ---------------------------------------------------------------- report
echo
printf '%-28s %9s %8s %8s %8s %14s %8s %7s %9s\n' verb "gk ms" "min" "max" "gk CPU" "spec-kitty ms" "sk CPU" ratio "CPU ratio"
for verb in "${VERBS[@]}"; do
  sk=skipped skc=- rat=- crat=-
  if [ "$SK_OK" = 1 ]; then
    sk=${SKM[$verb]} skc=${SK_CPU[$verb]} rat=$(ratio "$sk" "${GK[$verb]}") crat=$(ratio "$skc" "${GK_CPU[$verb]}")
  elif [ -n "$SK" ]; then
    sk=failed
  fi
  printf '%-28s %9s %8s %8s %8s %14s %8s %7s %9s\n' "$(label "$verb")" "${GK[$verb]}" "${GK_MIN[$verb]}" \
    "${GK_MAX[$verb]}" "${GK_CPU[$verb]}" "$sk" "$skc" "$rat" "$crat"
done
echo "(ms; medians of wall time, min/max of git-kitty's wall; CPU = median user+sys of the call; fresh clones:"
echo " git-kitty $RUNS, spec-kitty $([ "$SK_OK" = 1 ] && echo "$SK_RUNS" || echo none); ratio = spec-kitty / git-kitty median wall (the"
echo " target), CPU ratio the same for CPU (less sensitive to a loaded machine); same invocation)"
echo
for verb in "${VERBS[@]}"; do
  target=$(target_ms "$verb")
  [ -n "$target" ] || continue
  if le "${GK[$verb]}" "$target"; then
    echo "PASS $(label "$verb") median ${GK[$verb]} ms (target <= $target ms)"
  else
    echo "WARN $(label "$verb") median ${GK[$verb]} ms (target <= $target ms: $(ratio "${GK[$verb]}" "$target" 1) the target; CPU ${GK_CPU[$verb]} ms)"
  fi
done
if [ "$SK_OK" = 1 ]; then
  for verb in "${VERBS[@]}"; do
    rat=$(ratio "${SKM[$verb]}" "${GK[$verb]}")
    if le "$(python3 -c 'import sys; print(float(sys.argv[1]) * float(sys.argv[2]))' "${GK[$verb]}" "$TARGET_RATIO")" "${SKM[$verb]}"; then
      echo "PASS $(label "$verb") is $rat faster than spec-kitty (target >= ${TARGET_RATIO}x)"
    else
      echo "WARN $(label "$verb") is only $rat faster than spec-kitty (target >= ${TARGET_RATIO}x)"
    fi
  done
fi
for verdict in "${VERDICTS[@]}"; do
  echo "$verdict"
done
echo "PASS every accept-mission accepted all four WPs ($RUNS git-kitty clones$([ "$SK_OK" = 1 ] && echo ", $SK_RUNS spec-kitty clones"))"
