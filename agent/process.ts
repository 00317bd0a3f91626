/**
 * Starting a task's command through the platform shell, and killing everything it started.
 *
 * On POSIX the shell is spawned detached, so it leads its own process group; signalling the
 * negative pid reaches every process the command started (pipelines, `&` jobs), not only the
 * shell. On Windows `taskkill /T` walks the parent/child tree instead.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { describeError, log } from './log.js';
import { killTreeByListing } from './windows-tree.js';

export type ShellChild = ChildProcessByStdio<null, Readable, Readable>;

const isWindows = process.platform === 'win32';

export interface ShellOptions {
  cwd: string;
  env: Record<string, string>;
  /** Run as this user (Linux, agent as root): the tenant's own, never the agent's. */
  user?: { uid: number; gid: number };
}

export function spawnShell(command: string, opts: ShellOptions): ShellChild {
  const common = {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
    // libuv drops the supplementary groups too when it switches user (setgroups(0) as root).
    ...(opts.user ? { uid: opts.user.uid, gid: opts.user.gid } : {}),
  };
  if (isWindows) {
    // /d: no AutoRun macros, /s /c "...": cmd strips exactly the outer quotes and keeps the rest
    // verbatim, which Node's own argument quoting would break.
    return spawn('cmd.exe', ['/d', '/s', '/c', `"${command}"`], {
      ...common,
      windowsVerbatimArguments: true,
      windowsHide: true,
    });
  }
  return spawn('/bin/sh', ['-c', command], { ...common, detached: true });
}

/** How a process ended, from the child's 'close' event. */
export interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The shell convention for "killed by signal N", so that users see one number either way. */
export function exitCodeOf(end: ProcessEnd): number | null {
  if (end.code !== null) return end.code;
  if (end.signal === null) return null;
  // A signal this platform does not number (Windows) has no entry, whatever the type says.
  const number = (constants.signals as Partial<Record<NodeJS.Signals, number>>)[end.signal];
  return number === undefined ? null : 128 + number;
}

/**
 * Terminates the process and everything it started: SIGTERM to the group, then SIGKILL after
 * `graceMs` for whatever ignored it. Returns at once; the child's 'close' event tells the end.
 */
export function killTree(pid: number, graceMs: number): void {
  if (isWindows) {
    killWindowsTree(pid);
    return;
  }
  if (!signalGroup(pid, 'SIGTERM')) return;
  // unref: a group that is already gone must not keep the agent alive at shutdown
  setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs).unref();
}

/** False when the group no longer exists. */
function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

function killWindowsTree(pid: number): void {
  const taskkill = spawn('taskkill', ['/T', '/F', '/PID', String(pid)], { stdio: 'ignore', windowsHide: true });
  taskkill.on('error', (err) => log(`taskkill of process ${pid} could not start: ${describeError(err)}`));
  taskkill.on('exit', (code) => {
    // 128: no such process, it has ended already. Anything else but success (1: Wine's taskkill
    // has no /T): walk the tree ourselves.
    if (code !== 0 && code !== 128) killTreeByListing(pid);
  });
}
