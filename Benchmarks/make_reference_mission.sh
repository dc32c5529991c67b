#!/usr/bin/env bash
# make_reference_mission.sh <new-repo-dir> <spec-kitty-venv>
#
# Used by bench-orchestrate.sh when BENCH_REFERENCE=1. Creates a git repository holding a 3-WP
# spec-kitty 3.2.7 mission made with the real spec-kitty CLI only (init + orchestrator-api
# specify/plan/tasks, after ../shared/tools/make_spec_kitty_mission.sh), shaped like the one the
# reference-orchestrator runs used: WP01 and WP02 independent, WP03 after both. Each WP owns
# out/wpNN.txt and carries ```sh kitty-implement``` (write that file) and ```sh kitty-review```
# (approve) blocks, so git-kitty's script agent and the bench's fake `claude` (which runs the same
# blocks for spec-kitty-orchestrator) do the same work. No `subtasks:` in the frontmatter: the
# for_review subtask guard is then vacuously satisfied (git-kitty never forces it).
# The mission targets branch `develop`. Prints the mission slug on the last line of stdout.
set -euo pipefail

DIR=${1:?usage: make_reference_mission.sh <new-repo-dir> <spec-kitty-venv>}
SK_VENV=${2:?usage: make_reference_mission.sh <new-repo-dir> <spec-kitty-venv>}
export PATH="$SK_VENV/bin:$PATH"
export SPEC_KITTY_NO_UPGRADE_CHECK=1 SPEC_KITTY_ENABLE_SAAS_SYNC=0
SK=spec-kitty
POLICY='{"orchestrator_id":"git-kitty-bench","orchestrator_version":"0.1.0","agent_family":"claude","approval_mode":"full_auto","sandbox_mode":"workspace_write","network_mode":"none","dangerous_flags":[]}'

jget() {
  python3 -c 'import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k]
print(v)' "$1"
}
expect() { # expect <json-path> <value> <output>
  if [ "$(printf '%s' "$3" | jget "$1" 2>/dev/null)" != "$2" ]; then
    echo "make_reference_mission: unexpected spec-kitty output (want $1 = $2):" >&2
    printf '%s\n' "$3" >&2
    exit 1
  fi
}

[ -e "$DIR" ] && { echo "make_reference_mission: $DIR already exists" >&2; exit 2; }
mkdir -p "$DIR"
cd "$DIR"
git init -q -b main
git config user.email "bench@git-kitty.invalid"
git config user.name "git-kitty bench"
git config commit.gpgsign false
echo "# reference bench" > README.md
git add README.md
git commit -qm "initial commit"
$SK init --ai claude --non-interactive >/dev/null 2>&1
git add -A
git commit -qm "chore: spec-kitty init"
git checkout -q -b develop

OUT=$($SK orchestrator-api specify --mission ref-bench --mission-type software-dev --topology lanes --policy "$POLICY")
expect success True "$OUT"
MISSION=$(printf '%s' "$OUT" | jget data.mission_slug)
D=kitty-specs/$MISSION

cat > "$D/spec.md" <<'EOF'
# Mission Specification: Reference Bench

**Created**: 2026-01-01
**Status**: Draft

## User Scenarios & Testing *(mandatory)*

### User Story 1 - Files (Priority: P1)

A user finds three files written by agents.

## Requirements *(mandatory)*

### Functional Requirements

| ID | Title | Description | Priority | Status |
|----|-------|-------------|----------|--------|
| FR-001 | First | Write out/wp01.txt. | High | Open |
| FR-002 | Second | Write out/wp02.txt. | High | Open |
| FR-003 | Third | Write out/wp03.txt after the other two. | Medium | Open |

## Success Criteria *(mandatory)*

- The three files exist.
EOF
git add "$D"
git commit -qm "spec: $MISSION"

OUT=$($SK orchestrator-api plan --mission "$MISSION" --policy "$POLICY")
expect data.result success "$OUT"

cat > "$D/plan.md" <<'EOF'
# Implementation Plan: Reference Bench

## Summary

Three work packages, each writing one file.

## Technical Context

**Language/Version**: POSIX sh
**Primary Dependencies**: none
**Storage**: files
**Testing**: none
**Target Platform**: Linux
**Project Type**: single
**Performance Goals**: instant
**Constraints**: none
**Scale/Scope**: three files

## Project Structure

Files live in `out/`.
EOF

{
  echo "# Work Packages: Reference Bench"
  for n in 1 2 3; do
    deps="- None (starting package)."
    [ $n -eq 3 ] && deps="- Depends on WP01, WP02."
    cat <<EOF

## Work Package WP0$n: Part $n (Priority: P$n)

**Goal**: Write out/wp0$n.txt.
**Prompt**: \`/tasks/WP0$n-part-$n.md\`
**Requirement Refs**: FR-00$n

### Included Subtasks

T00$n Create out/wp0$n.txt

### Dependencies

$deps
EOF
  done
} > "$D/tasks.md"

for n in 1 2 3; do
  deps='[]'
  [ $n -eq 3 ] && deps='["WP01", "WP02"]'
  cat > "$D/tasks/WP0$n-part-$n.md" <<EOF
---
work_package_id: "WP0$n"
title: "Part $n"
dependencies: $deps
requirement_refs:
  - "FR-00$n"
execution_mode: "code_change"
owned_files:
  - "out/wp0$n.txt"
authoritative_surface: "out/wp0$n.txt"
create_intent:
  - "out/wp0$n.txt"
history:
  - at: "2026-01-01T00:00:00Z"
    actor: "system"
    action: "Prompt generated"
---

# Work Package Prompt: WP0$n – Part $n

## Objectives & Success Criteria

Create \`out/wp0$n.txt\`.

\`\`\`sh kitty-implement
mkdir -p out && echo WP0$n > out/wp0$n.txt
\`\`\`

\`\`\`sh kitty-review
true
\`\`\`

## Activity Log

- 2026-01-01T00:00:00Z – system – Prompt created.
EOF
done
git add -A kitty-specs
git commit -qm "plan + tasks: $MISSION"

OUT=$($SK orchestrator-api tasks --mission "$MISSION" --policy "$POLICY")
expect data.result success "$OUT"
echo "$MISSION"
