/**
 * The `command` provider's programs for the `provision` scenario: one POSIX sh script, run by the
 * controller for every create, delete and list with the spool directory and the action in its
 * argv (the program gets no configuration through its environment). It hands each request to the
 * simulator in spool mode through files (simulator/spool.ts has the layout) and prints what the
 * provider interface asks for.
 *
 * Cheap on purpose, since the bench measures the controller: besides the shell itself, a create
 * runs one `cat` (dash's `read` takes a byte per system call, and the ~3 KB request with its user
 * data cost ~7 ms that way), a delete and a list run shell builtins only. Nothing is renamed:
 * the request is complete when its `create-<id>` marker appears, which is written after it.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandProviderConfig } from '../protocol/api.js';

const BATCH_CREATE = fileURLToPath(new URL('./provider-batch-create.js', import.meta.url));

const SCRIPT = `#!/bin/sh
# Written by the bench (bench/provider-script.ts). $1: the spool dir, $2: create | delete | list.
spool=$1
case $2 in
create)
  # A providerId no live host has: this shell's pid, and a suffix in case a host made by an
  # earlier process with the same pid is still there.
  n=0
  while [ -e "$spool/hosts/$$-$n" ]; do n=$((n + 1)); done
  id=$$-$n
  : > "$spool/hosts/$id" || exit 1
  cat > "$spool/requests/$id.json" || exit 1
  : > "$spool/create-$id" || exit 1
  printf '{"providerId":"%s"}\\n' "$id"
  ;;
delete)
  # One short line: {"action":"delete","providerId":"…","environment":"…"}.
  IFS= read -r request
  rest=\${request#*\\"providerId\\":\\"}
  id=\${rest%%\\"*}
  if [ "$rest" = "$request" ]; then echo "no providerId in the request" >&2; exit 1; fi
  case $id in
  '' | */* | *' '*) echo "no usable providerId in the request" >&2; exit 1 ;;
  esac
  [ -e "$spool/hosts/$id" ] || exit 0
  : > "$spool/delete-$id" || exit 1
  ;;
list)
  printf '{"hosts":['
  sep=
  for f in "$spool"/hosts/*; do
    [ -e "$f" ] || continue
    node=
    IFS= read -r node < "$f"
    if [ -n "$node" ]; then
      printf '%s{"providerId":"%s","nodeId":"%s"}' "$sep" "\${f##*/}" "$node"
    else
      printf '%s{"providerId":"%s"}' "$sep" "\${f##*/}"
    fi
    sep=,
  done
  printf ']}\\n'
  ;;
*)
  echo "unknown action $2" >&2
  exit 2
  ;;
esac
`;

/** Writes the script and the spool dirs under `dir`; returns the environment's `command` config. */
export function writeProviderScript(
  dir: string,
  /** One create run per round of nodes (a Node program) instead of one sh run per node. */
  batch = false,
): {
  spoolDir: string;
  command: Omit<CommandProviderConfig, 'timeoutSeconds'>;
} {
  const spoolDir = path.join(dir, 'spool');
  mkdirSync(path.join(spoolDir, 'hosts'), { recursive: true });
  mkdirSync(path.join(spoolDir, 'requests'), { recursive: true });
  const script = path.join(dir, 'provider.sh');
  writeFileSync(script, SCRIPT);
  chmodSync(script, 0o755);
  const argv = (action: string) => ['/bin/sh', script, spoolDir, action];
  if (batch)
    return {
      spoolDir,
      command: {
        create: [process.execPath, BATCH_CREATE, spoolDir],
        delete: argv('delete'),
        list: argv('list'),
        batchCreate: true,
      },
    };
  return {
    spoolDir,
    command: { create: argv('create'), delete: argv('delete'), list: argv('list'), batchCreate: false },
  };
}
