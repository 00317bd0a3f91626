/**
 * The fingerprint a clientToken is checked against: sha256 of the job spec as submitted and
 * parsed (before templates are merged: a task field left out means "the template's", which is
 * not the same request as spelling a value), as canonical JSON — object keys sorted at every
 * depth, array order kept (task order is part of the spec).
 */
import { createHash } from 'node:crypto';
import type { JobSpec } from '../../protocol/spec.js';

export function specHash(spec: JobSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
