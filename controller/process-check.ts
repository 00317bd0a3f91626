/**
 * Whether a pid still names the process it was written down for: alive, and (on Linux, from its
 * command line) running the program expected — a pid from a file may have been reused since.
 */
import { readFileSync } from 'node:fs';

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Alive and its command line matches `program`; without /proc (not Linux), alive is taken at its word. */
export function isProcessOf(pid: number, program: RegExp): boolean {
  if (!alive(pid)) return false;
  try {
    return program.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}
