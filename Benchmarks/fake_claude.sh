#!/bin/sh
# fake_claude.sh: a stand-in for `claude` that bench-orchestrate.sh puts first on PATH (as `claude`) for
# spec-kitty-orchestrator 0.1.2, whose default agent is claude-code. It plays git-kitty's script agent:
# the prompt (the WP file, on stdin) carries ```sh kitty-implement``` and ```sh kitty-review``` blocks;
# the implementation role runs the first and commits what it wrote (spec-kitty-orchestrator commits
# nothing itself), the review role runs the second and exits with its status (exit 0 = approved, which
# is all the reference orchestrator looks at). The reference passes `--allowedTools` without Write for
# reviews only.
case " $* " in *" --version "*) echo "0.0.0 (git-kitty bench fake claude)"; exit 0 ;; esac
role=implement
prev=
for arg in "$@"; do
  if [ "$prev" = "--allowedTools" ]; then
    case $arg in *Write*) ;; *) role=review ;; esac
  fi
  prev=$arg
done
prompt=$(cat)
block=$(printf '%s\n' "$prompt" | awk -v tag="kitty-$role" '
  $0 == "```sh " tag { on = 1; next }
  on && $0 == "```" { exit }
  on { print }')
if [ -z "$block" ]; then
  echo "fake claude: no sh kitty-$role block in the prompt" >&2
  exit 1
fi
sh -c "$block" || exit $?
if [ "$role" = implement ]; then
  wp=$(printf '%s\n' "$prompt" | sed -n 's/^work_package_id: *"\{0,1\}\([A-Za-z0-9]*\)"\{0,1\} *$/\1/p' | head -n 1)
  git add -A && git -c commit.gpgsign=false commit -q -m "feat(${wp:-WP}): fake claude implementation" || exit 1
fi
echo '{"result": "ok"}'
