#!/bin/sh
# A `command` provider program whose "hosts" are Linux namespaces on this machine: each host is
# the compiled batch-agent booted through its rendered user data in its own PID, mount and UTS
# namespaces, with its own hostname (the node's name) and its own /batch laid out as in an image.
# It shares this machine's network, so it reaches a controller on loopback. Made to try and test
# the provider machinery end to end with real hosts and no cloud; docs/providers.md has the
# contract every provider program follows.
#
#   namespace-host.sh [--state-dir DIR] [--agent PATH] [--installers DIR] [--stop-grace SECONDS]
#
# The request comes as one JSON document on stdin (`action` create, delete or list) and the
# answer goes to stdout as JSON. The controller passes no environment but PATH, HOME and the
# locale, so the settings come as arguments (the environment's `command` argv); the variables in
# brackets are read too, for use by hand:
#
#   --state-dir   one directory per host [BATCH_NAMESPACE_HOSTS_DIR, /var/lib/batch-namespace-hosts]
#   --agent       the compiled Linux batch-agent [BATCH_NAMESPACE_AGENT, /batch/batch-agent]
#   --installers  the folder with start_agent.sh, install-linux.sh and batch-agent.service
#                 [BATCH_NAMESPACE_INSTALLERS, the installers/ folder this script is in]
#   --stop-grace  seconds a deleted host's agent has to stop its instances before the host is
#                 killed [10]
#
# create  Lays out <state dir>/ns-<nodeId>/root/batch/ as a baked image would have /batch
#         (batch-agent hard-linked or copied, start_agent.sh, install-linux.sh,
#         batch-agent.service), writes the user data to a 0600 file and starts
#         `unshare --pid --fork --kill-child --mount-proc --uts` in a session of its own, so the
#         host outlives this program and the controller. Inside, the namespace's init (PID 1,
#         this script with --boot) sets the hostname, bind-mounts the host's own root/batch over
#         /batch, root/log over /var/log and root/systemd over /etc/systemd/system (and hides
#         /run/systemd, so install-linux.sh cannot reach this machine's systemd), then runs the
#         user data with sh, as cloud-init would on a first boot. The user data writes the node's
#         /batch/agent.conf and registration-token through install-linux.sh; with no systemd in
#         the namespace the installer starts nothing, so init starts /batch/start_agent.sh itself
#         (the template's cpu, memoryMiB and gpu as BATCH_NODE_* settings; gpu 0 by default,
#         since every host here sees this machine's GPUs) and waits for it. When the agent exits
#         the host is down: init exits and the kernel kills what is left in the namespace.
#         Returns once the namespace is up, printing {"providerId":"ns-<nodeId>"}.
# delete  SIGTERM to the host's init (the agent stops its instances), SIGKILL after the grace
#         period, which ends every process of the namespace; then removes the host's directory.
#         Deleting an unknown host succeeds.
# list    {"hosts":[{"providerId":…,"nodeId":…}]}: the hosts of the request's environment whose
#         init is still running (checked by pid and start time, so a recycled pid is not taken
#         for a host).
#
# Each host directory holds node-id, name, environment, pid (the host pid of the namespace's
# init) and pid-start, host.log (this script's and init's output), root/log/
# batch-agent-bootstrap.log (the user data's log) and root/batch/logs/agent.log (the agent's).
#
# Needs root (mounts; the agent runs each tenant's tasks as a uid of its own) and util-linux's
# unshare; /batch, /var/log and /etc/systemd/system are created on this machine when missing, as
# mount points. As another user it adds --user --map-root-user, which needs unprivileged user
# namespaces and an existing /batch, and the agent then cannot switch users. Node or python3
# reads the JSON.
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
self=$here/$(basename -- "$0")
state_dir=${BATCH_NAMESPACE_HOSTS_DIR:-/var/lib/batch-namespace-hosts}
agent=${BATCH_NAMESPACE_AGENT:-/batch/batch-agent}
installers=${BATCH_NAMESPACE_INSTALLERS:-$(dirname -- "$here")}
stop_grace=10

fail() { echo "namespace-host.sh: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

# ---- the namespace's init ------------------------------------------------------------------

# boot DIR: PID 1 of the host's namespaces.
boot() {
  dir=$1
  name=$(cat "$dir/name")
  if command -v hostname >/dev/null; then hostname "$name"; else printf '%s\n' "$name" >/proc/sys/kernel/hostname; fi
  mount --bind "$dir/root/batch" /batch
  mount --bind "$dir/root/log" /var/log
  mount --bind "$dir/root/systemd" /etc/systemd/system
  if [ -d /run/systemd ]; then mount -t tmpfs -o mode=0755,size=1m tmpfs /run/systemd; fi
  : >"$dir/up"
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) host $name is up; running its user data"
  # As cloud-init: the user data runs once, as root; its own log is /var/log/batch-agent-bootstrap.log.
  if sh "$dir/user-data.sh"; then echo "user data done"; else echo "user data failed (exit $?): see root/log/batch-agent-bootstrap.log"; fi
  # It holds the registration token; the installed copy in /batch is removed by the agent once spent.
  rm -f "$dir/user-data.sh"
  while IFS= read -r setting; do export "${setting?}"; done <"$dir/agent.env"
  /batch/start_agent.sh &
  agent_pid=$!
  trap 'kill -TERM "$agent_pid" 2>/dev/null || true' TERM INT
  status=0
  while kill -0 "$agent_pid" 2>/dev/null; do
    wait "$agent_pid" && status=0 || status=$?
  done
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) the agent exited ($status): host $name is down"
  exit "$status"
}

# ---- helpers -------------------------------------------------------------------------------

# field PATH: a value of the request (a.b for nested), printed as text; nothing when absent.
field() {
  if command -v node >/dev/null; then
    node -e '
      let v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      for (const k of process.argv[2].split(".")) v = v === null || typeof v !== "object" ? undefined : v[k];
      if (v !== undefined && v !== null) process.stdout.write(typeof v === "object" ? JSON.stringify(v) : String(v));
    ' "$request" "$1"
  elif command -v python3 >/dev/null; then
    python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
if v is not None:
    sys.stdout.write(json.dumps(v) if isinstance(v, (dict, list)) else str(v).lower() if isinstance(v, bool) else str(v))
' "$request" "$1"
  else
    fail "neither node nor python3 is installed: one is needed to read the request"
  fi
}

# proc_state PID: "<state> <start time>" of a process, from /proc/PID/stat; fails when it is gone.
proc_state() {
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  # the command name (field 2) may hold spaces and parentheses: fields are counted after its ")"
  # shellcheck disable=SC2086 # split on purpose
  set -- ${stat##*) }
  echo "$1 ${20}"
}

# running HOSTDIR: its init is the process it was (same start time) and not a zombie.
running() {
  pid=$(cat "$1/pid" 2>/dev/null) || return 1
  start=$(cat "$1/pid-start" 2>/dev/null) || return 1
  now=$(proc_state "$pid") || return 1
  case $now in Z* | X*) return 1 ;; esac
  [ "${now#* }" = "$start" ]
}

valid_id() { case $1 in '' | *[!A-Za-z0-9_-]*) return 1 ;; esac; [ ${#1} -le 200 ]; }

# ---- actions -------------------------------------------------------------------------------

create() {
  node_id=$(field nodeId)
  name=$(field name)
  environment=$(field environment)
  valid_id "$node_id" || fail "nodeId \"$node_id\" is not a plain id"
  case $name in '' | -* | *[!A-Za-z0-9.-]*) fail "name \"$name\" cannot be a host name" ;; esac
  [ ${#name} -le 63 ] || fail "name \"$name\" is longer than a host name may be (63)"
  command -v unshare >/dev/null || fail "unshare (util-linux) is not installed"
  [ -x "$agent" ] || fail "no batch-agent at $agent: give --agent PATH (build it with \`make agent\`)"
  for file in start_agent.sh install-linux.sh batch-agent.service; do
    [ -f "$installers/$file" ] || fail "$installers/$file is missing: give --installers DIR (the repository's installers/)"
  done
  userns=
  if [ "$(id -u)" != 0 ]; then
    userns="--user --map-root-user"
    [ -d /batch ] || fail "not root, and /batch does not exist to mount each host's own /batch over: create it (empty) as root once"
  fi

  id=ns-$node_id
  dir=$state_dir/$id
  [ ! -e "$dir" ] || fail "$dir already exists"
  mkdir -p "$state_dir"
  mkdir -m 0700 "$dir"
  mkdir -p "$dir/root/batch" "$dir/root/log" "$dir/root/systemd"
  chmod 0755 "$dir/root" "$dir/root/batch"
  ln -f "$agent" "$dir/root/batch/batch-agent" 2>/dev/null || cp "$agent" "$dir/root/batch/batch-agent"
  for file in start_agent.sh install-linux.sh; do cp "$installers/$file" "$dir/root/batch/$file"; chmod 0755 "$dir/root/batch/$file"; done
  cp "$installers/batch-agent.service" "$dir/root/batch/batch-agent.service"
  printf '%s\n' "$node_id" >"$dir/node-id"
  printf '%s\n' "$name" >"$dir/name"
  printf '%s\n' "$environment" >"$dir/environment"
  (umask 077 && field userData >"$dir/user-data.sh")
  [ -s "$dir/user-data.sh" ] || { rm -rf "$dir"; fail "the request has no userData"; }
  # The template's size, as the agent's own settings: this stand-in host is what its template says.
  {
    for setting in cpu:BATCH_NODE_CPU memoryMiB:BATCH_NODE_MEMORY_MIB; do
      value=$(field "template.${setting%%:*}")
      case $value in '' | *[!0-9.]*) ;; *) echo "${setting#*:}=$value" ;; esac
    done
    gpu=$(field template.gpu)
    case $gpu in '' | *[!0-9]*) gpu=0 ;; esac
    echo "BATCH_NODE_GPU=$gpu"
  } >"$dir/agent.env"
  for mountpoint in /batch /var/log /etc/systemd/system; do
    [ -d "$mountpoint" ] || mkdir -p "$mountpoint" || { rm -rf "$dir"; fail "cannot create the mount point $mountpoint"; }
  done

  # A session of its own: neither the controller's timeout (it kills this program's process
  # group) nor its exit reach the host. --kill-child: the namespace dies with unshare.
  # shellcheck disable=SC2086 # $userns is empty or two flags
  setsid unshare $userns --pid --fork --kill-child --mount-proc --uts -- /bin/sh "$self" --boot "$dir" \
    </dev/null >>"$dir/host.log" 2>&1 &
  unshare_pid=$!
  init_pid=
  tries=0
  while [ ! -f "$dir/up" ] || [ -z "$init_pid" ]; do
    if ! kill -0 "$unshare_pid" 2>/dev/null || [ "$tries" -ge 200 ]; then
      kill -KILL "$unshare_pid" 2>/dev/null || true
      echo "namespace-host.sh: host $name did not come up; its log:" >&2
      tail -c 1500 "$dir/host.log" >&2 || true
      rm -rf "$dir"
      exit 1
    fi
    [ -n "$init_pid" ] || init_pid=$(cut -d' ' -f1 "/proc/$unshare_pid/task/$unshare_pid/children" 2>/dev/null)
    tries=$((tries + 1))
    sleep 0.05
  done
  start=$(proc_state "$init_pid") || fail "host $name stopped at once; its log: $dir/host.log"
  printf '%s\n' "${start#* }" >"$dir/pid-start"
  printf '%s\n' "$init_pid" >"$dir/pid"
  printf '{"providerId":"%s"}\n' "$id"
}

delete() {
  id=$(field providerId)
  if ! valid_id "$id"; then
    echo "namespace-host.sh: \"$id\" is no host of mine; nothing to delete" >&2
    return 0
  fi
  dir=$state_dir/$id
  [ -d "$dir" ] || return 0
  if running "$dir"; then
    pid=$(cat "$dir/pid")
    kill -TERM "$pid" 2>/dev/null || true
    waited=0
    while running "$dir" && [ "$waited" -lt $((stop_grace * 10)) ]; do sleep 0.1; waited=$((waited + 1)); done
    # SIGKILL to a namespace's init ends every process in the namespace.
    if running "$dir"; then kill -KILL "$pid" 2>/dev/null || true; fi
    waited=0
    while running "$dir"; do
      [ "$waited" -lt 100 ] || fail "host $id (pid $pid) is still running after SIGKILL"
      sleep 0.1
      waited=$((waited + 1))
    done
  fi
  # Renamed first, so that `list` no longer sees it while its files are removed.
  trash=$state_dir/.deleted-$id-$$
  mv "$dir" "$trash"
  rm -rf "$trash"
}

list() {
  environment=$(field environment)
  printf '{"hosts":['
  sep=
  for dir in "$state_dir"/ns-*; do
    running "$dir" || continue
    if [ -n "$environment" ] && [ "$(cat "$dir/environment" 2>/dev/null)" != "$environment" ]; then continue; fi
    node_id=$(cat "$dir/node-id")
    valid_id "$node_id" || continue
    printf '%s{"providerId":"%s","nodeId":"%s"}' "$sep" "${dir##*/}" "$node_id"
    sep=,
  done
  printf ']}\n'
}

# ---- main ----------------------------------------------------------------------------------

while [ $# -gt 0 ]; do
  case $1 in
    --state-dir) [ $# -ge 2 ] || fail "$1 needs a value"; state_dir=$2; shift ;;
    --agent) [ $# -ge 2 ] || fail "$1 needs a value"; agent=$2; shift ;;
    --installers) [ $# -ge 2 ] || fail "$1 needs a value"; installers=$2; shift ;;
    --stop-grace) [ $# -ge 2 ] || fail "$1 needs a value"; stop_grace=$2; shift ;;
    --boot) [ $# -ge 2 ] || fail "$1 needs a value"; boot "$2" ;;
    -h | --help) usage; exit 0 ;;
    *) fail "unknown argument $1 (--help lists them)" ;;
  esac
  shift
done
case $stop_grace in '' | *[!0-9]*) fail "--stop-grace must be a whole number of seconds" ;; esac
case $state_dir in /*) ;; *) state_dir=$(pwd)/$state_dir ;; esac
# The host's init mounts over these: a state dir under them would vanish from inside the host.
case $state_dir/ in /batch/* | /var/log/* | /etc/systemd/system/*) fail "the state dir $state_dir is under a path each host mounts over" ;; esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
request=$work/request.json
cat >"$request"
action=$(field action)
case $action in
  create) create ;;
  delete) delete ;;
  list) list ;;
  *) fail "unknown action \"$action\" (create, delete or list)" ;;
esac
