/** Bearer-token authentication: every route but /healthz knows who is calling. */
import { eq } from 'drizzle-orm';
import { createMiddleware } from 'hono/factory';
import { BatchError } from '../../protocol/errors.js';
import type { Database } from '../db/client.js';
import { apiTokens, users } from '../db/schema.js';
import { hashSecret } from '../secrets.js';

export interface Caller {
  id: string;
  name: string;
  admin: boolean;
  quotas: Record<string, number>;
}

export type AppEnv = { Variables: { caller: Caller } };

export function requireToken(store: Database) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new BatchError('UNAUTHENTICATED', 'missing bearer token (Authorization: Bearer <token>)');
    const [row] = await store.db
      .select({ id: users.id, name: users.name, admin: users.admin, quotas: users.quotas })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(eq(apiTokens.tokenHash, hashSecret(match[1]!)));
    if (!row) throw new BatchError('UNAUTHENTICATED', 'unknown or revoked token');
    c.set('caller', row);
    await next();
  });
}

export function requireAdmin(caller: Caller): void {
  if (!caller.admin) throw new BatchError('FORBIDDEN', 'only an admin may do this');
}
