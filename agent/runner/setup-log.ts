/**
 * What the agent does for an attempt before and after its command is written into the attempt's
 * own stderr, each line prefixed `[batch] `, so that the user reads why an attempt failed (a bad
 * package, a mount refused) in the log they already look at. The same line goes to the agent's
 * log for the operator. Lines never carry secrets: sources are named by their oss:// URL, never
 * by the signed URL, and mount keys are never mentioned.
 */
import { log } from '../log.js';
import type { LogShipper } from '../log-shipper.js';

export type Say = (line: string) => void;

export const SETUP_PREFIX = '[batch] ';

export function setupLog(logs: LogShipper, attemptId: number, label: string): Say {
  return (text) => {
    // every line of a multi-line message (a mount's stderr) is marked, so none passes for the command's
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    logs.write(attemptId, 'stderr', Buffer.from(lines.map((l) => `${SETUP_PREFIX}${l}\n`).join('')));
    log(`${label}: ${lines.join(' / ')}`);
  };
}

/** 12 B, 3.4 KiB, 1.2 MiB: sizes for people. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * Per-object lines for the first `limit` objects, then one summary: an attempt may stage
 * 100 000 inputs, and its log should still start with something readable.
 */
export function cappedSay(say: Say, limit: number): { item(line: string): void; done(summary: string): void } {
  let count = 0;
  return {
    item(line) {
      count += 1;
      if (count <= limit) say(line);
    },
    done(summary) {
      if (count > limit) say(`… ${count - limit} more; ${summary}`);
    },
  };
}
