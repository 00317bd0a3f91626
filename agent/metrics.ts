/**
 * Node metrics for heartbeats, answered by Node itself: no child process, no shell, no PowerShell.
 * (systeminformation, used before, spawned PowerShell twice per heartbeat on Windows, and `df`
 * and `cat /proc/stat` on Linux; a PowerShell that exited early once stopped the agent, #18.)
 * README.md, "Node metrics", says what each figure comes from on each platform.
 *
 * Each probe is independent and a failing one reports zeros: the heartbeat itself (liveness)
 * matters more than any figure in it. A failure is logged once per probe.
 */
import { statfs } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { NodeMetrics } from '../protocol/messages.js';
import { describeError, log } from './log.js';

const MIB = 1024 * 1024;

/** CPU time of all cores since boot, in ms: busy (all but idle) and in total. */
export interface CpuTimes {
  busy: number;
  total: number;
}

export class MetricsReader {
  readonly #agentDir: string;
  readonly #failed = new Set<string>();
  /** Zero at first, so the first reading is the average since boot. */
  #cpuBefore: CpuTimes = { busy: 0, total: 0 };

  constructor(agentDir: string) {
    this.#agentDir = agentDir;
  }

  async read(): Promise<NodeMetrics> {
    const cpuPercent = await this.#probe('cpu', 0, () => {
      const now = cpuTimes();
      const percent = busyPercent(this.#cpuBefore, now);
      this.#cpuBefore = now;
      return percent;
    });
    const memory = await this.#probe('memory', { usedMiB: 0, totalMiB: 0 }, memoryNow);
    const disk = await this.#probe('disk', { freeMiB: 0, totalMiB: 0 }, () => diskOf(this.#agentDir));
    return {
      cpuPercent: Math.round(cpuPercent * 10) / 10,
      memoryUsedMiB: Math.round(memory.usedMiB),
      memoryTotalMiB: Math.round(memory.totalMiB),
      load1: loadavg()[0] ?? 0,
      diskFreeMiB: Math.round(disk.freeMiB),
      diskTotalMiB: Math.round(disk.totalMiB),
      at: Date.now(),
    };
  }

  async #probe<T>(name: string, fallback: T, read: () => T | Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (!this.#failed.has(name)) {
        this.#failed.add(name);
        log(`metrics: ${name} probe failed, reporting zeros from now on when it fails: ${describeError(err)}`);
      }
      return fallback;
    }
  }
}

export function cpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  // os.cpus() is empty where the OS does not tell (Linux without /proc)
  if (total === 0) throw new Error('the OS reports no CPU times');
  return { busy, total };
}

/** The busy share of the CPU time between two readings, 0–100; 0 when no time passed. */
export function busyPercent(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return Math.min(100, Math.max(0, (100 * (after.busy - before.busy)) / total));
}

/**
 * Used is total minus what the OS calls available: MemAvailable on Linux (libuv reads
 * /proc/meminfo, so reclaimable page cache is not "used"), available physical memory on Windows.
 */
function memoryNow(): { usedMiB: number; totalMiB: number } {
  const total = totalmem();
  if (total === 0) throw new Error('the OS reports no memory');
  return { usedMiB: (total - freemem()) / MIB, totalMiB: total / MIB };
}

/** The file system holding the agent dir, as the agent's user sees it (space reserved for root is not free). */
async function diskOf(agentDir: string): Promise<{ freeMiB: number; totalMiB: number }> {
  const stats = await statfs(agentDir);
  return { freeMiB: (stats.bavail * stats.bsize) / MIB, totalMiB: (stats.blocks * stats.bsize) / MIB };
}
