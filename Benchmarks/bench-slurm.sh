#!/usr/bin/env bash
# bench-slurm.sh <git-kitty-binary>
#
# Cluster dispatch (issue 16), when a Slurm cluster answers (scripts/slurm/cluster-up.sh; SLURM_CONF set):
#  - dispatch overhead per job: submit -> agent start, and agent end -> the WP's transition, medians over the
#    implementation jobs of a mission of independent WPs (target <= 2 s each);
#  - a 16-WP fan-out mission with 10-second script agents: wall time against the ideal, agent time x waves, where
#    a wave is as many jobs as the cluster has CPUs (target <= 1.3x).
# A missed target only WARNs; without a cluster the benchmark SKIPs.
#
# Environment (all optional): WPS=16 AGENT_SECONDS=10 DISPATCH_WPS=8
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_args "$@"

if [ -z "${SLURM_CONF:-}" ] && [ -f /tmp/kitty-slurm/etc/slurm.conf ]; then export SLURM_CONF=/tmp/kitty-slurm/etc/slurm.conf; fi
if ! command -v scontrol >/dev/null || ! scontrol ping 2>/dev/null | grep -q "is UP"; then
  echo "SKIP  no Slurm cluster answers here (start one: sudo scripts/slurm/cluster-up.sh)"
  exit 0
fi
python3 "$(dirname "${BASH_SOURCE[0]}")/measure_slurm.py" "$BIN"
