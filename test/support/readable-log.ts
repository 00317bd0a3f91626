/**
 * A process's JSON log (pino, one object per line) as the readable lines a terminal shows, so
 * tests can look for a message as a person would write it (quotes unescaped). Lines that are
 * not JSON (a crash's stack, a start script's own lines) are kept as they are.
 */
import { readableLogLine } from '../../protocol/log-format.js';

export function readableLog(raw: string): string {
  return raw
    .split('\n')
    .filter((line, i, all) => line !== '' || i < all.length - 1)
    .map((line) => (line.startsWith('{') ? readableLogLine(line) : `${line}\n`))
    .join('');
}
