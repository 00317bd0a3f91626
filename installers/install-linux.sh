#!/bin/sh
# Installs batch-agent on a Linux host: the /batch/ folder of a private image and a systemd unit
# that starts the agent at boot and restarts it when it fails. Idempotent: run it again to
# upgrade the binary or change the configuration.
#
#   install-linux.sh [--binary PATH] [--controller-url URL] [--registration-token TOKEN]
#                    [--labels k=v,...] [--name NAME] [--no-start]
#   install-linux.sh --uninstall [--purge]
#   install-linux.sh --check
#
# The binary defaults to ./batch-agent next to this script, then dist/agent/linux-x64/batch-agent
# of a repository checkout. Settings given as flags are written to /batch/agent.conf (0600), the
# registration token to /batch/registration-token (0600; the agent deletes it once used);
# settings not given keep their value. --no-start installs without starting
# (baking an image: the node registers when an instance of the image boots). --uninstall stops
# and removes the service and the program; --purge also removes agent.conf, logs and data.
# --check tells whether /batch/ is ready to snapshot.
#
# Environment: DESTDIR installs under another root and never calls systemctl (packaging, tests);
# BATCH_PREFIX is the folder (default /batch).
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
prefix=${BATCH_PREFIX:-/batch}
root=${DESTDIR:-}
dir=$root$prefix
unit=$root/etc/systemd/system/batch-agent.service

binary=
action=install
start=yes
purge=no
settings=

usage() { sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
fail() { echo "install-linux.sh: $*" >&2; exit 1; }
setting() {
  case $2 in *"
"*) fail "$1 must be one line" ;; esac
  settings="$settings$1=$2
"
}

while [ $# -gt 0 ]; do
  case $1 in
    --binary) [ $# -ge 2 ] || fail "$1 needs a value"; binary=$2; shift ;;
    --controller-url) [ $# -ge 2 ] || fail "$1 needs a value"; setting BATCH_CONTROLLER_URL "$2"; shift ;;
    --registration-token) [ $# -ge 2 ] || fail "$1 needs a value"; token=$2; shift ;;
    --labels) [ $# -ge 2 ] || fail "$1 needs a value"; setting BATCH_NODE_LABELS "$2"; shift ;;
    --name) [ $# -ge 2 ] || fail "$1 needs a value"; setting BATCH_NODE_NAME "$2"; shift ;;
    --no-start) start=no ;;
    --uninstall) action=uninstall ;;
    --purge) purge=yes ;;
    --check) action=check ;;
    -h | --help) usage; exit 0 ;;
    *) fail "unknown argument $1 (--help lists them)" ;;
  esac
  shift
done

# systemctl only on a live system booted with systemd, never under DESTDIR
with_systemd() { [ -z "$root" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; }

# set_conf FILE: applies $settings to FILE, keeping its other lines and their order.
set_conf() {
  conf=$1
  [ -f "$conf" ] || printf '%s\n' "# batch-agent configuration, read by start_agent.sh: KEY=value, no quotes." \
    "# Every key: $prefix/batch-agent --help. Variables set in the environment win." >"$conf"
  chmod 0600 "$conf"
  [ -n "$settings" ] || return 0
  printf '%s' "$settings" | while IFS= read -r line; do
    key=${line%%=*}
    tmp=$conf.tmp
    grep -v "^$key=" "$conf" >"$tmp" || true
    printf '%s\n' "$line" >>"$tmp"
    chmod 0600 "$tmp"
    mv -f "$tmp" "$conf"
  done
}

# copy SRC DEST MODE: only when the content differs; prints "changed" when it copied.
copy() {
  if [ -f "$2" ] && cmp -s "$1" "$2"; then chmod "$3" "$2"; return 0; fi
  cp "$1" "$2.new"
  chmod "$3" "$2.new"
  mv -f "$2.new" "$2"
  echo changed
}

install_agent() {
  if [ -z "$binary" ]; then
    for candidate in "$here/batch-agent" "$here/../dist/agent/linux-x64/batch-agent"; do
      [ -f "$candidate" ] && { binary=$candidate; break; }
    done
  fi
  if [ -z "$binary" ] || [ ! -f "$binary" ]; then
    fail "no batch-agent binary: give --binary PATH (build it with \`make agent\`)"
  fi
  for file in start_agent.sh batch-agent.service; do
    [ -f "$here/$file" ] || fail "$here/$file is missing: run this script from the installers/ folder or a release"
  done

  mkdir -p "$dir" "$dir/logs" "$(dirname "$unit")"
  chmod 0755 "$dir"
  changed=
  [ "$(realpath "$binary")" = "$(realpath -m "$dir/batch-agent")" ] || changed=$changed$(copy "$binary" "$dir/batch-agent" 0755)
  [ "$here" = "$(realpath -m "$dir")" ] || {
    changed=$changed$(copy "$here/start_agent.sh" "$dir/start_agent.sh" 0755)
    copy "$0" "$dir/install-linux.sh" 0755 >/dev/null
    copy "$here/batch-agent.service" "$dir/batch-agent.service" 0644 >/dev/null
  }
  # The registration token goes to a file of its own (0600), never to agent.conf or the
  # environment: the agent reads it, exchanges it for the node's credential and deletes it.
  if [ -n "${token:-}" ]; then
    (umask 077 && printf '%s\n' "$token" >"$dir/registration-token")
    setting BATCH_REGISTRATION_TOKEN_FILE "$prefix/registration-token"
  fi
  set_conf "$dir/agent.conf"

  sed "s#@PREFIX@#$prefix#g" "$here/batch-agent.service" >"$unit.rendered"
  changed=$changed$(copy "$unit.rendered" "$unit" 0644)
  rm -f "$unit.rendered"
  echo "installed $("$dir/batch-agent" --version 2>/dev/null || echo batch-agent) in $dir, unit $unit"

  if ! with_systemd; then
    [ -n "$root" ] || echo "systemd is not running here: start the agent with $prefix/start_agent.sh"
    return 0
  fi
  systemctl daemon-reload
  systemctl enable batch-agent.service >/dev/null
  if [ "$start" = yes ]; then
    # a restart only when something changed: running instances die with the agent (see the unit)
    if [ -n "$changed$settings" ] || ! systemctl is-active --quiet batch-agent.service; then
      systemctl restart batch-agent.service
      echo "batch-agent.service (re)started; its log: $prefix/logs/agent.log"
    fi
  else
    echo "batch-agent.service enabled, not started (--no-start): it starts at the next boot"
  fi
}

uninstall_agent() {
  if with_systemd; then
    systemctl disable --now batch-agent.service >/dev/null 2>&1 || true
  fi
  rm -f "$unit"
  with_systemd && systemctl daemon-reload
  rm -f "$dir/batch-agent" "$dir/start_agent.sh" "$dir/install-linux.sh" "$dir/batch-agent.service"
  if [ "$purge" = yes ]; then
    rm -rf "$dir/agent.conf" "$dir/registration-token" "$dir/logs" "$dir/data"
    rmdir "$dir" 2>/dev/null || true
    echo "removed batch-agent, its unit, configuration, logs and data"
  else
    echo "removed batch-agent and its unit; kept $dir/agent.conf, logs/ and data/ (--purge removes them)"
  fi
}

# What the seed checks in a private image, plus what must not be baked into one.
check_image() {
  ok=yes
  for file in batch-agent start_agent.sh; do
    if [ -x "$dir/$file" ]; then echo "ok: $dir/$file"; else echo "MISSING: $dir/$file"; ok=no; fi
  done
  if [ -f "$unit" ]; then echo "ok: $unit"; else echo "MISSING: $unit"; ok=no; fi
  if [ -f "$dir/data/node.json" ]; then
    echo "REMOVE BEFORE SNAPSHOT: $dir/data/node.json is this host's node credential; every host booted from the image would share it"
    ok=no
  fi
  [ "$ok" = yes ] && echo "$dir is ready to snapshot" || return 1
}

case $action in
  install) install_agent ;;
  uninstall) uninstall_agent ;;
  check) check_image ;;
esac
