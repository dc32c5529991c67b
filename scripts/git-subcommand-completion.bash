
# `git kitty <TAB>`: git's bash completion loads this file for the git-kitty command and calls _git_kitty.
# Hand git-kitty's completion the words after `git`, as if `git-kitty` had been typed (same line length).
_git_kitty() {
  local COMP_WORDS=(git-kitty "${COMP_WORDS[@]:2}") COMP_CWORD=$((COMP_CWORD - 1))
  local COMP_LINE="${COMP_LINE/git kitty/git-kitty}"
  _git-kitty git-kitty "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
}
