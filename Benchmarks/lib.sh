# Sourced by every Benchmarks/bench-*.sh right after `set -euo pipefail`:
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh" && bench_args "$@"
# checks the one argument (the git-kitty binary) and sets HERE (Benchmarks/), ROOT (the repository) and BIN
# (the binary, absolute).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

bench_args() {
  local name
  name=$(basename "$0" .sh)
  if [ $# -ne 1 ]; then
    echo "usage: $0 <git-kitty-binary>" >&2
    exit 2
  fi
  BIN=$1
  case $BIN in /*) ;; *) BIN="$PWD/$BIN" ;; esac
  if [ ! -x "$BIN" ]; then
    echo "$name: $BIN is not an executable (build it with: swift build -c release)" >&2
    exit 1
  fi
}
