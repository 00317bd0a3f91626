/**
 * CPU and memory of processes, read from /proc (Linux): CPU is utime + stime from
 * /proc/<pid>/stat, memory is VmRSS / VmHWM / RssAnon from /proc/<pid>/status.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/**
 * The fields of /proc/<pid>/stat after the command name, so `fields[0]` is field 3 (state) in
 * proc(5)'s numbering; undefined once the process is gone. The command name (field 2) is in
 * parentheses and may hold spaces: count from the last ')'.
 */
function statFields(pid: number | string): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds (user + system) the process has used so far; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields && (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/**
 * CPU seconds (user + system) of the process's children that exited and were waited for
 * (cutime + cstime): the programs a controller ran, such as a provider's; undefined once it is gone.
 */
export function childCpuSeconds(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields && (Number(fields[13]) + Number(fields[14])) / clockTicks();
}

/**
 * The main thread's scheduler statistics from /proc/<pid>/schedstat, in seconds: time on a CPU,
 * and time runnable but waiting for one (on a busy machine, the time other processes took).
 * Undefined once it is gone or without schedstats.
 */
export function schedSeconds(pid: number): { running: number; waiting: number } | undefined {
  try {
    const [running, waiting] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    if (!Number.isFinite(running) || !Number.isFinite(waiting)) return undefined;
    return { running: running! / 1e9, waiting: waiting! / 1e9 };
  } catch {
    return undefined;
  }
}

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM, RssAnon, …); undefined once it is gone. */
export function memoryBytes(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon'): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Every process whose command name is `comm` (e.g. the PostgreSQL server's `postgres` processes). */
export function pidsNamed(comm: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) out.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

export interface CpuReading {
  seconds: number;
  wallMs: number;
}

/**
 * CPU used by a set of processes over a window. The set is re-read at the end, so processes that
 * start during the window count from zero (a new database backend); ones that exit are lost.
 */
export class CpuWindow {
  private readonly start = new Map<number, number>();
  private readonly startedAt = Date.now();

  constructor(private readonly pids: () => number[]) {
    for (const pid of pids()) {
      const s = cpuSeconds(pid);
      if (s !== undefined) this.start.set(pid, s);
    }
  }

  read(): CpuReading {
    let seconds = 0;
    for (const pid of new Set([...this.pids(), ...this.start.keys()])) {
      const now = cpuSeconds(pid);
      if (now !== undefined) seconds += now - (this.start.get(pid) ?? 0);
    }
    return { seconds, wallMs: Date.now() - this.startedAt };
  }
}

/** Percent of one core: 100 = one core busy for the whole window. */
export function percentOfCore(reading: CpuReading): number {
  return reading.wallMs > 0 ? (reading.seconds / (reading.wallMs / 1000)) * 100 : 0;
}

export const MIB = 1024 * 1024;

/** The whole machine's CPU time, busy and total, from the first line of /proc/stat (in ticks). */
function hostTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
}

/** How busy the whole machine was over a window: 100 = every core busy the whole time. */
export class HostCpuWindow {
  private readonly start = hostTicks();

  percentOfMachine(): number {
    const end = hostTicks();
    const total = end.total - this.start.total;
    return total > 0 ? ((end.busy - this.start.busy) / total) * 100 : 0;
  }
}

/**
 * CPU seconds of the programs a controller ran: its own waited-for children, and its provider
 * program runner (a child process whose command line names program-helper.js) with the
 * programs that one ran.
 */
export function programCpuSeconds(controllerPid: number): number {
  let total = childCpuSeconds(controllerPid) ?? 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(statFields(entry)?.[1]);
      if (ppid !== controllerPid || !readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('program-helper.js'))
        continue;
      total += (cpuSeconds(Number(entry)) ?? 0) + (childCpuSeconds(Number(entry)) ?? 0);
    } catch {
      // ended while we looked
    }
  }
  return total;
}
