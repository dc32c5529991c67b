#!/usr/bin/env bash
# dirty-worktree-precedence.sh — which check answers first when a lane worktree holds uncommitted work: the same
# call sequence on a fresh clone of the lanes-fresh fixture, against spec-kitty 3.2.7 and git-kitty, one line per
# call (code and message). The table in docs/spec-kitty-differences.md was made with it.
#
# Usage: bash Tests/Conformance/dirty-worktree-precedence.sh [sk|gk]     (both when no argument)
# Env:   SK_VENV        virtualenv with spec-kitty 3.2.7 (default <repo>/.venv-spec-kitty)
#        GIT_KITTY_BIN  git-kitty binary (default <repo>/.build/debug/git-kitty)
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUNDLE="$REPO/../shared/fixtures/spec-kitty-3.2.7-lanes-fresh.bundle"
SK_VENV=${SK_VENV:-$REPO/.venv-spec-kitty}
GIT_KITTY_BIN=${GIT_KITTY_BIN:-$REPO/.build/debug/git-kitty}
export PATH="$SK_VENV/bin:$PATH" SPEC_KITTY_NO_UPGRADE_CHECK=1
S=demo-feature-01M806VT
P='{"orchestrator_id":"swift-orch","orchestrator_version":"0.1.0","agent_family":"claude","approval_mode":"full_auto","sandbox_mode":"workspace_write","network_mode":"none","dangerous_flags":[]}'
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dirty-precedence.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

sequence() {
  local host=$1 R="$WORK/$1/repo"
  git clone -q -b develop "$BUNDLE" "$R"
  cd "$R" || return 1
  git config user.name t && git config user.email t@e && git config commit.gpgsign false
  git branch -q main origin/main && git remote remove origin
  api() { if [ "$host" = sk ]; then spec-kitty orchestrator-api "$@"; else "$GIT_KITTY_BIN" orchestrator-api "$@"; fi; }
  call() {
    local name=$1 out
    shift
    out=$(api "$@" 2>/dev/null | grep '^{' | tail -1)
    python3 - "$host" "$name" "$out" <<'PY'
import json, sys
host, name, out = sys.argv[1:4]
try:
    e = json.loads(out)
    d = e.get("data") or {}
    if e.get("success"):
        msg = "no_op=%s" % d["no_op"] if "no_op" in d else ""
    else:
        msg = (d.get("message") or d.get("reason") or "")[:110] + (" %s" % d["errors"] if d.get("errors") else "")
    print("%s %-4s %-4s %-26s %s" % (host, name, "ok" if e.get("success") else "FAIL", e.get("error_code") or "", msg))
except ValueError:
    print("%s %-4s no envelope: %r" % (host, name, out[:120]))
PY
  }
  local W="$R/.worktrees/$S-lane-a"
  call S1 start-implementation --mission $S --wp WP01 --actor impl --policy "$P"
  echo "# dirty" >>"$W/README.md"
  echo scratch >"$W/notes.txt"
  call D1 start-implementation --mission $S --wp WP01 --actor impl
  call D2 start-implementation --mission $S --wp WP01 --actor intruder --policy "$P"
  call D3 start-implementation --mission $S --wp WP01 --actor impl --policy "$P"
  call D4 transition --mission $S --wp WP01 --to for_review --actor impl --policy "$P"
  call D5 transition --mission $S --wp WP01 --to done --actor impl
  call D6 append-history --mission $S --wp WP01 --actor impl --note progress
  call D7 start-review --mission $S --wp WP01 --actor rev --policy "$P"
  mkdir -p "$W/src" && echo 'echo hi' >"$W/src/core.sh"
  (cd "$W" && git add src/core.sh && git commit -qm "WP01: work")
  call D8 transition --mission $S --wp WP01 --to for_review --actor impl --policy "$P" --force --note "subtasks elsewhere"
  call E0 start-implementation --mission $S --wp WP01 --actor impl --policy "$P"
  call D9 start-review --mission $S --wp WP01 --actor rev --policy "$P"
  call D10 transition --mission $S --wp WP01 --to approved --actor rev --policy "$P" \
    --review-result-json '{"reviewer":"rev","verdict":"approved","reference":"review://WP01"}'
  call E1 start-implementation --mission $S --wp WP01 --actor impl --policy "$P"
  call E2 transition --mission $S --wp WP01 --to claimed --actor impl --policy "$P"
  call D11 accept-mission --mission $S --actor a
  call D12 start-implementation --mission $S --wp WP02 --actor impl --policy "$P"
  call D13 merge-mission --mission $S
  echo "$host lane-a's uncommitted work after all calls: $(cd "$W" 2>/dev/null && git status --porcelain | tr '\n' ' ')"
}

for host in ${1:-sk gk}; do sequence "$host"; done
