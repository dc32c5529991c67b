#!/usr/bin/env bash
# Stop the test Slurm cluster started by cluster-up.sh: slurmd nodes (and any job
# processes in their namespaces), slurmctld, the private munged, the node namespaces,
# veths and the bridge. Idempotent. Keeps $KITTY_SLURM_DIR (logs, state) unless --purge.
# Usage: cluster-down.sh [--purge]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
[[ $(id -u) == 0 ]] || ks_die "must run as root"

ks_stop_all_daemons
for n in "${KS_NODES[@]}"; do
    ns=$(ks_netns "$n")
    veth=$(ks_veth "$n")
    ip link del "$veth" 2>/dev/null || true
    if [[ -e /run/netns/$ns ]]; then
        ip netns del "$ns" 2>/dev/null || ks_log "warning: could not delete netns $ns"
    fi
done
ip link del "$KS_BRIDGE" 2>/dev/null || true
if [[ ${1:-} == --purge ]]; then
    case $KS_DIR in
    /tmp/* | /var/tmp/* | */kitty-slurm*) rm -rf "$KS_DIR" ;;
    *) ks_log "not purging unusual state dir $KS_DIR" ;;
    esac
fi
ks_log "cluster down"
