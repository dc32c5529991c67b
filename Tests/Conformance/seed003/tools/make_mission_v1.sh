#!/usr/bin/env bash
# make_mission_v1.sh — build a fresh repo with a spec-kitty 1.0.3 feature
# ("001-demo-feature") holding 4 WPs: WP01; WP02,WP03 -> WP01; WP04 -> WP02,WP03.
# Uses only the real 1.0.3 CLI: `init`, `specify`, `plan`,
# `agent feature finalize-tasks`, plus hand-written planning files.
# (Adapted from /work/shared/tools/make_spec_kitty_mission.sh, which targets 3.2.7.)
#
# Usage: make_mission_v1.sh <new-repo-dir> [feature-name]
# Env:   SK_VENV (default ~/.cache/git-kitty/venv-sk103)
# Prints "FEATURE=<slug>" last.
#
# Differences from the 3.2.7 recipe:
#  * no protected-branch rule: everything is committed on `main`;
#  * `specify` names the feature NNN-<name> (001-demo-feature), no ULID/mid8;
#  * `init` spawns a background dashboard server; we kill it (pid is line 4 of
#    .kittify/.dashboard);
#  * WP frontmatter carries `lane: "planned"` (lane lives in the WP file);
#  * no status.events.jsonl, no lanes.json, no status.json.
set -euo pipefail
DIR=${1:?usage: make_mission_v1.sh <new-repo-dir> [feature-name]}
NAME=${2:-demo-feature}
SK_VENV=${SK_VENV:-$HOME/.cache/git-kitty/venv-sk103}
export PATH="$SK_VENV/bin:$PATH" SPEC_KITTY_NO_UPGRADE_CHECK=1
log() { echo "[make_mission_v1] $*" >&2; }
[ -e "$DIR" ] && { echo "refusing: $DIR exists" >&2; exit 2; }
mkdir -p "$DIR"; cd "$DIR"
git init -q -b main
git config user.email "orchestrator@example.com"; git config user.name "Make Mission"
echo "# demo project" > README.md; git add README.md; git commit -qm "initial commit"

log "spec-kitty init"
spec-kitty init --here --ai claude --non-interactive --force >/dev/null 2>&1
if [ -f .kittify/.dashboard ]; then
  pid=$(sed -n 4p .kittify/.dashboard); [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
fi
git add -A; git commit -qm "chore: spec-kitty init"

log "spec-kitty specify $NAME"
OUT=$(spec-kitty specify "$NAME" --mission software-dev --json 2>/dev/null | grep '^{' | tail -1)
FEATURE=$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["feature"])')
D="kitty-specs/$FEATURE"
log "feature: $FEATURE"

cat > "$D/spec.md" <<'MD'
# Feature Specification: Demo Feature

## Requirements

### Functional Requirements

- **FR-001**: Provide a core module with a greet function.
- **FR-002**: Provide a left feature built on core.
- **FR-003**: Provide a right feature built on core.
- **FR-004**: Integrate the left and right features.
MD
git add "$D/spec.md"; git commit -qm "spec: $FEATURE"

log "spec-kitty plan"
spec-kitty plan --feature "$FEATURE" --json >/dev/null 2>&1
cat > "$D/plan.md" <<'MD'
# Implementation Plan: Demo Feature

Build a tiny shell-script greeter in four work packages. Source lives in `src/`.
MD

cat > "$D/tasks.md" <<'MD'
# Work Packages: Demo Feature

## Work Package WP01: Core (Priority: P0)

**Requirement Refs**: FR-001

- T001 Create src/core.sh

## Work Package WP02: Left (Priority: P1)

**Requirement Refs**: FR-002
**Dependencies**: Depends on WP01

- T002 Create src/left.sh

## Work Package WP03: Right (Priority: P1)

**Requirement Refs**: FR-003
**Dependencies**: Depends on WP01

- T003 Create src/right.sh

## Work Package WP04: Integration (Priority: P2)

**Requirement Refs**: FR-004
**Dependencies**: Depends on WP02, WP03

- T004 Create src/main.sh
MD

mkwp() { # id slug title sub file req
  cat > "$D/tasks/$1-$2.md" <<MD
---
work_package_id: "$1"
subtasks:
  - "$4"
title: "$3"
phase: "Phase 1"
lane: "planned"
assignee: ""
agent: ""
shell_pid: ""
review_status: ""
reviewed_by: ""
requirement_refs:
  - "$6"
history:
  - timestamp: "2026-01-01T00:00:00Z"
    lane: "planned"
    agent: "system"
    shell_pid: ""
    action: "Prompt generated via /spec-kitty.tasks"
---

# Work Package Prompt: $1 – $3

Create \`$5\`.

## Activity Log

- 2026-01-01T00:00:00Z – system – lane=planned – Prompt created.
MD
}
mkwp WP01 core Core T001 src/core.sh FR-001
mkwp WP02 left Left T002 src/left.sh FR-002
mkwp WP03 right Right T003 src/right.sh FR-003
mkwp WP04 integration Integration T004 src/main.sh FR-004
git add -A kitty-specs; git commit -qm "plan + tasks: $FEATURE"

log "spec-kitty agent feature finalize-tasks"
OUT=$(spec-kitty agent feature finalize-tasks --feature "$FEATURE" --json 2>/dev/null | grep '^{' | tail -1)
echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert "error" not in d, d; print("[make_mission_v1] finalize:", d.get("result"), d.get("dependencies_parsed"), file=sys.stderr)'
git status --short >&2
echo "FEATURE=$FEATURE"
