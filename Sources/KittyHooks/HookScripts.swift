/// The hook scripts of `hooks/` at the repository root, embedded so an installed binary can install them.
/// `HookScriptsTests` fails when these drift from the files.
public enum HookScripts {
  public static let names = ["post-commit", "pre-commit", "pre-push", "reference-transaction"]

  public static func template(_ name: String) -> String? {
    switch name {
    case "post-commit": return postCommit
    case "pre-commit": return preCommit
    case "pre-push": return prePush
    case "reference-transaction": return referenceTransaction
    default: return nil
    }
  }

  static let postCommit = #"""
    #!/bin/sh
    # >>> git-kitty hook v1 >>>
    # A commit in a lane worktree whose message carries "Kitty-Transition: for_review" (or any commit when
    # `git config kitty.autoReview true`) moves that lane's in-progress WP to for_review. The work happens in a
    # detached background process; this hook never slows down or breaks the commit. Plain sh: the message is read
    # from the worktree's COMMIT_EDITMSG (git-kitty checks the commit itself before it moves anything).
    case "$PWD" in
    */.worktrees/*)
      kitty_gitdir=${GIT_DIR:-.git}
      [ -f "$kitty_gitdir" ] && read -r kitty_x kitty_gitdir <"$kitty_gitdir"
      kitty_go=
      if [ -f "$kitty_gitdir/COMMIT_EDITMSG" ]; then
        while IFS= read -r kitty_line || [ -n "$kitty_line" ]; do
          case $kitty_line in [Kk]itty-[Tt]ransition:*for_review*) kitty_go=1 ;; esac
        done <"$kitty_gitdir/COMMIT_EDITMSG"
      fi
      [ -n "$kitty_go" ] || [ "$(git config --bool kitty.autoReview 2>/dev/null)" != true ] || kitty_go=1
      if [ -n "$kitty_go" ] && command -v git-kitty >/dev/null 2>&1; then
        # Started a moment later, so that its start-up does not compete with the end of this commit.
        (sleep 0.2 2>/dev/null || sleep 1; exec git-kitty hook post-commit) </dev/null >/dev/null 2>&1 &
      fi
      ;;
    esac
    if [ -x "$0.pre-kitty" ]; then "$0.pre-kitty" "$@" || true; fi
    # <<< git-kitty hook <<<
    exit 0
    """# + "\n"

  static let preCommit = #"""
    #!/bin/sh
    # >>> git-kitty hook v1 >>>
    # In a repository managed by git-kitty (it has .kittify/): no commit on a protected branch, and no commit of a
    # mission's status files from a lane worktree (the host owns them). Plain sh: git's files are read directly, and
    # git itself runs only in lane worktrees.
    KITTY_PROTECTED="@PROTECTED@"
    if [ "${KITTY_ALLOW_PROTECTED:-}" != 1 ]; then
      kitty_gitdir=${GIT_DIR:-.git}
      [ -f "$kitty_gitdir" ] && read -r kitty_x kitty_gitdir <"$kitty_gitdir"
      kitty_common=$kitty_gitdir
      if [ -f "$kitty_gitdir/commondir" ]; then
        read -r kitty_common <"$kitty_gitdir/commondir"
        case $kitty_common in /*) ;; *) kitty_common="$kitty_gitdir/$kitty_common" ;; esac
      fi
      if [ -d "$kitty_common/../.kittify" ]; then
        kitty_head=
        [ -f "$kitty_gitdir/HEAD" ] && read -r kitty_head <"$kitty_gitdir/HEAD"
        kitty_branch=${kitty_head#ref: refs/heads/}
        for kitty_p in $KITTY_PROTECTED; do
          if [ "$kitty_branch" = "$kitty_p" ]; then
            echo "git-kitty: refusing to commit on protected branch $kitty_branch. Start a feature branch: git switch -c feature/<name> (or set KITTY_ALLOW_PROTECTED=1)." >&2
            exit 1
          fi
        done
        case "$PWD" in
        */.worktrees/*)
          git diff-index --cached --quiet HEAD -- 'kitty-specs/*/status.events.jsonl' 'kitty-specs/*/status.json' 2>/dev/null
          if [ $? = 1 ]; then
            echo "git-kitty: a lane worktree must not commit kitty-specs/*/status.events.jsonl or status.json; git kitty records progress. Unstage them: git restore --staged kitty-specs" >&2
            exit 1
          fi
          ;;
        esac
      fi
    fi
    if [ -x "$0.pre-kitty" ]; then "$0.pre-kitty" "$@" || exit $?; fi
    # <<< git-kitty hook <<<
    exit 0
    """# + "\n"

  static let prePush = #"""
    #!/bin/sh
    # >>> git-kitty hook v1 >>>
    # From a lane worktree, refuses to push to a protected branch of the remote.
    KITTY_PROTECTED="@PROTECTED@"
    kitty_input=$(cat)
    case "$(pwd -P)" in
    */.worktrees/*)
      if [ "${KITTY_ALLOW_PROTECTED:-}" != 1 ]; then
        while read -r kitty_local kitty_lsha kitty_remote kitty_rsha; do
          kitty_name=${kitty_remote#refs/heads/}
          for kitty_p in $KITTY_PROTECTED; do
            if [ -n "$kitty_name" ] && [ "$kitty_name" = "$kitty_p" ]; then
              echo "git-kitty: refusing to push to protected branch $kitty_name of $1 from a lane worktree." >&2
              exit 1
            fi
          done
        done <<KITTY_EOF
    $kitty_input
    KITTY_EOF
      fi
      ;;
    esac
    if [ -x "$0.pre-kitty" ]; then printf '%s\n' "$kitty_input" | "$0.pre-kitty" "$@" || exit $?; fi
    # <<< git-kitty hook <<<
    exit 0
    """# + "\n"

  static let referenceTransaction = #"""
    #!/bin/sh
    # >>> git-kitty hook v1 >>>
    # Refuses, in the "prepared" state, any update of a protected branch unless KITTY_ALLOW_PROTECTED=1; a write of
    # the value a ref already has passes. Plain sh: git-kitty is never started, git only for a protected ref.
    KITTY_PROTECTED="@PROTECTED@"
    if [ "$1" = prepared ] && [ "${KITTY_ALLOW_PROTECTED:-}" != 1 ]; then
      kitty_input=
      kitty_refused=
      while read -r kitty_old kitty_new kitty_ref; do
        kitty_input="$kitty_input$kitty_old $kitty_new $kitty_ref
    "
        [ "$kitty_old" = "$kitty_new" ] && continue
        case "$kitty_ref" in refs/heads/*) kitty_name=${kitty_ref#refs/heads/} ;; *) continue ;; esac
        for kitty_p in $KITTY_PROTECTED; do
          [ "$kitty_name" = "$kitty_p" ] || continue
          # git reports an unknown old value as zeros: compare with the ref's current value.
          [ "$(git rev-parse -q --verify "$kitty_ref" 2>/dev/null)" = "$kitty_new" ] && continue
          kitty_refused="$kitty_refused $kitty_name"
        done
      done
      if [ -n "$kitty_refused" ]; then
        echo "git-kitty: refusing to update protected branch(es):$kitty_refused. Work on a feature branch, or set KITTY_ALLOW_PROTECTED=1 for this command." >&2
        exit 1
      fi
      # A hook that was here before git-kitty runs too.
      if [ -x "$0.pre-kitty" ]; then printf '%s' "$kitty_input" | "$0.pre-kitty" "$@" || exit $?; fi
      exit 0
    fi
    if [ -x "$0.pre-kitty" ]; then "$0.pre-kitty" "$@" || exit $?; fi
    # <<< git-kitty hook <<<
    exit 0
    """# + "\n"
}
