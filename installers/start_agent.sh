#!/bin/sh
# Starts batch-agent from the folder this script is in (/batch/ on a baked image).
#
# Configuration, in this order of precedence:
#   1. BATCH_* variables already set (non-empty) in the environment;
#   2. agent.conf next to this script (or the file named by BATCH_AGENT_CONF): KEY=value lines,
#      no quotes, no spaces around "=", "#" starts a comment line; only BATCH_* keys are read;
#   3. defaults: BATCH_AGENT_DIR=<this folder>/data.
# `batch-agent --help` lists every variable.
#
# Everything goes to a log a human can read when the node never shows up in `batchctl nodes`:
# <this folder>/logs/agent.log (BATCH_AGENT_LOG; "-" keeps stdout/stderr). Each start writes a
# header with the configuration it resolved (never the token itself), then the agent's own lines.
set -u

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
agent=$here/batch-agent
conf=${BATCH_AGENT_CONF:-$here/agent.conf}
cr=$(printf '\r')

conf_state=missing
if [ -f "$conf" ]; then
  conf_state='read'
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%"$cr"}
    case $line in '' | '#'*) continue ;; esac
    key=${line%%=*}
    value=${line#*=}
    case $key in
      "$line" | *[!A-Z0-9_]* | BATCH_) conf_state="read, with lines ignored" ; continue ;;
      BATCH_*) ;;
      *) conf_state="read, with lines ignored" ; continue ;;
    esac
    # the environment wins; the key is [A-Z0-9_]+ by now, so eval only ever sees a name
    eval "current=\${$key:-}"
    [ -n "$current" ] || export "$key=$value"
  done <"$conf"
fi
export BATCH_AGENT_DIR="${BATCH_AGENT_DIR:-$here/data}"
log=${BATCH_AGENT_LOG:-$here/logs/agent.log}

if [ "$log" != "-" ]; then
  mkdir -p "$(dirname -- "$log")"
  # keep one previous log, rotated at start once it passes 10 MiB
  if [ -f "$log" ] && [ "$(wc -c <"$log")" -gt 10485760 ]; then mv -f "$log" "$log.1"; fi
  exec >>"$log" 2>&1
fi

say() { printf '%s start_agent.sh: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

say "starting $agent"
say "config file $conf: $conf_state"
say "controller: ${BATCH_CONTROLLER_URL:-NOT SET (set BATCH_CONTROLLER_URL in agent.conf)}"
if [ -f "$BATCH_AGENT_DIR/node.json" ]; then
  say "node credential: $BATCH_AGENT_DIR/node.json (this node registered before)"
elif [ -n "${BATCH_REGISTRATION_TOKEN:-}" ]; then
  say "node credential: none yet; registering with the registration token (not shown)"
elif [ -n "${BATCH_REGISTRATION_TOKEN_FILE:-}" ] && [ -f "$BATCH_REGISTRATION_TOKEN_FILE" ]; then
  say "node credential: none yet; registering with the token in $BATCH_REGISTRATION_TOKEN_FILE (removed once used)"
else
  say "node credential: none, and no BATCH_REGISTRATION_TOKEN or BATCH_REGISTRATION_TOKEN_FILE: the agent cannot register"
fi
say "agent dir: $BATCH_AGENT_DIR; labels: ${BATCH_NODE_LABELS:-none}; name: ${BATCH_NODE_NAME:-$(hostname 2>/dev/null || echo '(hostname)')}"

if [ ! -x "$agent" ]; then
  say "cannot start: $agent is missing or not executable"
  exit 1
fi
say "$("$agent" --version 2>&1 || echo "$agent --version failed")"
say "exit codes: 0 stopped, 1 internal error, 2 bad configuration, 3 refused by the controller"
exec "$agent"
