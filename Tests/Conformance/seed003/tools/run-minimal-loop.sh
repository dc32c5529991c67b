#!/usr/bin/env bash
# run-minimal-loop.sh — build a fresh 1.0.3 feature and run ../minimal-loop.sh on it;
# writes the normalised output to ../transcripts/99-minimal-loop-run.txt.
# Usage: run-minimal-loop.sh [scratch-repo]  (default /tmp/seed003-loop; wiped)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
R=${1:-/tmp/seed003-loop}
SK_VENV=${SK_VENV:-$HOME/.cache/git-kitty/venv-sk103}
export PATH="$SK_VENV/bin:$PATH" SPEC_KITTY_NO_UPGRADE_CHECK=1
rm -rf "$R"; "$HERE/make_mission_v1.sh" "$R" >/dev/null 2>&1
OUT=$(mktemp); rc=0
"$HERE/../minimal-loop.sh" 001-demo-feature "$R" >"$OUT" 2>&1 || rc=$?
{
  echo "# minimal-loop.sh on a fresh spec-kitty $(spec-kitty --version 2>/dev/null | tail -1 | awk '{print $NF}') feature (4 WPs; WP01 rejected once)"
  echo "\$ KITTY=spec-kitty minimal-loop.sh 001-demo-feature <ROOT>"
  echo "exit: $rc"
  echo "--- output (stderr+stdout)"
  cat "$OUT"
  echo "--- final state: git log --graph main (subjects)"
  git -C "$R" log --graph --format=%s main
  echo "--- final state: git status --short"
  git -C "$R" status --short
  echo "--- final state: ls src/ on main"
  ls "$R/src"
  echo "--- final state: WP01-core.md (frontmatter + activity log)"
  grep -v '^$' "$R/kitty-specs/001-demo-feature/tasks/WP01-core.md" 
} | python3 -c '
import re,sys,os
s=sys.stdin.read(); root=sys.argv[1]
s=s.replace(root,"<ROOT>")
s=re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?","<TS>",s)
s=re.sub(r"(corr-|hist-)[0-9a-f]{32}",r"\1<HEX32>",s)
s=re.sub(r"\b[0-9a-f]{40}\b","<SHA>",s)
sys.stdout.write(s)' "$R" > "$HERE/../transcripts/99-minimal-loop-run.txt"
rm -f "$OUT"
echo "loop exit $rc; transcript: $HERE/../transcripts/99-minimal-loop-run.txt"
