# shellcheck shell=bash disable=SC2034  # variables are used by the scripts sourcing this
# Shared helpers for the local test Slurm cluster (sourced by the other scripts).
#
# Layout (all under $KITTY_SLURM_DIR, default /tmp/kitty-slurm):
#   etc/slurm.conf etc/cgroup.conf etc/plugstack.conf etc/task-prolog.sh
#   munge/     munge key, socket, pid, log, seed (a private munged, not the system one)
#   ctld/      slurmctld StateSaveLocation
#   run/       pid files (slurmctld.pid, slurmd-kn1.pid, ...)
#   log/       slurmctld.log, slurmd-kn1.log, ..., jobcomp.txt (finished-job records)
#   nodes/knN/spool    SlurmdSpoolDir of node knN
#   nodes/knN/scratch  per-node scratch; jobs get it as $TMPDIR and $KITTY_NODE_SCRATCH
#
# Network: bridge $KS_BRIDGE with $KS_NET.1/24 on the host (the controller address);
# node knI lives in network namespace kslurm-knI with $KS_NET.(10+I) on a veth
# plugged into the bridge, and in its own UTS namespace (hostname knI).
# Nodes have no default route: they can reach only the controller and each other.

KS_DIR=${KITTY_SLURM_DIR:-/tmp/kitty-slurm}
KS_NET=${KITTY_SLURM_NET:-10.213.7}          # first three octets of a private /24
KS_BRIDGE=${KITTY_SLURM_BRIDGE:-kslurm0}
KS_NNODES=${KITTY_SLURM_NODES:-2}
KS_CTL_IP=$KS_NET.1
KS_CONF=$KS_DIR/etc/slurm.conf
KS_NODES=()
for ((_i = 1; _i <= KS_NNODES; _i++)); do KS_NODES+=("kn$_i"); done
unset _i
export SLURM_CONF=$KS_CONF

ks_log() { printf '[kitty-slurm] %s\n' "$*" >&2; }
ks_die() { ks_log "error: $*"; exit 1; }

ks_check_node() {
    local n=$1 x
    for x in "${KS_NODES[@]}"; do [[ $x == "$n" ]] && return 0; done
    ks_die "unknown node '$n' (nodes: ${KS_NODES[*]})"
}
ks_node_index() { echo "${1#kn}"; }
ks_node_ip() { echo "$KS_NET.$((10 + $(ks_node_index "$1")))"; }
ks_netns() { echo "kslurm-$1"; }
ks_veth() { echo "ksl-$1"; }

# ks_pid_of PIDFILE COMM -> prints pid if the pid file names a live process called COMM
ks_pid_of() {
    local f=$1 comm=$2 pid
    [[ -s $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/comm && $(<"/proc/$pid/comm") == "$comm" ]] || return 1
    ks_proc_alive "$pid" || return 1
    echo "$pid"
}

# All pids whose network namespace is the node's netns (slurmd, slurmstepd, job processes).
ks_netns_pids() {
    local ns=$1 p want
    [[ -e /run/netns/$ns ]] || return 0
    want=$(stat -L -c '%d:%i' "/run/netns/$ns" 2>/dev/null) || return 0
    for p in /proc/[0-9]*; do
        [[ $(stat -L -c '%d:%i' "$p/ns/net" 2>/dev/null) == "$want" ]] &&
            ks_proc_alive "${p#/proc/}" && echo "${p#/proc/}"
    done
    return 0
}

# Wait until no process matches; $1 = seconds, rest = command printing pids
ks_wait_gone() {
    local t=$1 i
    shift
    for ((i = 0; i < t * 10; i++)); do
        [[ -z $("$@") ]] && return 0
        sleep 0.1
    done
    return 1
}

ks_slurmd_pid() { ks_pid_of "$KS_DIR/run/slurmd-$1.pid" slurmd; }

ks_start_slurmd() {
    local n=$1 ns i
    ns=$(ks_netns "$n")
    [[ -e /run/netns/$ns ]] || ks_die "network namespace $ns missing; run cluster-up.sh"
    if ks_slurmd_pid "$n" >/dev/null; then return 0; fi
    mkdir -p "$KS_DIR/nodes/$n/spool" "$KS_DIR/nodes/$n/scratch"
    chmod 1777 "$KS_DIR/nodes/$n/scratch"
    rm -f "$KS_DIR/run/slurmd-$n.pid"
    # Own network namespace (nsenter keeps the host's mounts, unlike `ip netns exec`
    # which remounts /sys) plus a fresh UTS namespace so `hostname` says knN.
    # slurmd daemonizes itself and writes SlurmdPidFile.
    nsenter --net="/run/netns/$ns" -- unshare --uts -- \
        sh -c 'hostname "$1" && exec slurmd -f "$2" -N "$1"' sh "$n" "$KS_CONF" \
        </dev/null >>"$KS_DIR/log/slurmd-$n.start.log" 2>&1 ||
        ks_die "slurmd $n failed to start (see $KS_DIR/log/slurmd-$n.log)"
    for ((i = 0; i < 100; i++)); do
        ks_slurmd_pid "$n" >/dev/null && return 0
        sleep 0.1
    done
    ks_die "slurmd $n did not write its pid file (see $KS_DIR/log/slurmd-$n.log)"
}

# Kill everything inside the node's netns. $1 node, $2 signal (TERM or KILL)
ks_kill_node_procs() {
    local n=$1 sig=${2:-TERM} ns pids pid
    ns=$(ks_netns "$n")
    pids=$(ks_netns_pids "$ns")
    if pid=$(ks_slurmd_pid "$n"); then pids+=" $pid"; fi
    # shellcheck disable=SC2086
    [[ -n ${pids// /} ]] && kill -s "$sig" $pids 2>/dev/null
    return 0
}

# ks_proc_alive PID: process exists and is not a zombie
ks_proc_alive() {
    local st
    [[ -r /proc/$1/stat ]] || return 1
    st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    st=${st##*) }
    [[ ${st%% *} != Z ]]
}
ks_alive_of() { local p; for p in "$@"; do ks_proc_alive "$p" && echo "$p"; done; return 0; }

ks_stop_slurmd() {
    local n=$1 ns pids
    ns=$(ks_netns "$n")
    pids=$(ks_netns_pids "$ns" | tr '\n' ' ')
    pids+=" $(ks_slurmd_pid "$n" || true)"
    ks_kill_node_procs "$n" TERM
    # shellcheck disable=SC2086
    if ! ks_wait_gone 10 ks_alive_of $pids; then
        ks_kill_node_procs "$n" KILL
        # shellcheck disable=SC2086
        ks_wait_gone 5 ks_alive_of $pids || ks_log "warning: processes left in $ns"
    fi
    rm -f "$KS_DIR/run/slurmd-$n.pid"
}

ks_stop_pidfile() { # pidfile comm
    local f=$1 comm=$2 pid
    pid=$(ks_pid_of "$f" "$comm") || { rm -f "$f"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    if ! ks_wait_gone 15 ks_alive_of "$pid"; then
        kill -KILL "$pid" 2>/dev/null || true
        ks_wait_gone 5 ks_alive_of "$pid" || true
    fi
    rm -f "$f"
}

ks_stop_all_daemons() {
    local n
    for n in "${KS_NODES[@]}"; do ks_stop_slurmd "$n"; done
    ks_stop_pidfile "$KS_DIR/run/slurmctld.pid" slurmctld
    ks_stop_pidfile "$KS_DIR/munge/munged.pid" munged
}

# Node state as sinfo prints it (idle, idle*, down*, mix, alloc, ...)
ks_node_state() { sinfo -h -n "$1" -N -o '%T' 2>/dev/null | head -1; }
