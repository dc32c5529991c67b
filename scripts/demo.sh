#!/usr/bin/env bash
# make demo: a throw-away repository with a 6-WP mission, driven end to end by `git kitty orchestrate`
# with the built-in script agent (no AI needed). One WP fails review once and is reworked.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${GIT_KITTY_BIN:-$REPO_ROOT/.build/debug/git-kitty}
DEMO=${DEMO_DIR:-$REPO_ROOT/demo}
[ -x "$BIN" ] || { echo "demo: $BIN is missing; run make build first" >&2; exit 1; }
export PATH="$(dirname "$BIN"):$PATH"

say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

rm -rf "$DEMO"
mkdir -p "$DEMO"
cd "$DEMO"
git init -q -b main
git config user.name "git-kitty demo"
git config user.email "demo@git-kitty.invalid"
git config commit.gpgsign false
printf '# greeter\n\nA tiny shell project built by agents.\n' > README.md
git add README.md && git commit -qm "initial commit"

say "a feature branch (git-kitty never commits to main)"
git switch -q -c feature/greeter
git kitty init
git add -A && git commit -qm "chore: git kitty init"

say "git kitty mission new greeter"
SLUG=$(git kitty mission new greeter)
TASKS="kitty-specs/$SLUG/tasks"

wp() { # wp <id> <title> <deps> <file> <implement> <review>
  cat > "$TASKS/$1-$(echo "$2" | tr 'A-Z ' 'a-z-').md" <<WP
---
work_package_id: $1
title: $2
dependencies: [$3]
subtasks: []
execution_mode: code_change
owned_files:
- $4
---

# $1 – $2

Create \`$4\`.

\`\`\`sh kitty-implement
$5
\`\`\`

\`\`\`sh kitty-review
$6
\`\`\`
WP
}

wp WP01 "Core" "" src/core.sh \
  'mkdir -p src && printf "greet() { printf \"%%s\\\\n\" \"\$*\"; }\n" > src/core.sh' \
  'sh -n src/core.sh && grep -q greet src/core.sh'
wp WP02 "English" "WP01" src/en.sh \
  'mkdir -p src && printf ". ./src/core.sh\ngreet Hello\n" > src/en.sh' \
  'sh src/en.sh | grep -q Hello'
# WP03 fails its first review: the reviewer wants the name quoted, the rework (with feedback) quotes it.
wp WP03 "French" "WP01" src/fr.sh \
  'mkdir -p src; if [ -n "$KITTY_REVIEW_FEEDBACK" ]; then printf ". ./src/core.sh\ngreet \"Bonjour\"\n" > src/fr.sh; else printf ". ./src/core.sh\ngreet Bonjour\n" > src/fr.sh; fi' \
  'grep -q "\"Bonjour\"" src/fr.sh || { echo "quote the greeting: greet \"Bonjour\""; exit 1; }'
wp WP04 "English test" "WP02" tests/en.sh \
  'mkdir -p tests && printf "sh src/en.sh | grep -q Hello\n" > tests/en.sh' \
  'sh tests/en.sh'
wp WP05 "French test" "WP03" tests/fr.sh \
  'mkdir -p tests && printf "sh src/fr.sh | grep -q Bonjour\n" > tests/fr.sh' \
  'sh tests/fr.sh'
wp WP06 "Runner" "WP04, WP05" run-tests.sh \
  'printf "set -e\nfor t in tests/*.sh; do sh \"\$t\"; done\necho all greetings pass\n" > run-tests.sh' \
  'sh run-tests.sh'

git add -A && git commit -qm "docs: greeter work packages"

say "git kitty mission finalize $SLUG"
git kitty mission finalize "$SLUG"

say "git kitty orchestrate --mission $SLUG --impl-agent script --review-agent script --merge"
git kitty orchestrate --mission "$SLUG" --impl-agent script --review-agent script --max-concurrent 2 --merge

say "the merged result on feature/greeter"
git log --oneline --graph -n 12
echo
sh run-tests.sh
echo
git worktree list
git branch

say "git kitty status"
git kitty status

say "the live board of this mission"
echo "  cd $DEMO && $BIN dashboard --open      (git kitty dashboard --open, once installed)" >&2
echo "  (prints a URL with a token; add --allow-actions to approve, request changes, abort or resume from the page)" >&2
