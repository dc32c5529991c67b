#!/usr/bin/env bash
# bench-agents.sh <git-kitty-binary>: git-kitty's own overhead per real agent run (Claude Code, Codex) against an
# instant scripted model server. Skips (exit 0, with a line) where the agent CLIs cannot be installed.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=$1
if ! bash "$HERE/../scripts/install-agents.sh" >/dev/null 2>&1; then
  echo "SKIP agent overhead: the agent CLIs could not be installed (scripts/install-agents.sh)"
  exit 0
fi
python3 "$HERE/measure_agents.py" "$BIN" "${BENCH_AGENT_RUNS:-9}"
