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

# le A B: whether the number A is at most B (exit status).
le() { python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)' "$1" "$2"; }

# bench_identity DIR: the committer the benchmarks' repositories use, no signing.
bench_identity() {
  git -C "$1" config user.name "git-kitty bench"
  git -C "$1" config user.email "bench@git-kitty.invalid"
  git -C "$1" config commit.gpgsign false
}
