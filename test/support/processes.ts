/** Finding processes from /proc, for tests that check a process tree is gone. */
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of processes whose command line (arguments joined by spaces) contains `marker`. */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(marker))
        pids.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return pids;
}
