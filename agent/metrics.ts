/**
 * Node metrics for heartbeats. Each probe is independent and a failing one reports zeros: the
 * heartbeat itself (liveness) matters more than any figure in it, and some platforms (Windows
 * under Wine, minimal containers) cannot answer every probe. A failure is logged once per probe.
 */
import { statfs } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { sep } from 'node:path';
import si from 'systeminformation';
import type { NodeMetrics } from '../protocol/messages.js';
import { describeError, log } from './log.js';

const MIB = 1024 * 1024;
const reportedFailures = new Set<string>();

async function probe<T>(name: string, fallback: T, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!reportedFailures.has(name)) {
      reportedFailures.add(name);
      log(`metrics: ${name} probe failed, reporting zeros from now on when it fails: ${describeError(err)}`);
    }
    return fallback;
  }
}

export async function collectMetrics(agentDir: string): Promise<NodeMetrics> {
  const [cpuPercent, memory, disk] = await Promise.all([
    probe('cpu', 0, async () => (await si.currentLoad()).currentLoad),
    probe('memory', { usedMiB: 0, totalMiB: 0 }, async () => {
      const mem = await si.mem();
      // `active` excludes reclaimable caches, which is what "used" means to an operator
      return { usedMiB: mem.active / MIB, totalMiB: mem.total / MIB };
    }),
    probe('disk', { freeMiB: 0, totalMiB: 0 }, () => diskOf(agentDir)),
  ]);
  return {
    cpuPercent: finite(cpuPercent),
    memoryUsedMiB: Math.round(finite(memory.usedMiB)),
    memoryTotalMiB: Math.round(finite(memory.totalMiB)),
    load1: finite(loadavg()[0] ?? 0),
    diskFreeMiB: Math.round(finite(disk.freeMiB)),
    diskTotalMiB: Math.round(finite(disk.totalMiB)),
    at: Date.now(),
  };
}

/**
 * The file system holding the agent dir: the mount with the longest matching prefix. Where
 * systeminformation lists no such mount (Windows without PowerShell/CIM), statfs answers.
 */
async function diskOf(agentDir: string): Promise<{ freeMiB: number; totalMiB: number }> {
  const mounts = await si.fsSize();
  const contains = (mount: string) =>
    mount !== '' && (agentDir === mount || agentDir.startsWith(mount.endsWith(sep) ? mount : mount + sep));
  const match = mounts.filter((m) => contains(m.mount)).sort((a, b) => b.mount.length - a.mount.length)[0];
  if (match !== undefined) return { freeMiB: match.available / MIB, totalMiB: match.size / MIB };
  const stats = await statfs(agentDir);
  return { freeMiB: (stats.bavail * stats.bsize) / MIB, totalMiB: (stats.blocks * stats.bsize) / MIB };
}

/** systeminformation answers NaN or null on some platforms; the schema wants numbers. */
function finite(n: number | null | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}
