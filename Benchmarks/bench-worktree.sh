#!/usr/bin/env bash
# bench-worktree.sh <git-kitty-binary>
#
# Lane worktree create + remove (issue 3), side by side with plain git in one run:
#   git-kitty: git kitty worktree add lane-a --mission <slug>  (mission branch from develop on first
#              use, lane branch, checkout in .worktrees/<slug>-lane-a), then
#              git kitty worktree remove lane-a --mission <slug> (work directory, admin entry, merged
#              lane branch);
#   git:       git worktree add -b tmp-<i> .worktrees/git-<i> develop && git worktree remove
#              .worktrees/git-<i> && git branch -D tmp-<i>.
# The repository is generated (gen_worktree_repo.py): a one-lane mission plus GEN_FILES files /
# GEN_MB MB of deterministic content on `develop`, repacked like a clone. Both sides alternate
# (measure_worktree.py) and run on the same file system; after every iteration the repository must
# be back to only its main worktree with the lane branch gone (otherwise the script fails).
# Prints medians (wall and CPU = user+sys of the children), the ratios git-kitty / git, and
# PASS/WARN lines against the issue-3 target (median wall ratio <= 1.0; the CPU ratio is checked
# against the same bound). A missed target only WARNs; the script fails only when
# something breaks (a command exits non-zero, a leftover worktree or branch, ...).
#
# Environment (all optional):
#   ITERATIONS=9     timed iterations per side (median reported), after WARMUP untimed ones
#   WARMUP=1         untimed iterations per side (>= 1: they also check the new checkouts)
#   GEN_FILES=2000 GEN_MB=20   size of the generated repository
#   PACKED=1         repack the generated repository (0: keep the loose objects of `git commit`)
#   SETTLE=0         1: also measure a second round where each new worktree settles (untimed: 1.1 s
#                    pause, then `git status` in it) before it is removed. Without it git's index is
#                    written in the same second as the files, so `git worktree remove` re-reads all
#                    of them (racily clean entries) while libgit2 (nanosecond stamps) does not; a
#                    worktree that has been worked in is in the settled state. Adds ~2.5 s/iteration.
#   VERBOSE=1        print every timed sample (stderr)
#   TMPDIR           where the repository is generated (worktrees go inside it). Note: on ext4
#                    without a journal, creating files soon after deleting many is dominated by
#                    the kernel skipping recently deleted inodes, for both sides alike; a tmpfs
#                    (TMPDIR=/dev/shm) takes the file system out of the comparison.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_args "$@"

ITERATIONS=${ITERATIONS:-9}
WARMUP=${WARMUP:-1}
GEN_FILES=${GEN_FILES:-2000}
GEN_MB=${GEN_MB:-20}
PACKED=${PACKED:-1}
VERBOSE=${VERBOSE:-0}
SETTLE=${SETTLE:-0}

# Target (issue 3): git-kitty / git, median wall time of create + remove.
TARGET_RATIO=1.0

WORK=$(mktemp -d "${TMPDIR:-/tmp}/git-kitty-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ratio() { python3 -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.2f}")' "$1" "$2"; }

# ---------------------------------------------------------------- repository
REPO=$WORK/repo
mkdir -p "$REPO"
git -C "$REPO" init -q
git -C "$REPO" symbolic-ref HEAD refs/heads/develop
bench_identity "$REPO"
GENERATED=$(python3 "$HERE/gen_worktree_repo.py" "$REPO" --files "$GEN_FILES" --mb "$GEN_MB")
read -r SLUG NFILES NBYTES <<<"$GENERATED"
git -C "$REPO" add -A
git -C "$REPO" commit -q -m "Synthetic repository for the worktree benchmark ($SLUG)"
if [ "$PACKED" = 1 ]; then
  git -C "$REPO" repack -adq
  git -C "$REPO" prune-packed
  STORAGE="one pack"
else
  STORAGE="loose objects"
fi
TRACKED=$(git -C "$REPO" ls-files | wc -l | tr -d ' ')
SIZE_MB=$(python3 -c 'import sys; print(f"{int(sys.argv[1]) / 1e6:.1f}")' "$NBYTES")

echo "== worktree create + remove: generated repository"
echo "   $NFILES generated files ($SIZE_MB MB) + mission $SLUG = $TRACKED tracked files on develop, $STORAGE"
echo "   $ITERATIONS timed iterations per side (after $WARMUP warm-up), alternating git-kitty and git"
echo "   git: $(git --version)"

# ---------------------------------------------------------------- measure
VERDICTS=()
EXTRA=()
[ "$VERBOSE" = 1 ] && EXTRA+=(--verbose)
# measure <label> [measure_worktree.py options...]: runs both sides, prints the table, adds verdicts.
measure() {
  local label=$1
  shift
  local out
  out=$(python3 "$HERE/measure_worktree.py" --repo "$REPO" --bin "$BIN" --slug "$SLUG" \
    --iterations "$ITERATIONS" --warmup "$WARMUP" "$@" "${EXTRA[@]}")
  local gk_wall gk_min gk_max gk_cpu gk_add gk_rm git_wall git_min git_max git_cpu git_add git_rm
  read -r gk_wall gk_min gk_max gk_cpu gk_add gk_rm git_wall git_min git_max git_cpu git_add git_rm <<<"$out"
  local wall_ratio cpu_ratio
  wall_ratio=$(ratio "$gk_wall" "$git_wall")
  cpu_ratio=$(ratio "$gk_cpu" "$git_cpu")
  echo
  printf '%-26s %12s %12s %9s\n' "$label" "git-kitty" "git" "ratio"
  printf '%-26s %12s %12s %9s\n' "wall ms (median)" "$gk_wall" "$git_wall" "${wall_ratio}x"
  printf '%-26s %12s %12s %9s\n' "wall ms (min)" "$gk_min" "$git_min" "$(ratio "$gk_min" "$git_min")x"
  printf '%-26s %12s %12s %9s\n' "wall ms (max)" "$gk_max" "$git_max" "$(ratio "$gk_max" "$git_max")x"
  printf '%-26s %12s %12s %9s\n' "CPU ms (median)" "$gk_cpu" "$git_cpu" "${cpu_ratio}x"
  printf '%-26s %12s %12s %9s\n' "  add wall ms (median)" "$gk_add" "$git_add" "$(ratio "$gk_add" "$git_add")x"
  printf '%-26s %12s %12s %9s\n' "  remove wall ms (median)" "$gk_rm" "$git_rm" "$(ratio "$gk_rm" "$git_rm")x"
  local verdict
  for kind in wall CPU; do
    if [ $kind = wall ]; then
      set -- "$gk_wall" "$git_wall" "$wall_ratio" "median wall"
    else
      set -- "$gk_cpu" "$git_cpu" "$cpu_ratio" "median CPU"
    fi
    if le "$3" "$TARGET_RATIO"; then verdict=PASS; else verdict=WARN; fi
    VERDICTS+=("$verdict $label: git-kitty $1 ms vs git $2 ms $4, ratio $3 (target <= $TARGET_RATIO)")
  done
}

measure "create + remove"
if [ "$SETTLE" = 1 ]; then
  measure "create, settle, remove" --settle
fi
echo "(ratio = git-kitty / git; CPU = user+sys of the child processes; git's remove includes branch -D)"
echo
for verdict in "${VERDICTS[@]}"; do
  echo "$verdict"
done
echo "PASS every git-kitty iteration left only the main worktree and deleted its lane branch"
