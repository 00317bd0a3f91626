/**
 * Path and query parameters as the document shows them. The handlers check them (body.ts
 * `queryInt`, `queryEnum`) with the same bounds; these only describe.
 */
import { z } from '@hono/zod-openapi';

export const pathOf = <K extends string>(...names: K[]) =>
  z.object(Object.fromEntries(names.map((n) => [n, z.string().min(1)])) as Record<K, z.ZodString>);

export const limit = (fallback: number, max: number) =>
  z.number().int().min(1).max(max).default(fallback).describe('at most this many items');

/** A whole-number cursor: the `next` of the previous page. */
export const numberCursor = z.number().int().min(0).optional().describe('the `next` of the previous page');
export const textCursor = z.string().optional().describe('the `next` of the previous page');

export const booleanText = (fallback: boolean, description: string) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .describe(description);

export const ownerAll = z.enum(['all']).optional().describe("`all`: every user's (admin only)");

/** One value of `values`, or several comma-separated: `state=RUNNING,PENDING`. */
export const enumList = (values: readonly string[], description: string) =>
  z
    .string()
    .regex(new RegExp(`^(${values.join('|')})(,(${values.join('|')}))*$`))
    .optional()
    .describe(description);
