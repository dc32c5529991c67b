#!/usr/bin/env bash
# bench-hooks.sh <git-kitty-binary>
#
# What git-kitty's hooks (issue 6) cost a developer, on three clones of the spec-kitty 3.2.7
# "lanes-fresh" fixture, each with WP01 started (orchestrator-api start-implementation: a lane
# worktree) and its subtask T001 marked done; `git kitty hooks install` in the second clone only,
# and in the third ("floor") four empty `#!/bin/sh` hooks of the same names: what git's running
# of four hooks costs before any of their work.
#   commits:    COMMITS `git commit` in each lane worktree, alternating plain / hooked / hooked
#               --no-verify / floor (measure_hooks.py). Every message carries "Kitty-Transition:
#               for_review", so in the hooked clone the post-commit hook starts `git kitty hook
#               post-commit` in the background; the first one moves WP01 to for_review and marks the
#               lane idle, and the later hooks see that mark and start nothing. The script waits,
#               untimed, for background processes after every commit.
#   update-ref: UPDATES `git update-ref refs/heads/bench-hooks-x <sha>` (not a protected ref) in the
#               plain and hooked clones, alternating: the per-update cost of the reference-transaction hook.
# `git-kitty` is put on PATH (a symlink to the binary in a temporary directory), for all clones.
# Prints a table and PASS/WARN lines against the issue-6 targets: median commit time hooked /
# plain <= 1.3, and reference-transaction added cost per ref update (median hooked - median
# plain) <= 5 ms. A missed target only WARNs; the script fails only when something breaks (a
# command fails, the hooks are not installed, the post-commit hook did not move WP01 to
# for_review, the reference-transaction hook lets a protected branch move, ...).
#
# Environment (all optional):
#   COMMITS=50       timed commits per series (median reported), after WARMUP untimed ones
#   UPDATES=200      timed update-ref per series
#   WARMUP=2         untimed iterations first
#   TRACED=10        extra untimed hooked commits under GIT_TRACE2_EVENT: each hook's own share (0: skip)
#   FIXTURES_DIR=<repo>/../shared/fixtures
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_args "$@"
REPO=$ROOT

COMMITS=${COMMITS:-50}
UPDATES=${UPDATES:-200}
WARMUP=${WARMUP:-2}
TRACED=${TRACED:-10}
FIXTURES_DIR=${FIXTURES_DIR:-$REPO/../shared/fixtures}
BUNDLE=$FIXTURES_DIR/spec-kitty-3.2.7-lanes-fresh.bundle
SLUG=demo-feature-01M806VT
POLICY='{"orchestrator_id":"git-kitty-bench","orchestrator_version":"0.1.0","agent_family":"claude","approval_mode":"full_auto","sandbox_mode":"workspace_write","network_mode":"none","dangerous_flags":[]}'

# Targets (issue 6).
TARGET_COMMIT_RATIO=1.3   # median git commit, hooked / plain
TARGET_UPDATE_MS=5        # reference-transaction added cost per ref update (median difference)

if [ ! -f "$BUNDLE" ]; then
  echo "bench-hooks: fixture bundle not found at $BUNDLE" >&2
  exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/git-kitty-bench.XXXXXX")
trap 'cd /; rm -rf "$WORK"' EXIT
# Never sit inside a clone: measure_hooks.py waits for every process whose working directory is in one.
cd "$WORK"

# The hooks call `git-kitty` from PATH.
mkdir -p "$WORK/bin"
ln -s "$BIN" "$WORK/bin/git-kitty"
export PATH="$WORK/bin:$PATH"

ratio() { python3 -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.{int(sys.argv[3])}f}")' "$1" "$2" "${3:-2}"; }
fail() { echo "bench-hooks: $*" >&2; exit 1; }

# api <clone> <verb> [args...]: a git-kitty orchestrator-api call that must succeed; prints its envelope.
api() {
  local dir=$1 out
  shift
  if ! out=$(cd "$dir" && git-kitty orchestrator-api "$@" 2>"$WORK/api.err") ||
    ! python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1]).get("success") is True else 1)' "$out" 2>/dev/null; then
    fail "git-kitty orchestrator-api $* (in $dir) failed: $out $(tail -n 20 "$WORK/api.err")"
  fi
  printf '%s\n' "$out"
}
json_get() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]); [v := v[k] for k in sys.argv[2].split(".")]; print(v)' "$1" "$2"; }
lane_of() { # lane_of <clone> <WP>: the WP's lane in mission-state
  python3 -c 'import json,sys; print({w["wp_id"]: w["lane"] for w in json.loads(sys.argv[1])["data"]["work_packages"]}[sys.argv[2]])' \
    "$(api "$1" mission-state --mission "$SLUG")" "$2"
}

# prepare <name>: a writable clone of lanes-fresh (local main, no origin: develop is not protected) with WP01
# started and T001 done; prints the lane worktree.
prepare() {
  local dir=$WORK/$1 env
  git clone -q -b develop "$BUNDLE" "$dir"
  git -C "$dir" branch -q main origin/main
  git -C "$dir" remote remove origin
  bench_identity "$dir"
  env=$(api "$dir" start-implementation --mission "$SLUG" --wp WP01 --actor bench --policy "$POLICY")
  (cd "$dir" && git-kitty subtasks mark T001 --status done --mission "$SLUG" >/dev/null) ||
    fail "git-kitty subtasks mark T001 failed in $dir"
  json_get "$env" data.workspace_path
}

echo "== hooks: two clones of spec-kitty-3.2.7-lanes-fresh, WP01 started in each; hooks in the second"
PLAIN_LANE=$(prepare plain)
HOOKED_LANE=$(prepare hooked)
FLOOR_LANE=$(prepare floor)
[ -d "$PLAIN_LANE" ] && [ -d "$HOOKED_LANE" ] && [ -d "$FLOOR_LANE" ] || fail "start-implementation returned no lane worktree"
for hook in pre-commit post-commit pre-push reference-transaction; do
  printf '#!/bin/sh\nexit 0\n' >"$WORK/floor/.git/hooks/$hook"
  chmod +x "$WORK/floor/.git/hooks/$hook"
done
(cd "$WORK/hooked" && git-kitty hooks install >/dev/null) || fail "git-kitty hooks install failed"
STATUS=$(cd "$WORK/hooked" && git-kitty hooks status)
for hook in pre-commit post-commit reference-transaction; do
  grep -Eq "^$hook +ours " <<<"$STATUS" || fail "after hooks install, $hook is not ours:
$STATUS"
done
[ -z "$(ls "$WORK/plain/.git/hooks" | grep -v '\.sample$' || true)" ] || fail "the plain clone has hooks"
echo "   lane worktree: .worktrees/$(basename "$PLAIN_LANE"); $COMMITS commits and $UPDATES ref updates per series (after $WARMUP warm-up)"
echo "   git: $(git --version); hooks installed: $(grep -Ec ' ours ' <<<"$STATUS") (pre-commit, post-commit, pre-push, reference-transaction)"

OUT=$(python3 "$HERE/measure_hooks.py" --plain "$PLAIN_LANE" --hooked "$HOOKED_LANE" --floor "$FLOOR_LANE" \
  --commits "$COMMITS" --updates "$UPDATES" --warmup "$WARMUP" --traced "$TRACED")
declare -A MED MIN MAX
HOOK_ROWS=()
while read -r name median min max; do
  case $name in
  settle_max_ms) SETTLE_MAX=$median ;;
  hook:*) HOOK_ROWS+=("${name#hook:}|$median|$min|$max") ;;
  *) MED[$name]=$median MIN[$name]=$min MAX[$name]=$max ;;
  esac
done <<<"$OUT"

# ---------------------------------------------------------------- checks (a failure here is a break)
CHECKS=()
# 1. The post-commit hook moved WP01 once, in the hooked clone only.
[ "$(lane_of "$WORK/hooked" WP01)" = for_review ] ||
  fail "the post-commit hook did not move WP01 to for_review (lane $(lane_of "$WORK/hooked" WP01)); hooks.log:
$(cat "$WORK/hooked/.kittify/logs/hooks.log" 2>/dev/null || echo '(none)')"
[ "$(lane_of "$WORK/plain" WP01)" = in_progress ] || fail "WP01 moved in the plain clone (no hooks there)"
MOVED=$(grep -c 'moved to for_review' "$WORK/hooked/.kittify/logs/hooks.log" || true)
RAN=$(grep -c 'post-commit' "$WORK/hooked/.kittify/logs/hooks.log" || true)
[ "$MOVED" = 1 ] || fail "hooks.log reports $MOVED moves to for_review (expected 1)"
CHECKS+=("PASS post-commit hook: WP01 moved to for_review once; $RAN background run(s) logged (the later trailer commits found the lane idle and started nothing)")
# 2. Every commit landed on the lane branches.
for side in plain hooked floor; do
  lane=$PLAIN_LANE
  [ $side = hooked ] && lane=$HOOKED_LANE
  [ $side = floor ] && lane=$FLOOR_LANE
  n=$(git -C "$lane" rev-list --count --grep='^bench-hooks: commit' HEAD)
  want=$((WARMUP + COMMITS))
  [ $side = hooked ] && want=$((2 * want))
  [ "$n" = "$want" ] || fail "$side lane has $n benchmark commits, expected $want"
done
# 3. The reference-transaction hook is live: it refuses to move a protected branch, and main stays put.
MAIN_BEFORE=$(git -C "$WORK/hooked" rev-parse refs/heads/main)
if git -C "$WORK/hooked" update-ref refs/heads/main "$(git -C "$WORK/hooked" rev-parse develop)" 2>/dev/null; then
  fail "the reference-transaction hook let refs/heads/main move"
fi
[ "$(git -C "$WORK/hooked" rev-parse refs/heads/main)" = "$MAIN_BEFORE" ] || fail "refs/heads/main moved"
CHECKS+=("PASS reference-transaction hook refuses to move refs/heads/main in the hooked clone")

# ---------------------------------------------------------------- report
COMMIT_RATIO=$(ratio "${MED[hooked]}" "${MED[plain]}")
NOVERIFY_RATIO=$(ratio "${MED[hooked-no-verify]}" "${MED[plain]}")
FLOOR_RATIO=$(ratio "${MED[floor]}" "${MED[plain]}")
OVER_FLOOR=$(python3 -c 'import sys; print(f"{float(sys.argv[1]) - float(sys.argv[2]):.2f}")' "${MED[hooked]}" "${MED[floor]}")
UPDATE_DIFF=$(python3 -c 'import sys; print(f"{float(sys.argv[1]) - float(sys.argv[2]):.2f}")' "${MED[update-hooked]}" "${MED[update-plain]}")
echo
printf '%-34s %10s %10s %10s %10s\n' series "median ms" "min ms" "max ms" "vs plain"
row() { printf '%-34s %10s %10s %10s %10s\n' "$1" "${MED[$2]}" "${MIN[$2]}" "${MAX[$2]}" "$3"; }
row "git commit, no hooks" plain "1.00x"
row "git commit, hooks" hooked "${COMMIT_RATIO}x"
row "git commit --no-verify, hooks" hooked-no-verify "${NOVERIFY_RATIO}x"
row "git commit, 4 empty sh hooks" floor "${FLOOR_RATIO}x"
row "git update-ref, no hooks" update-plain "1.00x"
row "git update-ref, hooks" update-hooked "$(ratio "${MED[update-hooked]}" "${MED[update-plain]}")x"
echo "(wall time; commits: $COMMITS per series, update-ref: $UPDATES per series, series interleaved;"
echo " --no-verify skips pre-commit only; longest untimed wait for the background post-commit: ${SETTLE_MAX} ms)"
echo "git-kitty's hooks vs four empty ones: ${OVER_FLOOR} ms per commit (median hooked - median floor)"
echo "reference-transaction added cost per ref update: ${UPDATE_DIFF} ms (median hooked - median plain)"
if [ ${#HOOK_ROWS[@]} -gt 0 ]; then
  echo
  printf '%-34s %10s %10s %10s\n' "inside a hooked git commit (trace2)" "median ms" "min ms" "max ms"
  for hook_row in "${HOOK_ROWS[@]}"; do
    IFS='|' read -r name median min max <<<"$hook_row"
    printf '%-34s %10s %10s %10s\n' "  $name" "$median" "$min" "$max"
  done
  echo "(each hook's own wall time, from GIT_TRACE2_EVENT child_start/child_exit over $TRACED extra untimed commits)"
fi
echo
for check in "${CHECKS[@]}"; do echo "$check"; done
VERDICT=WARN
le "$COMMIT_RATIO" "$TARGET_COMMIT_RATIO" && VERDICT=PASS
echo "$VERDICT git commit with hooks: median ${MED[hooked]} ms vs ${MED[plain]} ms without, ratio $COMMIT_RATIO (target <= $TARGET_COMMIT_RATIO; four empty sh hooks: $FLOOR_RATIO)"
if le "$UPDATE_DIFF" "$TARGET_UPDATE_MS"; then
  echo "PASS reference-transaction adds ${UPDATE_DIFF} ms per ref update (${MED[update-hooked]} vs ${MED[update-plain]} ms; target <= $TARGET_UPDATE_MS ms)"
else
  echo "WARN reference-transaction adds ${UPDATE_DIFF} ms per ref update (${MED[update-hooked]} vs ${MED[update-plain]} ms; target <= $TARGET_UPDATE_MS ms)"
fi
