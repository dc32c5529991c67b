#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2034  # single-quoted snippets are eval'd (or run by jobs) on purpose
# End-to-end check of the local test Slurm cluster (see README.md in this folder).
# Brings the cluster up if needed; tears it down at the end only if it started it
# (or always with --down; never with --keep). Takes about 1.5 minutes, most of it
# waiting for slurmctld to notice a killed node and for a requeued job to restart.
# Last line: "smoke: N passed, M failed".
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

mode=auto
for a in "$@"; do
    case $a in
    --down) mode=down ;;
    --keep) mode=keep ;;
    *) ks_die "usage: $0 [--down|--keep]" ;;
    esac
done

started_here=0
ks_pid_of "$KS_DIR/run/slurmctld.pid" slurmctld >/dev/null || started_here=1
"$HERE/cluster-up.sh" >/dev/null || ks_die "cluster-up.sh failed"
export SLURM_CONF=$KS_CONF

pass=0 fail=0
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$*"; }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }
check() { # check DESCRIPTION COMMAND...
    local d=$1
    shift
    if "$@"; then ok "$d"; else bad "$d"; fi
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
job_field() { scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
job_state() { job_field "$1" JobState; }
# wait_for SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds
wait_for() {
    local t=$1 i
    shift
    for ((i = 0; i < t * 10; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}
state_is() { [[ $(job_state "$1") == "$2" ]]; }
state_in() { local s; s=$(job_state "$1"); shift; local x; for x in "$@"; do [[ $s == "$x" ]] && return 0; done; return 1; }

W=$(mktemp -d /tmp/kitty-slurm-smoke.XXXXXX)
chmod 755 "$W"
finish() {
    local rc=$?
    scancel --name=kitty-smoke-kill,kitty-smoke-nodefail,kitty-smoke-requeue,kitty-smoke-cancel 2>/dev/null || true
    # always leave the nodes alive
    for n in "${KS_NODES[@]}"; do ks_slurmd_pid "$n" >/dev/null || "$HERE/revive-node.sh" "$n" --no-wait || true; done
    if [[ $mode == down || ($mode == auto && $started_here == 1) ]]; then
        "$HERE/cluster-down.sh" || true
    else
        echo "cluster left running: export SLURM_CONF=$KS_CONF"
    fi
    rm -rf "$W"
    exit "$rc"
}
trap finish EXIT

echo "== 1. four jobs with --job-name and --chdir"
echo marker-from-host >"$W/marker"
ids=()
for i in 1 2 3 4; do
    mkdir -p "$W/job$i"
    id=$(sbatch --parsable --job-name="kitty-smoke-$i" --chdir="$W/job$i" -o "$W/job$i/out.txt" <<'EOF'
#!/bin/bash
echo "hostname=$(hostname)"
echo "nodelist=$SLURM_JOB_NODELIST"
echo "pwd=$(pwd)"
echo "marker=$(cat ../marker)"
echo "tmpdir=$TMPDIR"
git -c init.defaultBranch=main init -q repo &&
    git -C repo -c user.name=k -c user.email=k@k commit -q --allow-empty -m smoke &&
    echo "git=$(git -C repo rev-list --count HEAD)"
sleep 3
EOF
    ) && ids+=("$id")
done
check "4 jobs submitted (${ids[*]})" test "${#ids[@]}" = 4
names=kitty-smoke-1,kitty-smoke-2,kitty-smoke-3,kitty-smoke-4
sq=$(squeue -h --name="$names" -o '%i %j %T %N')
echo "$sq" | sed 's/^/     squeue: /'
check "squeue --name finds all 4" test "$(echo "$sq" | grep -c kitty-smoke)" = 4
wait_for 10 eval '[[ $(squeue -h --name="$names" -t RUNNING | wc -l) == 4 ]]' ||
    squeue --name="$names"
nl=$(job_field "${ids[0]}" NodeList)
check "scontrol show job ${ids[0]} gives NodeList=$nl" test -n "$nl" -a "$nl" != "(null)"
wait_for 30 eval '[[ -z $(squeue -h --name="$names") ]]'
for i in 1 2 3 4; do
    out=$W/job$i/out.txt
    h=$(sed -n 's/^hostname=//p' "$out" 2>/dev/null)
    nl=$(sed -n 's/^nodelist=//p' "$out" 2>/dev/null)
    check "job $i: ran on $h, SLURM_JOB_NODELIST=$nl, state $(job_state "${ids[$((i - 1))]}")" \
        test -n "$h" -a "$h" = "$nl" -a "$(job_state "${ids[$((i - 1))]}")" = COMPLETED
    check "job $i: pwd is its --chdir, reads host files, runs git" \
        eval 'grep -qx "pwd=$W/job$i" "$out" && grep -qx "marker=marker-from-host" "$out" && grep -qx "git=1" "$out"' ||
        echo "     output: $(tr '\n' '|' <"$out" 2>/dev/null)"
done
hosts=$(cat "$W"/job*/out.txt | sed -n 's/^hostname=//p' | sort -u | tr '\n' ' ')
check "both nodes got work ($hosts)" test "$(echo "$hosts" | wc -w)" -ge 2

echo "== 2. srun from the host"
s=$(timeout 30 srun -N2 -n2 hostname 2>&1 | sort | tr '\n' ' ')
check "srun -N2 hostname -> $s" test "$s" = "kn1 kn2 "

echo "== 3. scancel a running job"
# wait until the script itself runs: a job cancelled while its batch step is still being
# launched can take up to KillWait (5 s) to leave squeue
cid=$(sbatch --parsable --job-name=kitty-smoke-cancel -o /dev/null --wrap "touch $W/cancel.started; sleep 300")
wait_for 10 test -e "$W/cancel.started"
check "job $cid running before scancel" state_is "$cid" RUNNING
t0=$(now)
scancel "$cid"
wait_for 20 eval '[[ -z $(squeue -h -j "$cid" 2>/dev/null) ]]'
t1=$(now)
check "job $cid left squeue $(elapsed "$t0" "$t1") s after scancel; state $(job_state "$cid")" \
    state_is "$cid" CANCELLED

echo "== 4. node loss (kill-node.sh kn1) with a --no-requeue and a --requeue job"
f1=$(sbatch --parsable -w kn1 --no-requeue --job-name=kitty-smoke-nodefail -o "$W/nodefail.out" --wrap 'echo start $(hostname); sleep 300')
f2=$(sbatch --parsable -w kn1 --requeue --job-name=kitty-smoke-requeue -o "$W/requeue.out" --open-mode=append \
    --wrap 'echo start $(hostname) restart=$SLURM_RESTART_COUNT; sleep 4; echo done')
wait_for 10 eval 'state_is "$f1" RUNNING && state_is "$f2" RUNNING'
check "jobs $f1 $f2 running on kn1" eval 'state_is "$f1" RUNNING && state_is "$f2" RUNNING'
"$HERE/kill-node.sh" kn1
tk=$(now)
t_star="" t_fail=""
for ((i = 0; i < 600; i++)); do
    st=$(ks_node_state kn1)
    [[ -z $t_star && $st == *'*' ]] && t_star=$(now) && echo "     $(elapsed "$tk" "$t_star") s: sinfo kn1 = $st"
    if [[ -z $t_fail ]] && state_is "$f1" NODE_FAIL; then
        t_fail=$(now)
        echo "     $(elapsed "$tk" "$t_fail") s: job $f1 NODE_FAIL"
        break
    fi
    sleep 0.1
done
check "kn1 marked not responding ($([[ -n $t_star ]] && elapsed "$tk" "$t_star") s after kill)" test -n "$t_star"
check "job $f1 NODE_FAIL $([[ -n $t_fail ]] && elapsed "$tk" "$t_fail") s after kill" test -n "$t_fail"
echo "     --- what a client sees (no slurmdbd, so no sacct):"
echo "     \$ squeue -j $f1,$f2               # default states only"
squeue -j "$f1,$f2" -o '%.6i %.22j %.10T %.12r %N' 2>&1 | sed 's/^/       /'
echo "     \$ squeue -t all -j $f1,$f2"
squeue -t all -j "$f1,$f2" -o '%.6i %.22j %.10T %.12r %N' 2>&1 | sed 's/^/       /'
echo "     \$ scontrol show job $f1 | grep ..."
scontrol show job "$f1" | grep -E 'JobState|Requeue|NodeList=|ExitCode' | sed 's/^ */       /'
echo "     \$ scontrol show job $f2 | grep ..."
scontrol show job "$f2" | grep -E 'JobState|Requeue|EligibleTime|NodeList=' | sed 's/^ */       /'
echo "     \$ sinfo -N -n kn1 -o '%N %T %E'"
sinfo -N -n kn1 -o '%N %T %E' | sed 's/^/       /'
echo "     \$ tail -2 $KS_DIR/log/jobcomp.txt (JobCompType=jobcomp/filetxt)"
grep -E "^JobId=($f1|$f2) " "$KS_DIR/log/jobcomp.txt" | sed -E 's/ (Partition|TimeLimit|ReservationName|Tres|Account|QOS|WcKey|Cluster|UserId|GroupId|ProcCnt|NodeCnt|WorkDir)=[^ ]*//g; s/^/       /'
check "job $f2 (--requeue) is PENDING again with Restarts=1" \
    eval 'state_is "$f2" PENDING && [[ $(job_field "$f2" Restarts) == 1 ]]'
check "jobcomp.txt records $f1 as NODE_FAIL" grep -q "^JobId=$f1 .*JobState=NODE_FAIL" "$KS_DIR/log/jobcomp.txt"

tr0=$(now)
"$HERE/revive-node.sh" kn1
tr1=$(now)
check "revive-node.sh kn1: idle again after $(elapsed "$tr0" "$tr1") s ($(ks_node_state kn1))" \
    eval '[[ $(ks_node_state kn1) == idle || $(ks_node_state kn1) == mixed ]]'
wait_for 90 state_in "$f2" RUNNING COMPLETING COMPLETED
t_rq=$(now)
check "requeued job $f2 started again $(elapsed "$tk" "$t_rq") s after the kill (waits AuthInfo cred_expire=30 s)" \
    state_in "$f2" RUNNING COMPLETING COMPLETED
wait_for 20 state_is "$f2" COMPLETED
check "requeued job $f2 COMPLETED; output: $(tr '\n' '|' <"$W/requeue.out")" state_is "$f2" COMPLETED

echo "== 5. submit -> start latency (10 jobs, one at a time, idle cluster)"
lats=()
for i in $(seq 1 10); do
    sleep "0.$((RANDOM % 10))"
    t0=$(now)
    lid=$(sbatch --parsable --job-name=kitty-smoke-lat -o /dev/null --wrap "date +%s.%N > $W/lat$i")
    wait_for 10 test -s "$W/lat$i"
    [[ -s $W/lat$i ]] && lats+=("$(elapsed "$t0" "$(<"$W/lat$i")")")
    wait_for 5 eval '[[ -z $(squeue -h -j "$lid" 2>/dev/null) ]]'
done
sorted=$(printf '%s\n' "${lats[@]}" | sort -n)
med=$(echo "$sorted" | awk '{a[NR]=$1} END { if (NR % 2) print a[(NR+1)/2]; else printf "%.2f", (a[NR/2]+a[NR/2+1])/2 }')
echo "     latencies (s): $(echo "$sorted" | tr '\n' ' ')"
check "submit->start median ${med} s (min $(echo "$sorted" | head -1), max $(echo "$sorted" | tail -1)) < 1.2 s" \
    awk -v m="$med" 'BEGIN { exit !(m < 1.2) }'

echo "smoke: $pass passed, $fail failed"
((fail == 0))
