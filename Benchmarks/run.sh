#!/usr/bin/env bash
# run.sh <git-kitty-binary> [name-filter]
#
# Entry point of `make bench`. Runs every Benchmarks/bench-*.sh in name order, each
# given the absolute path of the binary, and prints their output. A benchmark prints
# PASS/WARN lines for its targets and exits non-zero only when something broke; run.sh
# exits non-zero when any benchmark did.
#
# Adding a benchmark: drop an executable-or-not `bench-<name>.sh` next to this file that
# takes the binary path as its only argument (lib.sh's bench_args checks it). With a
# name-filter, only benchmarks whose file name contains it run (e.g. `run.sh .build/release/git-kitty read`).
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 <git-kitty-binary> [name-filter]" >&2
  exit 2
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=$1
FILTER=${2:-}
case $BIN in /*) ;; *) BIN="$PWD/$BIN" ;; esac
if [ ! -x "$BIN" ]; then
  echo "run.sh: $BIN is not an executable (build it first: swift build -c release)" >&2
  exit 1
fi
command -v python3 >/dev/null || { echo "run.sh: the benchmarks need python3" >&2; exit 1; }

echo "git-kitty benchmarks: $BIN ($("$BIN" --version 2>/dev/null || echo 'version unknown'))"
echo "host: $(uname -srm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs"

failed=()
ran=0
for script in "$HERE"/bench-*.sh; do
  [ -e "$script" ] || continue
  name=$(basename "$script" .sh)
  case $name in *"$FILTER"*) ;; *) continue ;; esac
  ran=$((ran + 1))
  echo
  echo "################ $name"
  start=$(date +%s)
  if bash "$script" "$BIN"; then
    echo "($name finished in $(($(date +%s) - start)) s)"
  else
    rc=$?
    echo "($name FAILED with exit status $rc after $(($(date +%s) - start)) s)"
    failed+=("$name")
  fi
done

echo
if [ "$ran" -eq 0 ]; then
  echo "run.sh: no benchmark matched '${FILTER}'" >&2
  exit 1
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "benchmarks that failed: ${failed[*]}"
  exit 1
fi
echo "all $ran benchmark(s) ran; see PASS/WARN lines above."
