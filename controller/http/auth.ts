/**
 * Bearer-token authentication: every route but the probes, /v1/openapi.json and signed URLs knows
 * who is calling (access/tokens.ts).
 * Refusals are audited per address at a bounded rate (access/audit.ts `RefusalAudit`).
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import { createMiddleware } from 'hono/factory';
import { BatchError } from '../../protocol/errors.js';
import type { RefusalAudit } from '../access/audit.js';
import type { Caller } from '../access/caller.js';
import { callerByToken } from '../access/tokens.js';
import type { Database } from '../db/client.js';

export type AppEnv = { Variables: { caller: Caller } };

export function requireToken(store: Database, refusals?: RefusalAudit) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new BatchError('UNAUTHENTICATED', 'missing bearer token (Authorization: Bearer <token>)');
    const check = await callerByToken(store, match[1]!);
    if ('refused' in check) {
      refusals?.refused(addressOf(c), check.refused);
      throw new BatchError('UNAUTHENTICATED', check.refused);
    }
    c.set('caller', check.caller);
    await next();
  });
}

/** The peer's address, where the server knows it (app.request() in tests has none). */
function addressOf(c: Parameters<typeof getConnInfo>[0]): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
