/**
 * What the `command` provider tests share: the namespace-host.sh example with a state dir of its
 * own (every host it made killed at teardown), whether this machine can run it at all, small
 * provider programs written by a test, and a recorder of each node's states as they pass.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Node } from '../../protocol/api.js';
import type { BatchClient } from '../../sdk/client.js';
import type { Teardown } from '../support/tmp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const AGENT_BINARY = path.join(ROOT, 'dist/agent/linux-x64/batch-agent');
export const NAMESPACE_HOST = path.join(ROOT, 'installers/providers/namespace-host.sh');

/** Why namespace hosts cannot run here, or undefined when they can. */
export function namespaceHostsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'namespace hosts need Linux';
  if (!existsSync(AGENT_BINARY)) return `${AGENT_BINARY} is missing: build it with \`make agent\``;
  if (process.getuid?.() !== 0)
    return 'namespace hosts need root (they mount over /batch and the agent switches users): run as root, as CI does';
  const probe = spawnSync('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', '--uts', '--', 'true'], {
    encoding: 'utf8',
  });
  if (probe.error) return `unshare cannot run: ${probe.error.message}`;
  if (probe.status !== 0)
    return `this machine cannot make PID/mount/UTS namespaces (unshare: ${probe.stderr.trim() || `exit ${probe.status}`})`;
  return undefined;
}

export interface NamespaceHosts {
  stateDir: string;
  /** The environment's `command` config running namespace-host.sh with this state dir. */
  command(timeoutSeconds?: number): { create: string[]; delete: string[]; list: string[]; timeoutSeconds: number };
  /** The host directory of a provider id (ns-<node id>). */
  dir(providerId: string): string;
  /** The host pid of a host's init, while its state says one. */
  initPid(providerId: string): number | undefined;
}

export function namespaceHosts(t: Teardown): NamespaceHosts {
  // Not tmpDir(): the hosts must be killed before their state (which names them) is removed.
  const stateDir = mkdtempSync(path.join(tmpdir(), 'batch-ns-hosts-'));
  const argv = [NAMESPACE_HOST, '--state-dir', stateDir, '--agent', AGENT_BINARY, '--stop-grace', '10'];
  const initPid = (providerId: string) => {
    try {
      const pid = Number(readFileSync(path.join(stateDir, providerId, 'pid'), 'utf8'));
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  // Hosts outlive the controller by design: none may outlive the test. SIGKILL to a namespace's
  // init ends everything in it.
  t.teardown(() => {
    for (const entry of readdirSync(stateDir)) {
      const pid = initPid(entry);
      if (pid === undefined) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    rmSync(stateDir, { recursive: true, force: true, maxRetries: 3 });
  });
  return {
    stateDir,
    command: (timeoutSeconds = 60) => ({ create: argv, delete: argv, list: argv, timeoutSeconds }),
    dir: (providerId) => path.join(stateDir, providerId),
    initPid,
  };
}

/** The PID namespace a process is in (`pid:[4026532…]`), or undefined when it is gone. */
export function pidNamespaceOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

export interface HostProcess {
  pid: number;
  /** Its start time (clock ticks after boot): with the pid, it names the process, not a reused pid. */
  start: string;
  cmdline: string;
}

/**
 * Processes (host pids) in a PID namespace, with their command lines. Namespaces are named by
 * an inode number the kernel reuses once one is gone: ask only about a namespace known alive.
 */
export function processesIn(namespace: string): HostProcess[] {
  const found: HostProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) !== namespace) continue;
      const start = startTime(Number(entry));
      if (start === undefined) continue;
      found.push({
        pid: Number(entry),
        start,
        cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' '),
      });
    } catch {
      // ended while we looked
    }
  }
  return found;
}

/** Those of `processes` still running (the same pid with the same start time, not a zombie). */
export function stillRunning(processes: readonly HostProcess[]): HostProcess[] {
  return processes.filter((p) => startTime(p.pid) === p.start);
}

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** Writes an executable /bin/sh program into `dir` and returns its path. */
export function writeProgram(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body.trim()}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** The nodes of one environment, TERMINATED ones included. */
export async function nodesOf(client: BatchClient, environment: string): Promise<Node[]> {
  return (await client.listNodes({ limit: 500, all: true, environment })).items;
}

export const live = (n: Node) => n.state !== 'TERMINATED';

/**
 * Polls the nodes every 100 ms and keeps, per node, the states it was seen in (in order, each
 * once in a row): states that last less than a poll may be missed, the order never is wrong.
 */
export function recordStates(t: Teardown, client: BatchClient, environment: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      try {
        for (const node of await nodesOf(client, environment)) {
          const states = seen.get(node.id) ?? [];
          if (states.at(-1) !== node.state) states.push(node.state);
          seen.set(node.id, states);
        }
      } catch {
        // the controller is restarting or gone: keep polling until stopped
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const done = poll();
  t.teardown(async () => {
    stopped = true;
    await done;
  });
  return seen;
}
