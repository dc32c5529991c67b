#!/usr/bin/env bash
# conformance.sh — git-kitty against the real spec-kitty 3.2.7 host, both directions, on fresh missions.
#
#   A: spec-kitty takes WP01 to approved; git-kitty does WP02, WP03, WP04, accept-mission and merge-mission.
#   B: git-kitty takes WP01 and WP02 to approved; spec-kitty does WP03, WP04, accept-mission and merge-mission.
#   C: git-kitty authors the mission (init, mission new, WP files, mission finalize); spec-kitty does WP01 and WP03,
#      git-kitty WP02 and WP04, spec-kitty accepts and merges.
#
#   D: `git kitty orchestrate --host spec-kitty --merge` with the script agent drives a fresh spec-kitty 3.2.7 mission
#      with subtasks from planned to merged (subtasks recorded with `spec-kitty agent tasks mark-status`).
#   E: the same against spec-kitty 4.0.0rc7 (contract 1.16.0: probed capabilities, consolidate-mission lands the
#      mission; --skip-acceptance, because 4.0's accept-mission refuses any mission claimed through orchestrator-api).
#
#   F: a coord-topology mission (spec-kitty's default: status on the coordination branch, committed in the
#      `<slug>-coord` worktree): spec-kitty takes WP01 to approved; git-kitty does WP02, WP03, WP04 and accept-mission
#      (spec-kitty 3.2.7's crashes on coord missions); spec-kitty merges.
#   G: the same topology the other way: git-kitty WP01 and WP02; spec-kitty WP03, WP04; git-kitty accepts and merges.
#
# After every host step of A-C, F and G both hosts answer `mission-state` and `list-ready` on the same repository; their `data`
# must be equal, except `work_packages[].last_actor` (spec-kitty 3.2.7 always reports null, git-kitty the actor),
# which is normalised to null on both sides. One line per step: `ok  step …` or `DIFF step …` (with both JSONs).
# Exit status: 0 when every step agreed and every final check passed, 1 otherwise.
#
# Usage: bash Tests/Conformance/conformance.sh        (or `make conformance`)
# Env:   SK_VENV         virtualenv with spec-kitty 3.2.7 (default <repo>/.venv-spec-kitty; installed when missing
#                        with ../shared/tools/spec-kitty-env.sh)
#        SK40_VENV       virtualenv with spec-kitty 4.0.0rc7 for E (default ~/.cache/git-kitty/spec-kitty-4.0.0rc7,
#                        installed from PyPI when missing; outside the repository)
#        GIT_KITTY_BIN   git-kitty binary (default <repo>/.build/debug/git-kitty)
#        CONFORMANCE_KEEP=1  keep the temporary repositories (their path is printed)
#        CONFORMANCE_ONLY="f g"  run only these directions (default: all of a b c d e f g)
set -euo pipefail

T_START=$(date +%s)
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
SHARED="$REPO/../shared"
[ -d "$SHARED/tools" ] || { echo "conformance: $SHARED/tools not found (shared/ must sit next to the repository)" >&2; exit 2; }
SHARED=$(cd "$SHARED" && pwd)
SK_VENV=${SK_VENV:-$REPO/.venv-spec-kitty}
SK40_VENV=${SK40_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/git-kitty/spec-kitty-4.0.0rc7}
GIT_KITTY_BIN=${GIT_KITTY_BIN:-$REPO/.build/debug/git-kitty}
case "$SK_VENV" in /*) ;; *) SK_VENV="$PWD/$SK_VENV" ;; esac
case "$GIT_KITTY_BIN" in /*) ;; *) GIT_KITTY_BIN="$PWD/$GIT_KITTY_BIN" ;; esac
[ -x "$GIT_KITTY_BIN" ] || { echo "conformance: git-kitty binary $GIT_KITTY_BIN not found (run make build)" >&2; exit 2; }

# --- the real host ------------------------------------------------------------------------------------------------
if [ ! -x "$SK_VENV/bin/spec-kitty" ]; then
  echo "conformance: installing spec-kitty into $SK_VENV"
  bash "$SHARED/tools/spec-kitty-env.sh" "$SK_VENV"
fi
if [ ! -x "$SK40_VENV/bin/spec-kitty" ]; then
  echo "conformance: installing spec-kitty-cli 4.0.0rc7 into $SK40_VENV"
  mkdir -p "$(dirname "$SK40_VENV")"
  python3 -m venv "$SK40_VENV"
  "$SK40_VENV/bin/pip" install -q "spec-kitty-cli==4.0.0rc7"
fi
# spec-kitty init configures git merge drivers that run `spec-kitty merge-driver-*`: every git call in these
# repositories (ours, git-kitty's libgit2 merges aside, spec-kitty's) needs the venv's bin on PATH.
export PATH="$SK_VENV/bin:$PATH"
export SPEC_KITTY_NO_UPGRADE_CHECK=1
PY="$SK_VENV/bin/python3"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/git-kitty-conformance.XXXXXX")
cleanup() {
  if [ -n "${CONFORMANCE_KEEP:-}" ]; then echo "conformance: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

POLICY='{"orchestrator_id":"conformance","orchestrator_version":"0.1.0","agent_family":"claude","approval_mode":"full_auto","sandbox_mode":"workspace_write","network_mode":"none","dangerous_flags":[]}'

# --- JSON helper (envelope checks, comparison) ----------------------------------------------------------------------
cat >"$WORK/conf.py" <<'PYEOF'
import json, os, sys

def envelope(path):
    """The envelope in a file holding the last stdout line that starts with '{' (or None)."""
    try:
        text = open(path, encoding="utf-8").read().strip()
        return json.loads(text) if text else None
    except ValueError:
        return None

def normalised(env):
    data = json.loads(json.dumps(env["data"]))
    # Coord topology (F, G): spec-kitty 3.2.7 reads meta.json from the coordination worktree, which has none, and
    # reports mission_type "" until the merge; git-kitty reports meta.json's (a documented difference).
    if os.environ.get("CONF_COORD") and "mission_type" in data:
        data["mission_type"] = ""
    for wp in data.get("work_packages", []):
        if "last_actor" in wp:
            wp["last_actor"] = None
    return data

def differences(a, b, where=""):
    if type(a) is not type(b):
        return [f"{where or '.'}: {json.dumps(a)} != {json.dumps(b)}"]
    if isinstance(a, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a or k not in b:
                out.append(f"{where}.{k}: {'missing' if k not in a else json.dumps(a[k])} != {'missing' if k not in b else json.dumps(b[k])}")
            else:
                out += differences(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{where}: {json.dumps(a)} != {json.dumps(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += differences(x, y, f"{where}[{i}]")
        return out
    return [] if a == b else [f"{where}: {json.dumps(a)} != {json.dumps(b)}"]

def main():
    cmd = sys.argv[1]
    if cmd == "ok":            # ok FILE -> exit 0 iff a success envelope
        env = envelope(sys.argv[2])
        sys.exit(0 if env is not None and env.get("success") is True else 1)
    if cmd == "get":           # get FILE a.b.c -> prints the value (strings raw)
        v = envelope(sys.argv[2])
        for k in sys.argv[3].split("."):
            v = v[k]
        print(v if isinstance(v, str) else json.dumps(v))
        return
    if cmd == "compare":       # compare LABEL sk-ms gk-ms sk-lr gk-lr
        label, files = sys.argv[2], sys.argv[3:7]
        envs = [envelope(f) for f in files]
        names = ["mission-state spec-kitty", "mission-state git-kitty", "list-ready spec-kitty", "list-ready git-kitty"]
        bad = [f"{n}: {'no JSON envelope' if e is None else 'failure ' + json.dumps(e)}"
               for n, e in zip(names, envs) if e is None or e.get("success") is not True]
        if bad:
            print(f"DIFF step {label}: unexpected envelope failure")
            for line in bad:
                print("    " + line)
            sys.exit(1)
        lines = []
        for verb, sk, gk in (("mission-state", envs[0], envs[1]), ("list-ready", envs[2], envs[3])):
            a, b = normalised(sk), normalised(gk)
            if a != b:
                lines.append(f"    {verb} spec-kitty: {json.dumps(a, sort_keys=False)}")
                lines.append(f"    {verb} git-kitty:  {json.dumps(b, sort_keys=False)}")
                lines += [f"    {verb} differs at {d}" for d in differences(a, b)]
        if lines:
            print(f"DIFF step {label}")
            print("\n".join(lines))
            sys.exit(1)
        data = envs[0]["data"]
        lanes = " ".join(f"{wp['wp_id']}={wp['lane']}" for wp in data["work_packages"])
        ready = ",".join(wp["wp_id"] for wp in envs[2]["data"]["ready_work_packages"]) or "-"
        print(f"ok  step {label}  [{lanes}; ready {ready}]")
        return
    if cmd == "all-done":      # all-done FILE -> exit 0 iff every WP is done and summary.done == #WPs
        d = envelope(sys.argv[2])["data"]
        wps = d["work_packages"]
        ok = len(wps) == 4 and all(w["lane"] == "done" for w in wps) and d["summary"]["done"] == len(wps)
        sys.exit(0 if ok else 1)
    sys.exit(f"unknown command {cmd}")

main()
PYEOF
conf() { "$PY" "$WORK/conf.py" "$@"; }

# --- hosts -----------------------------------------------------------------------------------------------------------
# host_call <sk|gk> <outfile> <verb> [args…]: runs the host in the current repository ($R), stores the last stdout line
# starting with '{' (spec-kitty's merge-mission prints git/rich lines before the envelope) in <outfile>, stderr in
# <outfile>.err. Returns the host's exit status.
host_call() {
  local host=$1 out=$2 rc=0 raw
  shift 2
  if [ "$host" = sk ]; then
    raw=$(cd "$R" && spec-kitty orchestrator-api "$@" 2>"$out.err") || rc=$?
  else
    raw=$(cd "$R" && "$GIT_KITTY_BIN" orchestrator-api "$@" 2>"$out.err") || rc=$?
  fi
  printf '%s\n' "$raw" >"$out.stdout"
  { grep '^{' "$out.stdout" || true; } | tail -n 1 >"$out"
  return $rc
}

host_name() { if [ "$1" = sk ]; then echo spec-kitty; else echo git-kitty; fi; }

# Both hosts read the mission; spec-kitty's two calls run concurrently (≈1 s of start-up each).
compare() { # compare <label>
  local label=$1 d="$WORK/cmp-$DIR_NAME"
  mkdir -p "$d"
  host_call sk "$d/sk-ms" mission-state --mission "$SLUG" &
  local p1=$!
  host_call sk "$d/sk-lr" list-ready --mission "$SLUG" &
  local p2=$!
  host_call gk "$d/gk-ms" mission-state --mission "$SLUG" || true
  host_call gk "$d/gk-lr" list-ready --mission "$SLUG" || true
  wait $p1 || true
  wait $p2 || true
  if conf compare "$DIR_NAME $label" "$d/sk-ms" "$d/gk-ms" "$d/sk-lr" "$d/gk-lr"; then
    :
  else
    DIFFS=$((DIFFS + 1))
    for f in sk-ms sk-lr; do
      [ -s "$d/$f" ] || { echo "    $f stderr:"; sed 's/^/      /' "$d/$f.err" | tail -n 20; }
    done
  fi
}

# act <host> <label> <verb> [args…]: one mutating orchestrator-api call that must succeed, then the comparison.
# An unexpected failure ends the direction (the later steps would only repeat it).
STEP=0
act() {
  local host=$1 label=$2 out t0 t1
  shift 2
  STEP=$((STEP + 1))
  out="$WORK/$DIR_NAME-$(printf %02d $STEP)"
  t0=$(date +%s.%N)
  host_call "$host" "$out" "$@" || true
  t1=$(date +%s.%N)
  if ! conf ok "$out"; then
    echo "FAIL step $DIR_NAME $(printf %02d $STEP) $label ($(host_name "$host") $1): unexpected envelope failure"
    echo "    command: $(host_name "$host") orchestrator-api $*"
    echo "    stdout: $(cat "$out.stdout")"
    echo "    stderr (last lines):"
    tail -n 15 "$out.err" | sed 's/^/      /'
    exit 1
  fi
  LAST="$out"
  compare "$(printf %02d $STEP) $label ($(host_name "$host"), $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f s", b-a}'))"
}

# mark <host> <label> <subtask>: the non-orchestrator subtask marking each host offers.
mark() {
  local host=$1 label=$2 task=$3 out rc=0
  STEP=$((STEP + 1))
  out="$WORK/$DIR_NAME-$(printf %02d $STEP)"
  if [ "$host" = sk ]; then
    (cd "$R" && spec-kitty agent tasks mark-status "$task" --status done --mission "$SLUG" --json) >"$out" 2>"$out.err" || rc=$?
    if [ $rc = 0 ] && ! grep -q '"updated": 1' "$out"; then rc=1; fi
  else
    (cd "$R" && "$GIT_KITTY_BIN" subtasks mark "$task" --status done --mission "$SLUG") >"$out" 2>"$out.err" || rc=$?
  fi
  if [ $rc != 0 ]; then
    echo "FAIL step $DIR_NAME $(printf %02d $STEP) $label: subtask marking failed (exit $rc)"
    sed 's/^/    /' "$out" "$out.err" | tail -n 20
    exit 1
  fi
  compare "$(printf %02d $STEP) $label ($(host_name "$host"))"
}

# implement_and_review <host> <WP> <subtask> <file>: start, commit <file> in the lane, mark the subtask,
# for_review, start-review, approve — all by one host.
implement_and_review() {
  local host=$1 wp=$2 task=$3 file=$4 impl rev ws
  impl="impl-$(host_name "$host")"
  rev="rev-$(host_name "$host")"
  act "$host" "$wp start-implementation" start-implementation --mission "$SLUG" --wp "$wp" --actor "$impl" --policy "$POLICY"
  ws=$(conf get "$LAST" data.workspace_path)
  mkdir -p "$ws/$(dirname "$file")"
  printf '#!/bin/sh\n# %s (%s, %s)\necho %s\n' "$file" "$wp" "$(host_name "$host")" "$wp" >"$ws/$file"
  git -C "$ws" add "$file"
  git -C "$ws" commit -qm "$wp: add $file"
  if [ -n "$task" ]; then mark "$host" "$wp mark $task done" "$task"; fi
  act "$host" "$wp -> for_review" transition --mission "$SLUG" --wp "$wp" --to for_review --actor "$impl" --policy "$POLICY"
  act "$host" "$wp start-review" start-review --mission "$SLUG" --wp "$wp" --actor "$rev" --policy "$POLICY"
  act "$host" "$wp -> approved" transition --mission "$SLUG" --wp "$wp" --to approved --actor "$rev" --policy "$POLICY" \
    --review-result-json "{\"reviewer\":\"$rev\",\"verdict\":\"approved\",\"reference\":\"review://$wp/1\"}"
}

# final_checks <A|B>: both hosts say every WP is done, develop has the four files, (A) the main checkout is clean.
final_checks() {
  local d="$WORK/final-$DIR_NAME" f missing=""
  mkdir -p "$d"
  host_call sk "$d/sk-ms" mission-state --mission "$SLUG" || true
  host_call gk "$d/gk-ms" mission-state --mission "$SLUG" || true
  for h in sk gk; do
    if conf all-done "$d/$h-ms"; then
      echo "ok  final $DIR_NAME: $(host_name $h) reports all four WPs done"
    else
      echo "FAIL final $DIR_NAME: $(host_name $h) does not report every WP done: $(cat "$d/$h-ms")"
      exit 1
    fi
  done
  for f in src/core.sh src/left.sh src/right.sh src/main.sh; do
    git -C "$R" cat-file -e "develop:$f" 2>/dev/null || missing="$missing $f"
  done
  if [ -n "$missing" ]; then
    echo "FAIL final $DIR_NAME: develop lacks$missing"
    exit 1
  fi
  echo "ok  final $DIR_NAME: develop contains src/core.sh src/left.sh src/right.sh src/main.sh"
  if [ "$DIR_NAME" = G ]; then
    if [ -e "$R/.worktrees/$SLUG-coord" ]; then
      echo "FAIL final G: git-kitty's merge-mission left the coordination worktree $SLUG-coord"; exit 1
    fi
    if [ "$(git -C "$R" show "develop:kitty-specs/$SLUG/status.events.jsonl" | grep -c '"to_lane": "done"')" != 4 ]; then
      echo "FAIL final G: develop's event log lacks the four done rows"; exit 1
    fi
    echo "ok  final G: develop's log has the four done rows; the coordination worktree and branch are gone"
  fi
  if [ "$DIR_NAME" = A ] || [ "$DIR_NAME" = G ]; then
    local dirty
    dirty=$(git -C "$R" status --porcelain)
    if [ -n "$dirty" ]; then
      echo "FAIL final $DIR_NAME: the main checkout is not clean after git-kitty's merge-mission:"
      printf '%s\n' "$dirty" | sed 's/^/    /'
      exit 1
    fi
    echo "ok  final $DIR_NAME: main checkout clean ($(git -C "$R" rev-parse --abbrev-ref HEAD))"
  fi
}

direction_a() {
  DIR_NAME=A R="$WORK/a" SLUG=$SLUG_A DIFFS=0
  cd "$R"
  echo "== direction A: spec-kitty WP01; git-kitty WP02, WP03, WP04, accept, merge ($SLUG)"
  compare "00 fresh mission"
  implement_and_review sk WP01 T001 src/core.sh
  implement_and_review gk WP02 T002 src/left.sh
  implement_and_review gk WP03 T003 src/right.sh
  implement_and_review gk WP04 T004 src/main.sh
  act gk "accept-mission" accept-mission --mission "$SLUG" --actor boss-git-kitty
  act gk "merge-mission" merge-mission --mission "$SLUG"
  final_checks
  [ "$DIFFS" = 0 ]
}

direction_b() {
  DIR_NAME=B R="$WORK/b" SLUG=$SLUG_B DIFFS=0
  cd "$R"
  echo "== direction B: git-kitty WP01, WP02; spec-kitty WP03, WP04, accept, merge ($SLUG)"
  compare "00 fresh mission"
  implement_and_review gk WP01 T001 src/core.sh
  implement_and_review gk WP02 T002 src/left.sh
  implement_and_review sk WP03 T003 src/right.sh
  implement_and_review sk WP04 T004 src/main.sh
  act sk "accept-mission" accept-mission --mission "$SLUG" --actor boss-spec-kitty
  act sk "merge-mission" merge-mission --mission "$SLUG"
  final_checks
  [ "$DIFFS" = 0 ]
}

direction_f() {
  DIR_NAME=F R="$WORK/f" SLUG=$SLUG_F DIFFS=0
  export CONF_COORD=1
  cd "$R"
  echo "== direction F (coord topology): spec-kitty WP01; git-kitty WP02, WP03, WP04, accept; spec-kitty merge ($SLUG)"
  compare "00 fresh coord mission"
  implement_and_review sk WP01 T001 src/core.sh
  implement_and_review gk WP02 T002 src/left.sh
  implement_and_review gk WP03 T003 src/right.sh
  implement_and_review gk WP04 T004 src/main.sh
  coord_committed
  act gk "accept-mission" accept-mission --mission "$SLUG" --actor boss-git-kitty
  act sk "merge-mission" merge-mission --mission "$SLUG"
  final_checks
  [ "$DIFFS" = 0 ]
}

direction_g() {
  DIR_NAME=G R="$WORK/g" SLUG=$SLUG_G DIFFS=0
  export CONF_COORD=1
  cd "$R"
  echo "== direction G (coord topology): git-kitty WP01, WP02; spec-kitty WP03, WP04; git-kitty accept, merge ($SLUG)"
  compare "00 fresh coord mission"
  implement_and_review gk WP01 T001 src/core.sh
  implement_and_review gk WP02 T002 src/left.sh
  implement_and_review sk WP03 T003 src/right.sh
  implement_and_review sk WP04 T004 src/main.sh
  coord_committed
  act gk "accept-mission" accept-mission --mission "$SLUG" --actor boss-git-kitty
  act gk "merge-mission" merge-mission --mission "$SLUG"
  final_checks
  [ "$DIFFS" = 0 ]
}

# coord_committed: in a coord-topology mission every status write of both hosts is committed on the coordination
# branch in the `<slug>-coord` worktree (clean), and the target branch's copy of the event log has no lane rows.
coord_committed() {
  local coord="$R/.worktrees/$SLUG-coord" dirty
  dirty=$(git -C "$coord" status --porcelain)
  if [ -n "$dirty" ]; then
    echo "FAIL $DIR_NAME: the coordination worktree is not clean after the status writes:"
    printf '%s\n' "$dirty" | sed 's/^/    /'
    exit 1
  fi
  if git -C "$R" show "develop:kitty-specs/$SLUG/status.events.jsonl" 2>/dev/null | grep -q '"to_lane": "approved"'; then
    echo "FAIL $DIR_NAME: develop's event log holds lane transitions: they belong on the coordination branch"
    exit 1
  fi
  echo "ok  $DIR_NAME: every transition committed on $(git -C "$coord" rev-parse --abbrev-ref HEAD) in $SLUG-coord" \
    "($(git -C "$coord" log --oneline | grep -c 'status transition') status commits); develop has none"
}

# authored_mission <dir>: a repository on develop with a 4-WP diamond mission written by git-kitty alone.
authored_mission() {
  local dir=$1 slug i deps file
  mkdir -p "$dir" && cd "$dir"
  git init -q -b main
  git config user.name "git-kitty conformance" && git config user.email conformance@git-kitty.invalid
  printf '# authored\n' >README.md && git add README.md && git commit -qm "initial commit"
  git switch -q -c develop
  "$GIT_KITTY_BIN" init >/dev/null
  git add -A && git commit -qm "chore: git kitty init"
  slug=$("$GIT_KITTY_BIN" mission new authored --target-branch develop 2>/dev/null)
  for i in 1 2 3 4; do
    case $i in 1) deps="" file=src/core.sh ;; 2) deps=WP01 file=src/left.sh ;; 3) deps=WP01 file=src/right.sh ;;
      4) deps="WP02, WP03" file=src/main.sh ;; esac
    printf -- '---\nwork_package_id: WP0%s\ntitle: Part %s\ndependencies: [%s]\nsubtasks: []\nexecution_mode: code_change\nowned_files:\n- %s\n---\n\n# WP0%s\n\nCreate %s.\n' \
      "$i" "$i" "$deps" "$file" "$i" "$file" >"kitty-specs/$slug/tasks/WP0$i-part$i.md"
  done
  git add -A && git commit -qm "docs: work packages"
  "$GIT_KITTY_BIN" mission finalize "$slug" >/dev/null
  echo "$slug"
}

direction_c() {
  DIR_NAME=C R="$WORK/c" DIFFS=0
  SLUG=$(authored_mission "$R")
  cd "$R"
  echo "== direction C: git-kitty authors the mission; spec-kitty WP01, WP03, accept, merge; git-kitty WP02, WP04 ($SLUG)"
  compare "00 authored by git-kitty (init, mission new, finalize)"
  implement_and_review sk WP01 "" src/core.sh
  implement_and_review gk WP02 "" src/left.sh
  implement_and_review sk WP03 "" src/right.sh
  implement_and_review gk WP04 "" src/main.sh
  act sk "accept-mission" accept-mission --mission "$SLUG" --actor boss-spec-kitty
  act sk "merge-mission" merge-mission --mission "$SLUG"
  final_checks
  [ "$DIFFS" = 0 ]
}

# --- D, E: git kitty orchestrate --host spec-kitty, script agent, to merged -------------------------------------------
# orchestrated <D|E> <venv> [orchestrate flags…]: a fresh spec-kitty mission (with subtasks) made by that venv's
# spec-kitty, its WP files given a `sh kitty-implement` block, then one `git kitty orchestrate --host spec-kitty
# --merge` run; the host must report every WP done and develop must hold the four files.
orchestrated() {
  local name=$1 venv=$2 dir="$WORK/$(echo "$1" | tr 'A-Z' 'a-z')" slug file wp rc=0 t0
  shift 2
  export PATH="$venv/bin:$PATH"
  echo "== direction $name: git kitty orchestrate --host spec-kitty --merge on a spec-kitty $("$venv/bin/spec-kitty" --version 2>/dev/null | sed -n 's/.*version //p' | tail -n 1) mission"
  if ! SK_VENV="$venv" bash "$SHARED/tools/make_spec_kitty_mission.sh" "$dir" lanes >"$WORK/make-$name.log" 2>&1; then
    echo "FAIL $name: make_spec_kitty_mission.sh failed:"; tail -n 20 "$WORK/make-$name.log" | sed 's/^/    /'; return 1
  fi
  slug=$(sed -n 's/^MISSION=//p' "$WORK/make-$name.log" | tail -n 1)
  cd "$dir"
  for file in kitty-specs/"$slug"/tasks/WP0*.md; do
    wp=$(basename "$file" | cut -c1-4)
    case $wp in WP01) f=core ;; WP02) f=left ;; WP03) f=right ;; *) f=main ;; esac
    printf '\n```sh kitty-implement\nmkdir -p src && printf '"'"'#!/bin/sh\\necho %s\\n'"'"' > src/%s.sh\n```\n' "$wp" "$f" >>"$file"
  done
  git add kitty-specs && git commit -qm "test: script-agent blocks"
  t0=$(date +%s)
  "$GIT_KITTY_BIN" orchestrate --mission "$slug" --host spec-kitty --impl-agent script --review-agent script \
    --sandbox none --merge "$@" >"$WORK/orchestrate-$name.log" 2>&1 || rc=$?
  if [ $rc != 0 ]; then
    echo "FAIL $name: git kitty orchestrate exited $rc after $(($(date +%s) - t0)) s:"
    tail -n 25 "$WORK/orchestrate-$name.log" | sed 's/^/    /'; return 1
  fi
  echo "ok  $name: git kitty orchestrate --host spec-kitty ended merged in $(($(date +%s) - t0)) s ($(grep -c 'ready for review' "$WORK/orchestrate-$name.log") hand-offs)"
  R=$dir
  host_call sk "$WORK/final-$name-ms" mission-state --mission "$slug" || true
  if ! conf all-done "$WORK/final-$name-ms"; then
    echo "FAIL $name: spec-kitty does not report every WP done: $(cat "$WORK/final-$name-ms")"; return 1
  fi
  echo "ok  $name: spec-kitty reports all four WPs done"
  for f in core left right main; do
    if [ "$(git -C "$dir" show "develop:src/$f.sh" 2>/dev/null | tail -n 1)" = "" ]; then
      echo "FAIL $name: develop lacks src/$f.sh"; return 1
    fi
  done
  if ! grep -q '"T00[1-4]": "done"' "kitty-specs/$slug/status.json"; then
    echo "FAIL $name: status.json records no finished subtask"; return 1
  fi
  echo "ok  $name: develop holds src/core.sh src/left.sh src/right.sh src/main.sh; subtasks recorded done"
}

# --- fresh missions (built concurrently) ------------------------------------------------------------------------------
ONLY=" ${CONFORMANCE_ONLY:-a b c d e f g} "
wants() { case "$ONLY" in *" $1 "*) return 0 ;; esac; return 1; }
echo "conformance: spec-kitty $("$SK_VENV/bin/spec-kitty" --version 2>/dev/null | tail -n 1), git-kitty $GIT_KITTY_BIN"
MISSIONS=""
for x in a b f g; do wants $x && MISSIONS="$MISSIONS $x"; done
echo "conformance: building fresh missions in $WORK (make_spec_kitty_mission.sh; a, b: topology lanes; f, g: coord):$MISSIONS"
for x in $MISSIONS; do
  case $x in f | g) topology=coord ;; *) topology=lanes ;; esac
  SK_VENV="$SK_VENV" bash "$SHARED/tools/make_spec_kitty_mission.sh" "$WORK/$x" $topology >"$WORK/make-$x.log" 2>&1 &
  eval "MAKE_PID_$x=$!"
done
for x in $MISSIONS; do
  eval "pid=\$MAKE_PID_$x"
  if ! wait "$pid"; then
    echo "conformance: make_spec_kitty_mission.sh $WORK/$x failed:" >&2
    tail -n 30 "$WORK/make-$x.log" >&2
    exit 1
  fi
  # make_spec_kitty_mission.sh creates no remote; a remote whose HEAD is develop would protect develop.
  if git -C "$WORK/$x" remote | grep -qx origin; then git -C "$WORK/$x" remote remove origin; fi
  eval "SLUG_$(echo $x | tr a-z A-Z)=$(sed -n 's/^MISSION=//p' "$WORK/make-$x.log" | tail -n 1)"
done
echo "conformance: missions ready after $(($(date +%s) - T_START)) s"

# Each direction runs in its own subshell (set -e applies; an unexpected failure ends only that direction), all at
# once (each waits on spec-kitty most of the time); their reports are printed in order.
RESULT=0
RAN=""
for d in a b c f g; do
  wants $d || continue
  (direction_$d) >"$WORK/report-$d.log" 2>&1 &
  eval "DIR_PID_$d=$!"
  RAN="$RAN $d"
done
if wants d; then
  (orchestrated D "$SK_VENV") >"$WORK/report-d.log" 2>&1 &
  DIR_PID_d=$!
  RAN="$RAN d"
fi
# 4.0 keeps global assets under $HOME (~/.kittify, ~/.agents) and refuses a call when another spec-kitty changed them
# meanwhile: E gets a home of its own.
if wants e; then
  (mkdir -p "$WORK/home-e" && HOME="$WORK/home-e" orchestrated E "$SK40_VENV" --skip-acceptance) >"$WORK/report-e.log" 2>&1 &
  DIR_PID_e=$!
  RAN="$RAN e"
fi
for d in $RAN; do
  eval "pid=\$DIR_PID_$d"
  wait "$pid" || RESULT=1
  cat "$WORK/report-$d.log"
done

echo "conformance: total $(($(date +%s) - T_START)) s"
if [ $RESULT = 0 ]; then
  echo "conformance: PASS ($(echo $RAN | tr a-z A-Z)) — spec-kitty and git-kitty agreed at every step in A, B, C (lanes) and F, G (coord); orchestrate --host spec-kitty merged 3.2.7 (D) and 4.0.0rc7 (E) missions"
else
  echo "conformance: FAIL"
fi
exit $RESULT
