#!/usr/bin/env bash
# make test-ui: the dashboard in headless Chromium (Debian's chromium and chromium-driver), driven by Selenium
# from PyPI in a virtualenv outside the repository ($UI_VENV). Installs what is missing, then runs
# Tests/UI/test_dashboard.py against the built binary. Screenshots go to $UI_ARTIFACTS.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${GIT_KITTY_BIN:-$REPO_ROOT/.build/debug/git-kitty}
UI_VENV=${UI_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/git-kitty/ui-venv}
SELENIUM_VERSION=${SELENIUM_VERSION:-4.51.0}
export UI_ARTIFACTS=${UI_ARTIFACTS:-$REPO_ROOT/.build/ui-artifacts}
[ -x "$BIN" ] || { echo "test-ui: $BIN is missing; run make build first" >&2; exit 1; }

SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "test-ui: installing chromium and chromium-driver" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver fonts-dejavu-core >/dev/null
fi
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
fi
if ! "$UI_VENV/bin/python" -c "import selenium, sys; sys.exit(selenium.__version__ != '$SELENIUM_VERSION')" 2>/dev/null; then
  echo "test-ui: installing selenium $SELENIUM_VERSION into $UI_VENV" >&2
  python3 -m venv "$UI_VENV"
  "$UI_VENV/bin/pip" install -q "selenium==$SELENIUM_VERSION"
fi
"$UI_VENV/bin/python" "$REPO_ROOT/Tests/UI/test_dashboard.py" --bin "$BIN"
echo "test-ui: screenshots in $UI_ARTIFACTS" >&2
