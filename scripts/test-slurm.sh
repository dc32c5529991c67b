#!/usr/bin/env bash
# make test-slurm: git kitty orchestrate --executor slurm on a real two-node Slurm cluster on this machine
# (scripts/slurm/cluster-up.sh: slurm-wlm and munge from Debian, nodes in their own network and UTS namespaces).
# Starts the cluster when it is not running and stops it again at the end; needs root. Outside CI, a machine that
# cannot run the cluster skips with a visible line; in CI (CI=true) that is a failure.
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${GIT_KITTY_BIN:-$REPO_ROOT/.build/debug/git-kitty}
HERE=$REPO_ROOT/scripts/slurm
. "$HERE/lib.sh"

skip() {
    if [ -n "${CI:-}" ]; then echo "make test-slurm: $1" >&2; exit 1; fi
    echo "make test-slurm: SKIPPED: $1"
    exit 0
}
[ "$(id -u)" = 0 ] || skip "the test cluster needs root (network namespaces, daemons)"
started_here=0
ks_pid_of "$KS_DIR/run/slurmctld.pid" slurmctld >/dev/null || started_here=1
if ! "$HERE/cluster-up.sh" >/dev/null 2>"$REPO_ROOT/.build/slurm-up.log"; then
    tail -5 "$REPO_ROOT/.build/slurm-up.log" >&2
    skip "the Slurm test cluster could not be started (see .build/slurm-up.log)"
fi
export SLURM_CONF=$KS_CONF
python3 "$REPO_ROOT/Tests/Slurm/test_slurm.py" --bin "$BIN" "$@"
rc=$?
[ "$started_here" = 1 ] && "$HERE/cluster-down.sh" >/dev/null 2>&1
exit $rc
