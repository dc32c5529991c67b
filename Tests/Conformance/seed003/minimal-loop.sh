#!/usr/bin/env bash
# minimal-loop.sh — the "Minimal Loop Skeleton" of the seed guide
# (build-a-custom-orchestrator.txt), driven with EXACTLY the guide's command
# lines, against a seed-003 ("feature" dialect) host.
#
# Usage: minimal-loop.sh <feature-slug> <repo-dir>
# Env:   KITTY        host executable (default: spec-kitty; e.g. git-kitty)
#        CONCURRENCY  max WPs started per iteration (default 2)
#        REJECT_ONCE  space-separated WPs whose first review is rejected
#                     (exercises start-review --review-ref; default "WP01")
#        MAX_ITER     safety bound on loop iterations (default 20)
#
# Fake agent: creates the WP worktree at the returned workspace_path if it does
# not exist yet (plain git: branch = basename of workspace_path, based on the
# branch of list-ready's recommended_base when present, else "main"; this is
# what `spec-kitty implement` does in 1.0.3), writes a file and commits it.
# Fake reviewer: approves, except the first review of each WP in REJECT_ONCE.
#
# Note on the skeleton: as written in the guide it never re-picks a WP that a
# review sent back (start-review puts it in in_progress, list-ready only lists
# planned WPs), so it would spin forever. Like any real orchestrator, this
# script also resumes "rework" WPs: lane in_progress in feature-state and
# last_actor == our actor (start-implementation is an idempotent no_op then).
set -euo pipefail
FEATURE=${1:?usage: minimal-loop.sh <feature-slug> <repo-dir>}
REPO=${2:?usage: minimal-loop.sh <feature-slug> <repo-dir>}
KITTY=${KITTY:-spec-kitty}
CONCURRENCY=${CONCURRENCY:-2}
REJECT_ONCE=${REJECT_ONCE:-WP01}
MAX_ITER=${MAX_ITER:-20}
ACTOR=my-orchestrator
POLICY='{"orchestrator_id":"my-orchestrator","orchestrator_version":"0.1.0","agent_family":"claude","approval_mode":"supervised","sandbox_mode":"workspace_write","network_mode":"none","dangerous_flags":[]}'
cd "$REPO"

# call <cmd...>: run, echo the command and the envelope, fail loudly on success:false
LAST=""
call() {
  echo "\$ ${KITTY} orchestrator-api $*" >&2
  local rc=0; LAST=$("$KITTY" orchestrator-api "$@") || rc=$?
  echo "$LAST" >&2
  echo "  -> exit $rc" >&2
  if [ $rc -ne 0 ]; then echo "FAILED: $*" >&2; exit 1; fi
}
j() { python3 -c 'import json,sys
d=json.loads(sys.stdin.read().strip().splitlines()[-1])
exec(sys.argv[1])' "$1" <<<"$LAST"; }

# 1. Check compatibility
call contract-version --json
[ "$(j 'print(d["data"]["api_version"])')" = "1.0.0" ] || { echo "unexpected api_version" >&2; exit 1; }

declare -A REVIEWS=()
iter=0
while true; do
  iter=$((iter+1)); [ $iter -le "$MAX_ITER" ] || { echo "MAX_ITER reached" >&2; exit 1; }
  echo "=== iteration $iter" >&2
  # 2. Discover work
  call feature-state --feature "$FEATURE" --json
  ALL_TERMINAL=$(j 'print("yes" if all(w["lane"] in ("done","canceled") for w in d["data"]["work_packages"]) else "no")')
  REWORK=$(j 'print(" ".join(w["wp_id"] for w in d["data"]["work_packages"] if w["lane"]=="in_progress" and w["last_actor"]=="'"$ACTOR"'"))')
  call list-ready --feature "$FEATURE" --json
  READY=$(j 'print(" ".join(w["wp_id"]+":"+(w["recommended_base"] or "") for w in d["data"]["ready_work_packages"]))')
  if [ -z "$READY" ] && [ -z "$REWORK" ]; then
    [ "$ALL_TERMINAL" = yes ] && break
    echo "stalled: nothing ready, nothing to rework, not all terminal" >&2; exit 1
  fi
  n=0
  for item in $READY $(for w in $REWORK; do echo "$w:"; done); do
    [ $n -lt "$CONCURRENCY" ] || break; n=$((n+1))
    WP=${item%%:*}; BASE=${item#*:}
    # 3. Start implementation
    call start-implementation \
      --feature "$FEATURE" \
      --wp "$WP" \
      --actor my-orchestrator \
      --policy "$POLICY" \
      --json
    WS=$(j 'print(d["data"]["workspace_path"])')
    # --- fake implementation agent -----------------------------------------------
    if [ ! -d "$WS" ]; then
      base_ref=main; [ -n "$BASE" ] && git rev-parse -q --verify "$FEATURE-$BASE" >/dev/null && base_ref="$FEATURE-$BASE"
      git worktree add -q -b "$(basename "$WS")" "$WS" "$base_ref"
    fi
    mkdir -p "$WS/src"; echo "echo $WP attempt $(( ${REVIEWS[$WP]:-0} + 1 ))" > "$WS/src/$WP.sh"
    git -C "$WS" add -A; git -C "$WS" commit -qm "feat($WP): fake agent work"
    echo "[agent] committed in $WS" >&2
    # 4. Drive transitions — implementation complete
    call transition \
      --feature "$FEATURE" --wp "$WP" --to for_review \
      --actor my-orchestrator --policy "$POLICY" --json
    # --- fake reviewer -------------------------------------------------------------
    REVIEWS[$WP]=$(( ${REVIEWS[$WP]:-0} + 1 ))
    if [[ " $REJECT_ONCE " == *" $WP "* ]] && [ "${REVIEWS[$WP]}" -eq 1 ]; then
      echo "[reviewer] $WP: changes requested" >&2
      # review rejected -> rework
      call start-review \
        --feature "$FEATURE" --wp "$WP" --actor my-orchestrator \
        --policy "$POLICY" --review-ref "review/$WP/attempt-$(( ${REVIEWS[$WP]} + 1 ))" --json
    else
      echo "[reviewer] $WP: approved" >&2
      # review approved
      call transition \
        --feature "$FEATURE" --wp "$WP" --to done \
        --actor reviewer-bot --json
    fi
  done
done
# 5. Finalize
call accept-feature --feature "$FEATURE" --actor my-orchestrator --json
call merge-feature --feature "$FEATURE" --target main --strategy merge --json
echo "MISSION COMPLETE: $FEATURE merged into main" >&2
