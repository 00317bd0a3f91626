/** API tokens: stored as sha256, shown once at creation, resolved to their user on every request. */
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { apiTokens, users } from '../db/schema.js';
import { hashSecret, newId, newSecret } from '../secrets.js';
import type { Caller } from './caller.js';

export async function callerByToken(store: Database, token: string): Promise<Caller | undefined> {
  const [row] = await store.db
    .select({ id: users.id, name: users.name, admin: users.admin, quotas: users.quotas })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, hashSecret(token)));
  return row;
}

/** A new token for the caller themselves; the token is returned once and never stored. */
export async function createApiToken(store: Database, caller: Caller, name: string): Promise<string> {
  const token = newSecret('bat');
  await store.db.insert(apiTokens).values({ id: newId('t'), userId: caller.id, name, tokenHash: hashSecret(token) });
  return token;
}
