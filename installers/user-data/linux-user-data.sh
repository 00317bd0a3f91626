#!/bin/sh
# First-boot bootstrap of a Linux node, as cloud-init user data (any "#!" user data runs as root
# once, on the first boot) or run by hand. A compute-environment provider replaces the three
# __BATCH_...__ placeholders (values must not contain a single quote) and passes the result as
# the instance's user data.
#
# On an image baked with the agent (/batch/batch-agent present) it only writes the node's
# configuration and starts the service. On a plain image it first downloads a release tarball
# (batch-agent + installers/, from BATCH_AGENT_RELEASE_URL) and installs it.
set -eu

BATCH_CONTROLLER_URL='__BATCH_CONTROLLER_URL__'
BATCH_REGISTRATION_TOKEN='__BATCH_REGISTRATION_TOKEN__'
BATCH_NODE_LABELS='__BATCH_NODE_LABELS__'
# only needed on an image without the agent: a .tar.gz holding batch-agent and the installers
BATCH_AGENT_RELEASE_URL=${BATCH_AGENT_RELEASE_URL:-}

prefix=${BATCH_PREFIX:-/batch}
root=${DESTDIR:-}
log=$root/var/log/batch-agent-bootstrap.log
mkdir -p "$(dirname "$log")"
exec >>"$log" 2>&1
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) batch-agent bootstrap: controller $BATCH_CONTROLLER_URL, labels ${BATCH_NODE_LABELS:-none}"

placeholder=__BATCH_
for value in "$BATCH_CONTROLLER_URL" "$BATCH_REGISTRATION_TOKEN"; do
  case $value in "$placeholder"*) echo "bootstrap: a placeholder was not filled in: $value"; exit 1 ;; esac
done
case $BATCH_NODE_LABELS in "$placeholder"*) BATCH_NODE_LABELS= ;; esac

installer=$root$prefix/install-linux.sh
set --
if [ ! -x "$root$prefix/batch-agent" ] || [ ! -x "$installer" ]; then
  [ -n "$BATCH_AGENT_RELEASE_URL" ] || { echo "bootstrap: $prefix/batch-agent is not in this image and BATCH_AGENT_RELEASE_URL is not set"; exit 1; }
  release=$(mktemp -d)
  echo "bootstrap: downloading $BATCH_AGENT_RELEASE_URL"
  if command -v curl >/dev/null; then curl -fsSL --retry 5 "$BATCH_AGENT_RELEASE_URL" -o "$release/agent.tar.gz"
  else wget -q -O "$release/agent.tar.gz" "$BATCH_AGENT_RELEASE_URL"; fi
  tar -xzf "$release/agent.tar.gz" -C "$release"
  installer=$(find "$release" -name install-linux.sh | head -n 1)
  [ -n "$installer" ] || { echo "bootstrap: the release holds no install-linux.sh"; exit 1; }
  binary=$(find "$release" -name batch-agent -type f | head -n 1)
  [ -n "$binary" ] && set -- --binary "$binary"
fi

set -- "$@" --controller-url "$BATCH_CONTROLLER_URL" --registration-token "$BATCH_REGISTRATION_TOKEN"
[ -z "$BATCH_NODE_LABELS" ] || set -- "$@" --labels "$BATCH_NODE_LABELS"
DESTDIR=$root BATCH_PREFIX=$prefix sh "$installer" "$@"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) batch-agent bootstrap: done; the agent's log is $prefix/logs/agent.log"
