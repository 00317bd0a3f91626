/** Bearer-token authentication: every route but /healthz knows who is calling (access/tokens.ts). */
import { createMiddleware } from 'hono/factory';
import { BatchError } from '../../protocol/errors.js';
import type { Caller } from '../access/caller.js';
import { callerByToken } from '../access/tokens.js';
import type { Database } from '../db/client.js';

export type AppEnv = { Variables: { caller: Caller } };

export function requireToken(store: Database) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new BatchError('UNAUTHENTICATED', 'missing bearer token (Authorization: Bearer <token>)');
    const caller = await callerByToken(store, match[1]!);
    if (!caller) throw new BatchError('UNAUTHENTICATED', 'unknown or revoked token');
    c.set('caller', caller);
    await next();
  });
}
