#!/usr/bin/env bash
# Simulate losing a compute node: kill -9 its slurmd, slurmstepds and job processes
# (everything in the node's network namespace). The namespace and veth stay, so the
# node's address refuses connections, as a crashed host's daemon would.
# Usage: kill-node.sh kn1
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
[[ $# == 1 ]] || ks_die "usage: $0 NODE   (nodes: ${KS_NODES[*]})"
n=$1
ks_check_node "$n"
ns=$(ks_netns "$n")
pids=$(ks_netns_pids "$ns" | tr '\n' ' ')
ks_kill_node_procs "$n" KILL
ks_wait_gone 5 ks_netns_pids "$ns" || ks_die "processes still alive in $ns: $(ks_netns_pids "$ns" | tr '\n' ' ')"
rm -f "$KS_DIR/run/slurmd-$n.pid"
ks_log "killed $n (pids: ${pids:-none}) at $(date +%T.%N | cut -c1-12)"
