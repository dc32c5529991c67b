#!/usr/bin/env bash
# spec-kitty-v1-env.sh — install spec-kitty-cli 1.0.3 (last release whose
# orchestrator-api accepts the seed-003 dialect: --feature, feature-state,
# accept-feature, merge-feature AND --json) into a scratch virtualenv.
#
# Usage: spec-kitty-v1-env.sh [venv-dir]   (default: ~/.cache/git-kitty/venv-sk103)
# Then:  export PATH="<venv-dir>/bin:$PATH" SPEC_KITTY_NO_UPGRADE_CHECK=1
#
# typer/click MUST be pinned: spec-kitty-cli 1.0.3 only says "typer>=0.24.1";
# typer >= 0.25-ish vendors its own click (typer/_click) and then the CLI dies
# at import ("No module named 'click'") or formats usage errors differently.
# typer 0.24.1 + click 8.3.1 reproduces the 3.2.7-era messages
# ("No such option: --bogus").
set -euo pipefail
VENV=${1:-$HOME/.cache/git-kitty/venv-sk103}
if [ ! -x "$VENV/bin/spec-kitty" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "spec-kitty-cli==1.0.3" "typer==0.24.1" "click==8.3.1"
fi
SPEC_KITTY_NO_UPGRADE_CHECK=1 "$VENV/bin/spec-kitty" --version | tail -1
echo "venv: $VENV"
