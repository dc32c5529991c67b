#!/usr/bin/env bash
# Bring a node killed by kill-node.sh back: start its slurmd again and, unless --no-wait,
# wait until slurmctld shows it usable (ReturnToService=2 returns a DOWN node on its own).
# Usage: revive-node.sh kn1 [--no-wait]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
[[ $# -ge 1 ]] || ks_die "usage: $0 NODE [--no-wait]   (nodes: ${KS_NODES[*]})"
n=$1
ks_check_node "$n"
ks_start_slurmd "$n"
[[ ${2:-} == --no-wait ]] && exit 0
deadline=$((SECONDS + 60))
while :; do
    st=$(ks_node_state "$n")
    case $st in
    idle | mixed | allocated | completing) break ;;
    down | drained) scontrol update nodename="$n" state=resume 2>/dev/null || true ;;
    esac
    ((SECONDS < deadline)) || ks_die "$n still '$st' after 60 s"
    sleep 0.2
done
ks_log "$n is back ($st)"
