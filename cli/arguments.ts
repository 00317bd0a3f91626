/** Parsers for numeric arguments and options; a bad value is a usage error (exit 2). */
import { InvalidArgumentError } from 'commander';

/** A whole number ≥ 0 (an instance index, a node count). */
export function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number (0, 1, 2, ...)');
  return Number(value);
}

/** A whole number ≥ 1 (an attempt number, a page size). */
export function parsePositive(value: string): number {
  const n = parseCount(value);
  if (n < 1) throw new InvalidArgumentError('must be at least 1');
  return n;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration as seconds: `90`, `90s`, `30m`, `12h`, `7d`. */
export function parseDuration(value: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('must be a duration such as 3600, 30m, 12h or 7d');
  return Number(m[1]) * UNIT_SECONDS[m[2] || 's']!;
}

/**
 * `--since`: a duration back from now (`90s`, `30m`, `2h`, `7d`) or an ISO 8601 time, as the ISO
 * time the API takes. A time without an offset is the local time, as people mean it.
 */
export function parseSince(value: string, now = Date.now()): string {
  if (/^\d+[smhd]$/.test(value.trim())) return new Date(now - parseDuration(value) * 1000).toISOString();
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new InvalidArgumentError(
      'must be a duration such as 30m, 2h or 7d, or an ISO time such as 2026-11-30T02:00Z',
    );
  }
  return new Date(at).toISOString();
}

/** `name=value` pairs of whole numbers, as quota overrides: `jobs=500 runningInstances=50`. */
export function parseQuota(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const m = /^([A-Za-z]+)=(\d+)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`"${value}" is not NAME=NUMBER (e.g. jobs=500)`);
  return { ...previous, [m[1]!]: Number(m[2]) };
}
