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
