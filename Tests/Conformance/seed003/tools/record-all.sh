#!/usr/bin/env bash
# record-all.sh — regenerate ../transcripts/*.txt against real spec-kitty 1.0.3.
# Usage: record-all.sh [scratch-dir]   (default /tmp/seed003-rec; it is wiped)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
T=$HERE/../transcripts
S=${1:-/tmp/seed003-rec}
SK_VENV=${SK_VENV:-$HOME/.cache/git-kitty/venv-sk103}
export PATH="$SK_VENV/bin:$PATH" SPEC_KITTY_NO_UPGRADE_CHECK=1
rm -rf "$S"; mkdir -p "$S"
F=001-demo-feature
POLICY='{"orchestrator_id":"my-orchestrator","orchestrator_version":"0.1.0","agent_family":"claude","approval_mode":"supervised","sandbox_mode":"workspace_write","network_mode":"none","dangerous_flags":[]}'
OA="spec-kitty orchestrator-api"

"$HERE/make_mission_v1.sh" "$S/fresh" >/dev/null 2>&1 || { echo "make_mission failed" >&2; exit 1; }
cp -a "$S/fresh" "$S/r"
export REPO=$S/r
cd "$REPO"
r() { "$HERE/rec.py" "$T/$1.txt" "$2" "${@:3}" >/dev/null; echo "recorded $1"; }
fork() { rm -rf "$S/$1"; cp -a "$REPO" "$S/$1"; }   # snapshot for side experiments
# worktree helper = what the fake agent does (plain git, see minimal-loop.sh)
agent_commit() { # wp base file
  local wt="$REPO/.worktrees/$F-$1"
  [ -d "$wt" ] || git -C "$REPO" worktree add -q -b "$F-$1" "$wt" "$2"
  mkdir -p "$(dirname "$wt/$3")"; echo "echo $1" > "$wt/$3"; git -C "$wt" add -A; git -C "$wt" commit -qm "feat($1): $3"
}

# ---- contract / envelope / CLI-level -------------------------------------------------
r 01-contract-version-json        "contract-version with --json (guide step 1)" -- $OA contract-version --json
r 02-contract-version-nojson-flag "contract-version without --json: identical JSON (flag is a no-op, default on)" -- $OA contract-version
r 03-contract-version-no-json     "--no-json is accepted and ignored: still JSON" -- $OA contract-version --no-json
r 04-contract-version-provider-old "provider below minimum" -- $OA contract-version --provider-version 0.0.1 --json
r 05-contract-version-provider-bad "provider not a version" -- $OA contract-version --provider-version banana --json
r 06-usage-missing-option         "missing --feature: click usage error on STDERR, exit 2, no envelope" -- $OA feature-state --json
r 07-usage-unknown-verb           "mission-state does not exist in 1.0.3" -- $OA mission-state --mission $F
r 08-usage-mission-flag           "--mission is not an option in 1.0.3" -- $OA feature-state --mission $F --json
r 09-usage-no-verb                "orchestrator-api with no verb (no_args_is_help)" -- $OA
r 10-usage-json-before-verb       "--json before the verb is a group-level error" -- $OA --json contract-version

# ---- read verbs on a fresh feature -----------------------------------------------------
r 11-feature-state-fresh          "feature-state (guide step 2) on a fresh 4-WP feature" --pretty -- $OA feature-state --feature $F --json
r 12-list-ready-fresh             "list-ready (guide step 2): only WP01 (deps must be lane done)" --pretty -- $OA list-ready --feature $F --json
r 13-feature-state-unknown        "unknown feature" -- $OA feature-state --feature 999-nope --json
r 14-list-ready-unknown           "unknown feature" -- $OA list-ready --feature 999-nope --json
r 15-feature-state-bare-slug      "bare slug without NNN- prefix is NOT resolved (exact dir name only)" -- $OA feature-state --feature demo-feature --json

# ---- policy ---------------------------------------------------------------------------
r 16-start-impl-no-policy         "start-implementation without --policy" -- $OA start-implementation --feature $F --wp WP01 --actor my-orchestrator --json
r 17-policy-not-json              "policy not JSON" -- $OA start-implementation --feature $F --wp WP01 --actor my-orchestrator --policy 'nope' --json
r 18-policy-not-object            "policy JSON array" -- $OA start-implementation --feature $F --wp WP01 --actor my-orchestrator --policy '[]' --json
r 19-policy-missing-field         "policy missing dangerous_flags" -- $OA start-implementation --feature $F --wp WP01 --actor my-orchestrator --policy '{"orchestrator_id":"o","orchestrator_version":"0.1.0","agent_family":"claude","approval_mode":"supervised","sandbox_mode":"workspace_write","network_mode":"none"}' --json
r 20-policy-flags-not-array       "dangerous_flags not an array" -- $OA start-implementation --feature $F --wp WP01 --actor my-orchestrator --policy '{"orchestrator_id":"o","orchestrator_version":"0.1.0","agent_family":"claude","approval_mode":"supervised","sandbox_mode":"workspace_write","network_mode":"none","dangerous_flags":"--yolo"}' --json
r 21-policy-secret                "secret-looking value (substring match: monkey)" -- $OA start-implementation --feature $F --wp WP01 --actor my-orchestrator --policy '{"orchestrator_id":"monkey","orchestrator_version":"0.1.0","agent_family":"claude","approval_mode":"supervised","sandbox_mode":"workspace_write","network_mode":"none","dangerous_flags":[]}' --json
r 22-policy-policy-before-feature "policy is validated BEFORE the feature is resolved" -- $OA start-implementation --feature 999-nope --wp WP01 --actor my-orchestrator --policy 'nope' --json
r 23-start-impl-unknown-feature   "unknown feature (valid policy)" -- $OA start-implementation --feature 999-nope --wp WP01 --actor my-orchestrator --policy "$POLICY" --json
r 24-start-impl-unknown-wp        "unknown WP" -- $OA start-implementation --feature $F --wp WP99 --actor my-orchestrator --policy "$POLICY" --json
r 25-start-impl-lowercase-wp      "wp ids are case-sensitive" -- $OA start-implementation --feature $F --wp wp01 --actor my-orchestrator --policy "$POLICY" --json

# side experiment: banned flag is NOT checked in 1.0.3, and no dependency gate
fork side1
( export REPO=$S/side1; cd "$REPO"
  r 26-policy-banned-flag-accepted "--yolo in dangerous_flags is ACCEPTED by 1.0.3 (no banned-flag check)" --disk -- $OA start-implementation --feature $F --wp WP01 --actor my-orchestrator --policy '{"orchestrator_id":"o","orchestrator_version":"0.1.0","agent_family":"claude","approval_mode":"supervised","sandbox_mode":"workspace_write","network_mode":"none","dangerous_flags":["--yolo"]}' --json
  r 27-start-impl-deps-not-done   "start-implementation WP04 whose deps are planned: NO dependency gate, succeeds" --disk -- $OA start-implementation --feature $F --wp WP04 --actor my-orchestrator --policy "$POLICY" --json
)

# ---- start-implementation --------------------------------------------------------------
r 30-start-impl-WP01              "start-implementation (guide step 3): planned -> in_progress (frontmatter lane: doing)" --disk --pretty -- $OA start-implementation --feature $F --wp WP01 --actor my-orchestrator --policy "$POLICY" --json
r 31-start-impl-WP01-again        "same actor again: idempotent no_op, nothing written" --disk -- $OA start-implementation --feature $F --wp WP01 --actor my-orchestrator --policy "$POLICY" --json
r 32-start-impl-WP01-claimed      "different actor: WP_ALREADY_CLAIMED" -- $OA start-implementation --feature $F --wp WP01 --actor intruder --policy "$POLICY" --json
r 33-feature-state-in-progress    "feature-state after start: API lane in_progress (file says doing), last_actor" -- $OA feature-state --feature $F --json
r 34-list-ready-after-start       "list-ready after start: empty" -- $OA list-ready --feature $F --json

# ---- transition edge cases while in_progress -----------------------------------------
r 35-transition-done-from-in-progress "--to done straight from in_progress: rejected" -- $OA transition --feature $F --wp WP01 --to done --actor reviewer-bot --json
r 36-transition-in-progress-noop  "--to in_progress while in_progress: success, from==to, NOTHING written" --disk -- $OA transition --feature $F --wp WP01 --to in_progress --actor my-orchestrator --policy "$POLICY" --json
r 37-transition-doing-alias       "--to doing: reported as to_lane in_progress (alias), no-op here" -- $OA transition --feature $F --wp WP01 --to doing --actor my-orchestrator --policy "$POLICY" --json
r 38-transition-claimed-alias     "--to claimed maps to in_progress too" -- $OA transition --feature $F --wp WP01 --to claimed --actor my-orchestrator --policy "$POLICY" --json
r 39-transition-unknown-lane      "--to flying: TRANSITION_REJECTED (enveloped, not a traceback)" -- $OA transition --feature $F --wp WP01 --to flying --actor my-orchestrator --json
r 40-transition-approved-unsupported "--to approved: not a lane in 1.0.3" -- $OA transition --feature $F --wp WP01 --to approved --actor reviewer-bot --json
r 41-transition-for-review-no-policy "--to for_review requires --policy" -- $OA transition --feature $F --wp WP01 --to for_review --actor my-orchestrator --json
r 42-transition-for-review-bad-policy "--to for_review with invalid policy" -- $OA transition --feature $F --wp WP01 --to for_review --actor my-orchestrator --policy '{}' --json
r 43-transition-unknown-wp        "unknown WP" -- $OA transition --feature $F --wp WP99 --to for_review --actor my-orchestrator --policy "$POLICY" --json
r 44-transition-unknown-feature   "unknown feature" -- $OA transition --feature 999-nope --wp WP01 --to for_review --actor my-orchestrator --policy "$POLICY" --json
r 45-transition-in-progress-to-planned "in_progress -> planned is not allowed without --force" -- $OA transition --feature $F --wp WP01 --to planned --actor my-orchestrator --note "give up" --json
r 46-start-review-not-for-review  "start-review while in_progress: rejected" -- $OA start-review --feature $F --wp WP01 --actor my-orchestrator --policy "$POLICY" --review-ref review/WP01/attempt-1 --json

# ---- agent works; for_review ----------------------------------------------------------
agent_commit WP01 main src/core.sh
r 47-transition-for-review        "implementation complete (guide step 4): in_progress -> for_review (no commit gate, no subtask gate)" --disk -- $OA transition --feature $F --wp WP01 --to for_review --actor my-orchestrator --policy "$POLICY" --json
r 48-start-impl-on-for-review     "start-implementation on a for_review WP" -- $OA start-implementation --feature $F --wp WP01 --actor my-orchestrator --policy "$POLICY" --json
r 49-start-review-no-review-ref   "start-review without --review-ref: TRANSITION_REJECTED (checked before policy validity)" -- $OA start-review --feature $F --wp WP01 --actor my-orchestrator --policy "$POLICY" --json
r 50-start-review-no-policy       "start-review without --policy" -- $OA start-review --feature $F --wp WP01 --actor my-orchestrator --review-ref review/WP01/attempt-2 --json
r 51-transition-back-no-review-ref "for_review -> in_progress without --review-ref" -- $OA transition --feature $F --wp WP01 --to in_progress --actor reviewer-bot --policy "$POLICY" --json
r 52-start-review-reject          "review rejected -> rework (guide step 4): for_review -> in_progress, review_ref stored in frontmatter" --disk -- $OA start-review --feature $F --wp WP01 --actor my-orchestrator --policy "$POLICY" --review-ref review/WP01/attempt-2 --json
r 53-start-impl-after-reject-same "implementer (same actor as start-review) re-starts: no_op" -- $OA start-implementation --feature $F --wp WP01 --actor my-orchestrator --policy "$POLICY" --json
r 54-start-impl-after-reject-other "another actor after reject: WP_ALREADY_CLAIMED (holder = start-review actor)" -- $OA start-implementation --feature $F --wp WP01 --actor impl-2 --policy "$POLICY" --json
agent_commit WP01 main src/core2.sh
r 55-transition-for-review-2      "back to for_review after rework" --disk -- $OA transition --feature $F --wp WP01 --to for_review --actor my-orchestrator --policy "$POLICY" --json
r 56-transition-done              "review approved (guide step 4): for_review -> done WITHOUT policy/evidence; reviewed_by/review_status written" --disk -- $OA transition --feature $F --wp WP01 --to done --actor reviewer-bot --json
r 57-transition-done-again        "done -> done: from==to success, nothing written" --disk -- $OA transition --feature $F --wp WP01 --to done --actor reviewer-bot --json
r 58-transition-done-to-in-progress "done -> in_progress: rejected" -- $OA transition --feature $F --wp WP01 --to in_progress --actor my-orchestrator --policy "$POLICY" --review-ref r --json
r 59-list-ready-after-WP01-done   "WP02, WP03 ready now, with recommended_base" -- $OA list-ready --feature $F --json

# ---- append-history, other lanes, force ------------------------------------------------
r 60-append-history               "append-history: activity-log line in the WP body, committed" --disk -- $OA append-history --feature $F --wp WP02 --actor my-orchestrator --note "queued by orchestrator" --json
r 61-append-history-unknown-wp    "append-history unknown WP" -- $OA append-history --feature $F --wp WP99 --actor my-orchestrator --note x --json
fork side2
( export REPO=$S/side2; cd "$REPO"
  r 62-transition-blocked-from-planned "planned -> blocked: allowed from ANY lane (no policy)" --disk -- $OA transition --feature $F --wp WP02 --to blocked --actor my-orchestrator --json
  r 63-feature-state-blocked-summary "feature-state with a blocked WP: summary grows a 'blocked' key" -- $OA feature-state --feature $F --json
  r 64-transition-blocked-to-in-progress "blocked -> in_progress: NOT allowed (only via --force)" -- $OA transition --feature $F --wp WP02 --to in_progress --actor my-orchestrator --policy "$POLICY" --json
  r 65-transition-canceled-from-done "done -> canceled: allowed (terminal targets bypass the table)" --disk -- $OA transition --feature $F --wp WP01 --to canceled --actor my-orchestrator --json
  r 66-transition-force-no-note    "planned -> done with --force and no --note: allowed in 1.0.3" --disk -- $OA transition --feature $F --wp WP03 --to done --actor my-orchestrator --force --json
  r 68-transition-planned-to-in-progress "plain transition planned -> in_progress (API lane) is allowed; file gets lane: doing" --disk -- $OA transition --feature $F --wp WP04 --to in_progress --actor my-orchestrator --policy "$POLICY" --json
  r 69-transition-for-review-to-planned "for_review -> planned needs --review-ref (WP04 first moved to for_review)" -- sh -c "$OA transition --feature $F --wp WP04 --to for_review --actor a --policy '$POLICY' --json >/dev/null; $OA transition --feature $F --wp WP04 --to planned --actor a --json"
  r 67-start-review-from-done      "start-review on a done WP" -- $OA start-review --feature $F --wp WP03 --actor my-orchestrator --policy "$POLICY" --review-ref x --json
)

# ---- accept / merge -------------------------------------------------------------------
r 70-accept-not-ready             "accept-feature before all WPs are done" -- $OA accept-feature --feature $F --actor my-orchestrator --json
r 71-accept-unknown-feature       "accept-feature unknown feature" -- $OA accept-feature --feature 999-nope --actor my-orchestrator --json
r 72-merge-bad-strategy           "merge-feature --strategy rebase: unsupported in 1.0.3 (merge|squash only)" -- $OA merge-feature --feature $F --target main --strategy rebase --json
r 73-merge-preflight-missing-worktrees "merge-feature while WP02-04 have no worktree: PREFLIGHT_FAILED" -- $OA merge-feature --feature $F --target main --strategy merge --json
r 74-merge-unknown-feature        "merge-feature unknown feature" -- $OA merge-feature --feature 999-nope --target main --strategy merge --json

# finish WP02..WP04 quickly (same calls as the loop)
for wp in WP02:src/left.sh WP03:src/right.sh WP04:src/main.sh; do
  id=${wp%%:*}; file=${wp#*:}
  $OA start-implementation --feature $F --wp $id --actor my-orchestrator --policy "$POLICY" --json >/dev/null
  base=main; [ $id = WP02 ] || [ $id = WP03 ] && base=$F-WP01; [ $id = WP04 ] && base=$F-WP03
  agent_commit $id $base $file
  $OA transition --feature $F --wp $id --to for_review --actor my-orchestrator --policy "$POLICY" --json >/dev/null
  $OA transition --feature $F --wp $id --to done --actor reviewer-bot --json >/dev/null
done
r 75-feature-state-all-done       "feature-state with all WPs done" -- $OA feature-state --feature $F --json
r 76-list-ready-all-done          "list-ready with all done: empty list" -- $OA list-ready --feature $F --json
fork side3
( export REPO=$S/side3; cd "$REPO"
  echo dirty > "$REPO/.worktrees/$F-WP02/dirty.txt"
  r 77-merge-preflight-dirty-worktree "merge-feature with an uncommitted file in a WP worktree" -- $OA merge-feature --feature $F --target main --strategy merge --json
  rm "$REPO/.worktrees/$F-WP02/dirty.txt"
  r 78-merge-squash               "merge-feature --strategy squash: git merge --squash per WP, NEVER committed" --disk -- $OA merge-feature --feature $F --target main --strategy squash --json
)
r 79-accept-feature               "accept-feature (guide step 5): writes meta.json accepted_at/accepted_by, NOT committed" --disk -- $OA accept-feature --feature $F --actor my-orchestrator --json
r 80-accept-feature-again         "accept-feature again: repeatable, overwrites accepted_at" -- $OA accept-feature --feature $F --actor my-orchestrator --json
r 81-merge-feature                "merge-feature (guide step 5): --no-ff merge of each WP branch in dependency order; worktrees/branches kept" --disk -- $OA merge-feature --feature $F --target main --strategy merge --json
r 82-merge-feature-again          "merge-feature twice: succeeds again (merges are no-ops 'Already up to date')" --disk -- $OA merge-feature --feature $F --target main --strategy merge --json
r 83-merge-default-target         "merge-feature without --target (auto-detected from meta.json target_branch)" -- $OA merge-feature --feature $F --json
( cd "$REPO"; { echo "# after merge-feature: branches / worktrees / log"; echo '$ git branch --list; git worktree list; git log --oneline --graph main'; git branch --list; git worktree list | sed "s#$REPO#<ROOT>#; s/ [0-9a-f]\{7,\} / <SHA> /"; git log --format='%s' --graph main; } > "$T/84-after-merge-git-state.txt" ); echo recorded 84

( cd "$REPO"; CWD=$REPO/.worktrees/$F-WP02 r 86-cwd-inside-worktree "feature-state with cwd = a WP worktree: the MAIN checkout's kitty-specs is read (worktree copy is stale)" -- $OA feature-state --feature $F --json )
# ---- spec-kitty's own worktree creator (non-API) -------------------------------------
rm -rf "$S/impl"; cp -a "$S/fresh" "$S/impl"
( export REPO=$S/impl; cd "$REPO"
  $OA start-implementation --feature $F --wp WP01 --actor my-orchestrator --policy "$POLICY" --json >/dev/null
  r 85-implement-creates-worktree "non-API 'spec-kitty implement' creates .worktrees/<feature>-<WP> on branch <feature>-<WP> (lane already doing: untouched)" --disk -- spec-kitty implement WP01 --feature $F --json
)
# ---- newer versions reject --json (3.0.3 venv, if present) ---------------------------
V3=${V3_VENV:-$HOME/.cache/git-kitty/venv-sk303}
if [ -x "$V3/bin/spec-kitty" ]; then
  rm -rf "$S/v3"; cp -a "$S/fresh" "$S/v3"
  ( export REPO=$S/v3; cd "$REPO"
    r 90-v3.0.3-json-rejected "spec-kitty 3.0.3 (and 2.1.x): same verbs/--feature but NO --json option -> USAGE_ERROR envelope, exit 2" -- "$V3/bin/spec-kitty" orchestrator-api feature-state --feature $F --json
    r 91-v3.0.3-feature-state-without-json "spec-kitty 3.0.3 feature-state (no --json): 8-lane summary from status.events.jsonl (absent here => all planned)" -- "$V3/bin/spec-kitty" orchestrator-api feature-state --feature $F
    r 92-v3.0.3-done-needs-evidence "spec-kitty 3.0.3: the guide's 'transition --to done' from for_review is REJECTED (needs evidence the API cannot pass)" -- sh -c "P='$POLICY'; S=$V3/bin/spec-kitty; \$S orchestrator-api start-implementation --feature $F --wp WP01 --actor a --policy \"\$P\" >/dev/null; \$S orchestrator-api transition --feature $F --wp WP01 --to for_review --actor a --policy \"\$P\" --force --note x >/dev/null; \$S orchestrator-api transition --feature $F --wp WP01 --to done --actor reviewer-bot"
  )
fi
