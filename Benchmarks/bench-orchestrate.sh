#!/usr/bin/env bash
# bench-orchestrate.sh <git-kitty-binary>
#
# `git kitty orchestrate` end to end (issue 5), native host, built-in script agent (the
# ```sh kitty-implement``` / ```sh kitty-review``` blocks of each WP file, as in scripts/demo.sh).
# Every mission is authored the way a person would: git kitty init, mission new, WP files
# (gen_orchestrate_mission.py), mission finalize, on branch feature/bench of a fresh repository.
#   1. fan-out/fan-in: WP01 -> WP02..WP(N-1) in parallel -> WPN (N = WPS, default 20); each
#      implement block writes out/wpNN.txt (the orchestrator commits it), each review approves.
#      Wall time of `orchestrate --merge` (spawn .. exit; median of RUNS runs, each on a fresh copy
#      of the mission) against the target. After every run, every WP must be done and the target
#      branch must hold all N files with the right content (else the script fails).
#   2. overhead per WP: the same mission, fresh, run serially (--max-concurrent 1, --merge; median
#      of RUNS runs), so (wall - time spent in agents) / N is the orchestrator's own cost per WP: host calls,
#      worktrees, commits, review branches, scheduling, and its share of the final merge. Agent
#      time is read from the run's agent logs (header timestamp .. trailer), see
#      measure_orchestrate.py.
#   3. memory: RSS_AGENTS independent WPs, --max-concurrent RSS_AGENTS, --merge; each implement
#      block waits (up to 30 s) until all RSS_AGENTS agents have started, then writes RSS_MB MB to
#      stdout. Peak RSS of the orchestrate process alone (VmHWM polled from /proc until it exits;
#      the ru_maxrss of the whole process tree is shown beside it). The logs must hold the output.
#   4. with BENCH_REFERENCE=1 only (minutes): a 3-WP mission made by the real spec-kitty 3.2.7
#      (make_reference_mission.sh), run once by spec-kitty-orchestrator 0.1.2 (with fake_claude.sh
#      as `claude`, running the same blocks) and once by git kitty orchestrate (no --merge: the
#      reference never merges); prints the wall-time ratio.
# Prints a table and PASS/WARN lines against the targets. Missed targets only WARN; the script
# fails only when something breaks (orchestrate exits non-zero, a WP is not done, a file is
# missing from the target branch, a mission cannot be authored, ...).
#
# Environment (all optional):
#   WPS=20                size of the fan-out mission (3..99)
#   RUNS=3                runs of scenarios 1 and 2 each (medians reported)
#   CONCURRENCY=4         --max-concurrent of run 1 (git-kitty's default)
#   RSS_AGENTS=8 RSS_MB=50  run 3: concurrent agents and MB each writes to stdout
#   BENCH_REFERENCE=0     1: also run run 4 (needs spec-kitty and spec-kitty-orchestrator in SK_VENV)
#   SK_VENV=<repo>/.venv-spec-kitty
#   KEEP=0                1: keep the scratch directory (its path is printed)
#   SHM=1                 also run scenario 2 on tmpfs (/dev/shm), as information: on a busy disk most
#                         of the overhead is waiting for the file system (file creation in worktrees,
#                         and ~44 fsyncs per WP of the run state and the mission's status files) (0: skip)
#   TMPDIR                where the repositories are made (the measured file system)
#   RUN_TIMEOUT=300 REF_TIMEOUT=1200  seconds before a git-kitty / reference run is stopped (a
#                         stopped git-kitty run fails the script; a stopped reference run WARNs)
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_args "$@"
REPO=$ROOT

WPS=${WPS:-20}
RUNS=${RUNS:-3}
CONCURRENCY=${CONCURRENCY:-4}
RSS_AGENTS=${RSS_AGENTS:-8}
RSS_MB=${RSS_MB:-50}
BENCH_REFERENCE=${BENCH_REFERENCE:-0}
KEEP=${KEEP:-0}
SHM=${SHM:-1}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
REF_TIMEOUT=${REF_TIMEOUT:-1200}
SK_VENV=${SK_VENV:-$REPO/.venv-spec-kitty}

# Targets (issue 5).
TARGET_WALL_S=10       # run 1: orchestrate --merge of the WPS-WP fan-out mission
TARGET_OVERHEAD_MS=150 # run 2: orchestration overhead per WP
TARGET_RSS_MB=64       # run 3: peak RSS of the orchestrate process

WORK=$(mktemp -d "${TMPDIR:-/tmp}/git-kitty-bench-orch.XXXXXX")
SHM_WORK=""
cleanup() {
  [ -n "$SHM_WORK" ] && rm -rf "$SHM_WORK"
  if [ "$KEEP" = 1 ]; then
    echo "(scratch directory kept: $WORK)"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

# Missions register `git-kitty merge-driver ...` as a git merge driver, so git-kitty must be on PATH
# under that name whatever the binary is called.
mkdir -p "$WORK/bin"
ln -s "$BIN" "$WORK/bin/git-kitty"
export PATH="$WORK/bin:$PATH"
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE

MEASURE=(python3 "$HERE/measure_orchestrate.py")
ROWS=()      # "scenario|wps|concurrency|wall_s|ms_per_wp|agent_s|cpu_s|rss_mb"
VERDICTS=()  # "PASS ..." / "WARN ..." / "SKIP ..."

fail() {
  echo "bench-orchestrate: $*" >&2
  exit 1
}
# calc FORMAT EXPR-over-a[...] ARGS...: e.g. calc .1f 'a[0] / 1000' 1234 -> 1.2
calc() {
  local fmt=$1 expr=$2
  shift 2
  python3 -c "import sys; a = [float(x) for x in sys.argv[1:]]; print(format($expr, '$fmt'))" "$@"
}

# new_mission <dir> <name> <gen_orchestrate_mission.py args...>: a fresh repository on feature/bench
# with a finalized mission; prints the slug.
new_mission() {
  local dir=$1 name=$2 slug
  shift 2
  mkdir -p "$dir"
  # (set -e does not apply inside a `( ... ) || fail` list, hence the && chains)
  (
    cd "$dir" &&
      git init -q -b main &&
      git config user.name "git-kitty bench" &&
      git config user.email "bench@git-kitty.invalid" &&
      git config commit.gpgsign false &&
      printf '# orchestrate bench\n' > README.md &&
      git add README.md && git commit -qm "initial commit" &&
      git switch -q -c feature/bench &&
      "$BIN" init >/dev/null &&
      git add -A && git commit -qm "chore: git kitty init"
  ) || fail "cannot create the repository in $dir"
  slug=$(cd "$dir" && "$BIN" mission new "$name" 2>/dev/null) || fail "git kitty mission new $name failed in $dir"
  (
    cd "$dir" &&
      python3 "$HERE/gen_orchestrate_mission.py" "kitty-specs/$slug/tasks" "$@" >/dev/null &&
      git add -A && git commit -qm "docs: $name work packages" &&
      "$BIN" mission finalize "$slug" >/dev/null
  ) || fail "cannot author mission $slug in $dir"
  echo "$slug"
}

# orchestrate <dir> <slug> <log> <args...>: runs orchestrate once under measure_orchestrate.py; sets
# O_MS O_RC O_HWM O_TREE O_CPU. A non-zero exit is a failure of the benchmark.
orchestrate() {
  local dir=$1 slug=$2 log=$3 out
  shift 3
  out=$("${MEASURE[@]}" run --cwd "$dir" --log "$log" --timeout "$RUN_TIMEOUT" -- \
    "$BIN" orchestrate --mission "$slug" --impl-agent script --review-agent script "$@")
  read -r O_MS O_RC O_HWM O_TREE _ O_CPU <<<"$out"
  if [ "$O_RC" -ne 0 ]; then
    echo "--- orchestrate output (last 40 lines of $log) ---" >&2
    tail -n 40 "$log" >&2
    fail "git kitty orchestrate --mission $slug $* exited $O_RC in $dir"
  fi
}

# agent_time <dir> <slug>: sets A_MS A_RUNS A_LONGEST A_PEAK from the run's agent logs.
agent_time() {
  read -r A_MS A_RUNS A_LONGEST A_PEAK <<<"$("${MEASURE[@]}" agent-time "$1/.kittify/logs/$2")"
}

# verify_merged <dir> <slug> <count> <branch>: every WP done, out/wpNN.txt on <branch> for each WP
# holding its id, and the main checkout clean apart from git-kitty's ignored runtime files.
verify_merged() {
  local dir=$1 slug=$2 count=$3 branch=$4 summary total ndone lanes n wp content dirty
  summary=$(cd "$dir" && "$BIN" orchestrator-api mission-state --mission "$slug" | python3 -c '
import json, sys
envelope = json.load(sys.stdin)
if not envelope.get("success"):
    sys.exit("mission-state failed: %s" % envelope.get("error_code"))
lanes = [wp["lane"] for wp in envelope["data"]["work_packages"]]
print(len(lanes), sum(lane == "done" for lane in lanes), ",".join(sorted(set(lanes))))') ||
    fail "mission-state failed in $dir"
  read -r total ndone lanes <<<"$summary"
  [ "$total" -eq "$count" ] && [ "$ndone" -eq "$count" ] ||
    fail "mission $slug: $ndone of $total WPs done (expected $count; lanes seen: $lanes)"
  for n in $(seq 1 "$count"); do
    wp=$(printf 'WP%02d' "$n")
    content=$(git -C "$dir" show "$branch:out/$(printf 'wp%02d' "$n").txt" 2>/dev/null) ||
      fail "mission $slug: out/$(printf 'wp%02d' "$n").txt is missing from $branch"
    [ "$content" = "$wp" ] || fail "mission $slug: out/$(printf 'wp%02d' "$n").txt on $branch holds '$content'"
  done
  dirty=$(git -C "$dir" status --porcelain)
  [ -z "$dirty" ] || fail "mission $slug: the main checkout is dirty after the merge: $dirty"
}

echo "   git-kitty: $BIN ($("$BIN" --version 2>/dev/null || echo '?')); host: native; agent: script"
echo "   scratch: $WORK; load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

# series <label> <runs> <concurrency> [scratch-dir]: RUNS orchestrate --merge runs of the fan-out
# mission, each on a fresh copy of $FAN.base (made in scratch-dir, default $WORK), each verified.
# Sets S_MS S_AGENT_MS S_CPU S_OVERHEAD (medians), S_HWM (the largest) and S_ALL (every wall time, s).
series() {
  local label=$1 runs=$2 conc=$3 scratch=${4:-$WORK} i dir walls=() agents=() overheads=() cpus=() hwm=0
  for i in $(seq 1 "$runs"); do
    dir=$scratch/$label-$i
    cp -a "$FAN.base" "$dir"
    orchestrate "$dir" "$FAN_SLUG" "$WORK/$label-$i.log" --max-concurrent "$conc" --merge
    verify_merged "$dir" "$FAN_SLUG" "$WPS" feature/bench
    agent_time "$dir" "$FAN_SLUG"
    [ "$A_RUNS" -ge $((2 * WPS)) ] || fail "$label run $i: expected at least $((2 * WPS)) agent logs, found $A_RUNS"
    walls+=("$O_MS")
    cpus+=("$O_CPU")
    agents+=("$A_MS")
    overheads+=("$(calc .1f '(a[0] - a[1]) / a[2]' "$O_MS" "$A_MS" "$WPS")")
    [ "$O_HWM" -gt "$hwm" ] && hwm=$O_HWM
    rm -rf "$dir"
  done
  S_MS=$(median "${walls[@]}")
  S_AGENT_MS=$(median "${agents[@]}")
  S_OVERHEAD=$(median "${overheads[@]}")
  S_CPU=$(median "${cpus[@]}")
  S_HWM=$hwm
  S_ALL=$(calc_list '{:.2f}' 1000 "${walls[@]}")
}
median() { python3 -c 'import statistics, sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.1f}")' "$@"; }
# calc_list FORMAT DIVISOR VALUES...: "v1/d v2/d ..." formatted
calc_list() { python3 -c 'import sys; print(" ".join(sys.argv[1].format(float(x) / float(sys.argv[2])) for x in sys.argv[3:]))' "$@"; }

# ---------------------------------------------------------------- 1. fan-out/fan-in, --merge
echo "== 1. fan-out/fan-in mission, $WPS WPs, --max-concurrent $CONCURRENCY --merge ($RUNS runs)"
FAN=$WORK/fanout
FAN_SLUG=$(new_mission "$FAN.base" fanout --wps "$WPS" --shape fanout)
series fanout "$RUNS" "$CONCURRENCY"
FAN_S=$(calc .2f 'a[0] / 1000' "$S_MS")
ROWS+=("fan-out --merge|$WPS|$CONCURRENCY|$FAN_S|$(calc .0f 'a[0] / a[1]' "$S_MS" "$WPS")|$(calc .2f 'a[0] / 1000' "$S_AGENT_MS")|$(calc .2f 'a[0] / 1000' "$S_CPU")|$(calc .1f 'a[0] / 1024' "$S_HWM")")
echo "   wall s: $S_ALL (median $FAN_S); every run: all $WPS WPs done, all $WPS files on feature/bench"
if le "$FAN_S" "$TARGET_WALL_S"; then
  VERDICTS+=("PASS $WPS-WP fan-out/fan-in mission orchestrated and merged in $FAN_S s (median; target <= $TARGET_WALL_S s, $(getconf _NPROCESSORS_ONLN) CPUs)")
else
  VERDICTS+=("WARN $WPS-WP fan-out/fan-in mission took $FAN_S s to orchestrate and merge (median; target <= $TARGET_WALL_S s, $(getconf _NPROCESSORS_ONLN) CPUs)")
fi

# ---------------------------------------------------------------- 2. overhead per WP (serial)
echo "== 2. overhead per WP: the same mission, --max-concurrent 1 --merge ($RUNS runs)"
series serial "$RUNS" 1
OVERHEAD_MS=$S_OVERHEAD
ROWS+=("serial --merge|$WPS|1|$(calc .2f 'a[0] / 1000' "$S_MS")|$(calc .0f 'a[0] / a[1]' "$S_MS" "$WPS")|$(calc .2f 'a[0] / 1000' "$S_AGENT_MS")|$(calc .2f 'a[0] / 1000' "$S_CPU")|$(calc .1f 'a[0] / 1024' "$S_HWM")")
echo "   wall s: $S_ALL (median $(calc .2f 'a[0] / 1000' "$S_MS")); agents: $(calc .3f 'a[0] / 1000' "$S_AGENT_MS") s (median); overhead $OVERHEAD_MS ms/WP (median)"
if le "$OVERHEAD_MS" "$TARGET_OVERHEAD_MS"; then
  VERDICTS+=("PASS orchestration overhead $OVERHEAD_MS ms/WP (serial, (wall - agent time) / $WPS, median; target <= $TARGET_OVERHEAD_MS ms)")
else
  VERDICTS+=("WARN orchestration overhead $OVERHEAD_MS ms/WP (serial, (wall - agent time) / $WPS, median; target <= $TARGET_OVERHEAD_MS ms; CPU $(calc .0f 'a[0] / a[1]' "$S_CPU" "$WPS") ms/WP, load average $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?'))")
fi
# The same on tmpfs: the difference is what the disk costs: files created for worktrees, commits and
# logs, and fsyncs (git-kitty fsyncs its run state and the mission's status files, file and directory,
# ~44 times per WP).
FS_TYPE=$(stat -f -c %T "$WORK" 2>/dev/null || echo '?')
if [ "$SHM" = 1 ] && [ "$FS_TYPE" != tmpfs ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  SHM_WORK=$(mktemp -d /dev/shm/git-kitty-bench-orch.XXXXXX)
  series serial "$RUNS" 1 "$SHM_WORK"
  ROWS+=("serial, tmpfs|$WPS|1|$(calc .2f 'a[0] / 1000' "$S_MS")|$(calc .0f 'a[0] / a[1]' "$S_MS" "$WPS")|$(calc .2f 'a[0] / 1000' "$S_AGENT_MS")|$(calc .2f 'a[0] / 1000' "$S_CPU")|$(calc .1f 'a[0] / 1024' "$S_HWM")")
  echo "   on tmpfs (/dev/shm): wall s: $S_ALL; overhead $S_OVERHEAD ms/WP (median) against $OVERHEAD_MS ms/WP on $FS_TYPE"
  VERDICTS+=("INFO orchestration overhead on tmpfs (no disk I/O): $S_OVERHEAD ms/WP against $OVERHEAD_MS ms/WP in $WORK ($FS_TYPE)")
  rm -rf "$SHM_WORK"
  SHM_WORK=""
fi

# ---------------------------------------------------------------- 3. peak RSS with loud agents
echo "== 3. peak RSS: $RSS_AGENTS parallel WPs, --max-concurrent $RSS_AGENTS --merge, each agent writes $RSS_MB MB to stdout"
BARRIER=$WORK/barrier
mkdir -p "$BARRIER"
BYTES=$((RSS_MB * 1024 * 1024))
# Wait until all agents are running (so the output is written concurrently), then write.
LOUD="touch $BARRIER/{wp}; i=0; while [ \$(ls $BARRIER | wc -l) -lt $RSS_AGENTS ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done; head -c $BYTES /dev/zero | tr '\\0' x; mkdir -p out && echo {wp} > {file}"
RSS_SLUG=$(new_mission "$WORK/rss" loud --wps "$RSS_AGENTS" --shape parallel --implement "$LOUD")
orchestrate "$WORK/rss" "$RSS_SLUG" "$WORK/rss.log" --max-concurrent "$RSS_AGENTS" --merge
verify_merged "$WORK/rss" "$RSS_SLUG" "$RSS_AGENTS" feature/bench
agent_time "$WORK/rss" "$RSS_SLUG"
SHORT=$(find "$WORK/rss/.kittify/logs/$RSS_SLUG" -name 'implementation-*.log' -size -"$BYTES"c | wc -l)
LOGS=$(find "$WORK/rss/.kittify/logs/$RSS_SLUG" -name 'implementation-*.log' | wc -l)
[ "$LOGS" -eq "$RSS_AGENTS" ] && [ "$SHORT" -eq 0 ] ||
  fail "run 3: expected $RSS_AGENTS implementation logs of >= $BYTES bytes, found $LOGS logs, $SHORT shorter"
RSS_PEAK_MB=$(calc .1f 'a[0] / 1024' "$O_HWM")
RSS_TREE_MB=$(calc .1f 'a[0] / 1024' "$O_TREE")
ROWS+=("loud agents --merge|$RSS_AGENTS|$RSS_AGENTS|$(calc .2f 'a[0] / 1000' "$O_MS")|$(calc .0f 'a[0] / a[1]' "$O_MS" "$RSS_AGENTS")|$(calc .2f 'a[0] / 1000' "$A_MS")|$(calc .2f 'a[0] / 1000' "$O_CPU")|$RSS_PEAK_MB")
echo "   $(calc .2f 'a[0] / 1000' "$O_MS") s; $(calc .0f 'a[0] * a[1]' "$RSS_AGENTS" "$RSS_MB") MB of agent output in the logs; up to $A_PEAK agents ran at once"
echo "   orchestrate peak RSS (VmHWM) $RSS_PEAK_MB MB; largest RSS in its process tree (wait4 ru_maxrss) $RSS_TREE_MB MB"
if [ "$A_PEAK" -lt "$RSS_AGENTS" ]; then
  VERDICTS+=("WARN only $A_PEAK of $RSS_AGENTS agents overlapped in run 3: the RSS figure is for less concurrency than asked")
fi
if le "$RSS_PEAK_MB" "$TARGET_RSS_MB"; then
  VERDICTS+=("PASS orchestrate peak RSS $RSS_PEAK_MB MB with $RSS_AGENTS agents writing $RSS_MB MB each (target <= $TARGET_RSS_MB MB)")
else
  VERDICTS+=("WARN orchestrate peak RSS $RSS_PEAK_MB MB with $RSS_AGENTS agents writing $RSS_MB MB each (target <= $TARGET_RSS_MB MB)")
fi

# ---------------------------------------------------------------- 4. reference orchestrator
REF_ROWS=()
if [ "$BENCH_REFERENCE" != 1 ]; then
  echo "== 4. reference orchestrator: skipped (BENCH_REFERENCE=1 runs it; 1-4 min)"
  VERDICTS+=("SKIP side by side with spec-kitty-orchestrator 0.1.2: a 3-WP mission takes it 1-4 min (207 s in the reference runs); run with BENCH_REFERENCE=1 (needs $SK_VENV from ../shared/tools/spec-kitty-env.sh)")
elif [ ! -x "$SK_VENV/bin/spec-kitty" ] || [ ! -x "$SK_VENV/bin/spec-kitty-orchestrator" ]; then
  echo "== 4. reference orchestrator: spec-kitty / spec-kitty-orchestrator not found in $SK_VENV"
  echo "   Install them with: $(cd "$REPO/.." && pwd)/shared/tools/spec-kitty-env.sh $SK_VENV"
  VERDICTS+=("SKIP side by side with spec-kitty-orchestrator: not installed in $SK_VENV")
else
  echo "== 4. reference orchestrator: 3-WP spec-kitty mission, spec-kitty-orchestrator 0.1.2 vs git kitty orchestrate"
  echo "   (each spec-kitty call costs seconds: this takes minutes)"
  REF=$WORK/reference
  REF_SLUG=$(bash "$HERE/make_reference_mission.sh" "$REF.base" "$SK_VENV" 2>"$WORK/reference-make.log" | tail -n 1) || {
    cat "$WORK/reference-make.log" >&2
    fail "make_reference_mission.sh failed"
  }
  cp -a "$REF.base" "$REF.gk"
  cp -a "$REF.base" "$REF.sk"
  mkdir -p "$WORK/fakebin"
  ln -s "$HERE/fake_claude.sh" "$WORK/fakebin/claude"
  # git-kitty: the spec-kitty repository's .gitattributes name spec-kitty merge drivers, hence the venv on PATH.
  out=$(PATH="$PATH:$SK_VENV/bin" "${MEASURE[@]}" run --cwd "$REF.gk" --log "$WORK/reference-gk.log" \
    --timeout "$RUN_TIMEOUT" -- \
    "$BIN" orchestrate --mission "$REF_SLUG" --impl-agent script --review-agent script)
  read -r GK_MS GK_RC GK_HWM _ <<<"$out"
  if [ "$GK_RC" -ne 0 ]; then
    tail -n 40 "$WORK/reference-gk.log" >&2
    fail "git kitty orchestrate exited $GK_RC on the spec-kitty-made mission in $REF.gk"
  fi
  ref_lanes() { (cd "$1" && "$BIN" orchestrator-api mission-state --mission "$REF_SLUG" | python3 -c '
import json, sys
print(",".join(sorted(set(wp["lane"] for wp in json.load(sys.stdin)["data"]["work_packages"]))))'); }
  GK_LANES=$(ref_lanes "$REF.gk") || fail "mission-state failed on the reference mission in $REF.gk"
  case $GK_LANES in approved | done | approved,done) ;; *) fail "git-kitty left the reference mission's WPs in lanes $GK_LANES" ;; esac
  REF_ROWS+=("git kitty orchestrate|$(calc .2f 'a[0] / 1000' "$GK_MS")|$(calc .1f 'a[0] / 1024' "$GK_HWM")|$GK_LANES")
  out=$(PATH="$WORK/fakebin:$SK_VENV/bin:$PATH" SPEC_KITTY_NO_UPGRADE_CHECK=1 SPEC_KITTY_ENABLE_SAAS_SYNC=0 \
    "${MEASURE[@]}" run --cwd "$REF.sk" --log "$WORK/reference-sk.log" --timeout "$REF_TIMEOUT" -- \
    "$SK_VENV/bin/spec-kitty-orchestrator" orchestrate --mission "$REF_SLUG")
  read -r SK_MS SK_RC SK_HWM _ <<<"$out"
  SK_LANES=$(ref_lanes "$REF.sk" || echo unknown)
  if [ "$SK_RC" -ne 0 ] || [ "$SK_LANES" != done ]; then
    echo "   spec-kitty-orchestrator exited $SK_RC leaving lanes $SK_LANES; its output ends with:"
    tail -n 20 "$WORK/reference-sk.log" | sed 's/^/     /'
    REF_ROWS+=("spec-kitty-orchestrator|failed|-|$SK_LANES")
    VERDICTS+=("WARN spec-kitty-orchestrator failed on the 3-WP mission (baseline only; see above)")
  else
    RATIO=$(calc .0f 'a[0] / a[1]' "$SK_MS" "$GK_MS")
    REF_ROWS+=("spec-kitty-orchestrator|$(calc .2f 'a[0] / 1000' "$SK_MS")|$(calc .1f 'a[0] / 1024' "$SK_HWM")|$SK_LANES")
    VERDICTS+=("INFO git kitty orchestrate is ${RATIO}x faster than spec-kitty-orchestrator 0.1.2 on the 3-WP mission ($(calc .2f 'a[0] / 1000' "$GK_MS") s vs $(calc .1f 'a[0] / 1000' "$SK_MS") s)")
  fi
fi

# ---------------------------------------------------------------- report
echo
printf '%-20s %4s %5s %8s %7s %8s %7s %12s\n' scenario WPs conc "wall s" "ms/WP" "agent s" "CPU s" "peak RSS MB"
for row in "${ROWS[@]}"; do
  IFS='|' read -r name wps conc wall per agent cpu rss <<<"$row"
  printf '%-20s %4s %5s %8s %7s %8s %7s %12s\n' "$name" "$wps" "$conc" "$wall" "$per" "$agent" "$cpu" "$rss"
done
echo "(fan-out and serial: medians of $RUNS runs, the RSS their largest; loud agents: one run."
echo " wall = spawn..exit of orchestrate; agent s = sum of the agent runs in the logs; ms/WP = wall / WPs;"
echo " CPU s = user+sys of orchestrate and everything it ran (agents, git); peak RSS = VmHWM of the"
echo " orchestrate process alone)"
if [ ${#REF_ROWS[@]} -gt 0 ]; then
  echo
  printf '%-24s %9s %12s  %s\n' "3-WP reference mission" "wall s" "peak RSS MB" "lanes at the end"
  for row in "${REF_ROWS[@]}"; do
    IFS='|' read -r name wall rss lanes <<<"$row"
    printf '%-24s %9s %12s  %s\n' "$name" "$wall" "$rss" "$lanes"
  done
  echo "(spec-kitty-orchestrator's RSS is its Python process only, not its spec-kitty host calls)"
fi
echo
for verdict in "${VERDICTS[@]}"; do
  echo "$verdict"
done
