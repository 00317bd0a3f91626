/** Reads and validates request bodies and query parameters at the boundary. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { BatchError } from '../../protocol/errors.js';
import { parseOrThrow } from '../../protocol/spec.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The body as JSON; an empty body is `{}`. Malformed JSON is a 400 naming the position. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw new BatchError('BAD_REQUEST', `request body exceeds ${MAX_BODY_BYTES} bytes`);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BatchError('BAD_REQUEST', `request body is not valid JSON: ${(err as Error).message}`);
  }
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
