/**
 * Reads and validates request bodies and query parameters at the boundary. The body's size is
 * bounded before it is read (`limitBody`, in app.ts); every string in it must be storable and
 * printable (protocol/limits.ts) before any schema sees it.
 */
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { BatchError, formatPath } from '../../protocol/errors.js';
import { findUnsafeString, MAX_REQUEST_BYTES, unsafeCharacter } from '../../protocol/limits.js';
import { parseOrThrow } from '../../protocol/spec.js';

/** Refuses a body over the limit with 413 while it streams in, before it is held in memory. */
export const limitBody = (maxSize = MAX_REQUEST_BYTES) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new BatchError('TOO_LARGE', `request body exceeds ${maxSize} bytes`);
    },
  });

/** The body as JSON; an empty body is `{}`. Malformed JSON is a 400 naming the position. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BatchError('BAD_REQUEST', `request body is not valid JSON: ${(err as Error).message}`);
  }
  const unsafe = findUnsafeString(value);
  if (unsafe) {
    const field = formatPath(unsafe.path) || '(body)';
    throw new BatchError('VALIDATION', `${field}: ${unsafe.problem}`, field);
  }
  return value;
}

/** Path and query parameters, decoded: the same rules as body strings, on one line. */
export function checkRequestText(c: Context): void {
  const url = new URL(c.req.url);
  for (const [name, value] of url.searchParams) {
    const problem = unsafeCharacter(name, false) ?? unsafeCharacter(value, false);
    if (problem) throw new BatchError('VALIDATION', `${name}: ${problem}`, name);
  }
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    throw new BatchError('BAD_REQUEST', 'the path is not valid percent-encoded UTF-8');
  }
  const problem = unsafeCharacter(path, false);
  if (problem) throw new BatchError('VALIDATION', `path: ${problem}`, 'path');
}

export async function readBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  return parseOrThrow(schema, await readJson(c));
}

export function queryInt(c: Context, name: string, fallback: number, min: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BatchError('VALIDATION', `${name}: must be a whole number from ${min} to ${max}`, name);
  }
  return value;
}

export function queryEnum<T extends string>(
  c: Context,
  name: string,
  allowed: readonly T[],
  fallback?: T,
): T | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new BatchError('VALIDATION', `${name}: must be one of ${allowed.join(', ')}`, name);
  }
  return raw as T;
}

/** Values of `allowed`, comma-separated or the parameter repeated; none given is undefined. */
export function queryEnumList<T extends string>(c: Context, name: string, allowed: readonly T[]): T[] | undefined {
  const values = (c.req.queries(name) ?? []).flatMap((v) => v.split(',')).filter((v) => v !== '');
  if (values.length === 0) return undefined;
  const unknown = values.find((v) => !(allowed as readonly string[]).includes(v));
  if (unknown !== undefined) {
    throw new BatchError('VALIDATION', `${name}: "${unknown}" is not one of ${allowed.join(', ')}`, name);
  }
  return [...new Set(values)] as T[];
}

/** Free text of at most `max` characters; empty is undefined. */
export function queryText(c: Context, name: string, max: number): string | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  if (raw.length > max) throw new BatchError('VALIDATION', `${name}: must be at most ${max} characters`, name);
  return raw;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 time with its offset (`2026-11-30T02:00:00Z`); empty is undefined. */
export function queryTime(c: Context, name: string): Date | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  const at = ISO_TIME.test(raw) ? new Date(raw) : undefined;
  if (at === undefined || Number.isNaN(at.getTime())) {
    throw new BatchError(
      'VALIDATION',
      `${name}: must be an ISO 8601 time with an offset, e.g. 2026-11-30T02:00:00Z`,
      name,
    );
  }
  return at;
}
