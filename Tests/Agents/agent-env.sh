#!/usr/bin/env bash
# The environment that points the real Claude Code and Codex CLIs at model_server.py on 127.0.0.1:PORT,
# with private config homes under STATE_DIR so nothing from the machine's ~/.claude or ~/.codex leaks in.
#
#   source Tests/Agents/agent-env.sh PORT STATE_DIR   # exports into this shell
#   Tests/Agents/agent-env.sh PORT STATE_DIR          # prints `export K=V` lines (for eval or a harness)
#
# KITTY_AGENT_MAX_RETRIES (default 0) sets both CLIs' HTTP retries: 0 makes a scripted 401/429/500 fail in
# about a second instead of minutes of back-off; "default" leaves each CLI's own retry policy.
# Keep STATE_DIR out of /tmp: Codex refuses to make its PATH helpers under /tmp (a harmless stderr warning).
_kitty_agent_env() {
  local port="$1" state="$2" retries="${KITTY_AGENT_MAX_RETRIES:-0}"
  if [ -z "$port" ] || [ -z "$state" ]; then
    echo "usage: agent-env.sh PORT STATE_DIR" >&2
    return 2
  fi
  mkdir -p "$state/claude" "$state/codex" || return 1
  state="$(cd "$state" && pwd)"
  local cache="${KITTY_AGENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/git-kitty/agents}"

  # Codex reads a custom provider from config.toml only (there is no base-URL variable for it).
  # model must be one Codex knows ("gpt-5.5"): an unknown name makes it warn and withhold apply_patch.
  {
    echo 'model = "gpt-5.5"'
    echo 'model_provider = "local"'
    echo 'check_for_update_on_startup = false'
    echo
    echo '[analytics]'
    echo 'enabled = false'
    echo
    echo '[model_providers.local]'
    echo 'name = "local"'
    echo "base_url = \"http://127.0.0.1:$port/v1\""
    echo 'env_key = "KITTY_MODEL_API_KEY"'
    echo 'wire_api = "responses"'
    if [ "$retries" != default ]; then
      echo "request_max_retries = $retries"
      echo "stream_max_retries = $retries"
    fi
  } >"$state/codex/config.toml"

  local vars=(
    "PATH=$cache/bin:$PATH"
    "CLAUDE_CONFIG_DIR=$state/claude"
    "ANTHROPIC_BASE_URL=http://127.0.0.1:$port"
    "ANTHROPIC_API_KEY=sk-ant-kitty-offline"
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"
    "DISABLE_AUTOUPDATER=1"
    "DISABLE_TELEMETRY=1"
    "DISABLE_ERROR_REPORTING=1"
    "CODEX_HOME=$state/codex"
    "KITTY_MODEL_API_KEY=sk-kitty-offline"
  )
  [ "$retries" = default ] || vars+=("CLAUDE_CODE_MAX_RETRIES=$retries")
  local v
  for v in "${vars[@]}"; do
    if [ "${_kitty_sourced:-0}" = 1 ]; then export "${v?}"; else printf 'export %s=%q\n' "${v%%=*}" "${v#*=}"; fi
  done
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  _kitty_sourced=1 _kitty_agent_env "$@"
  unset -f _kitty_agent_env
else
  _kitty_agent_env "$@"
fi
