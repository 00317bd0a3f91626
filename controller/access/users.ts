/** Users (admin only): list, create with a first token, change quotas. */
import { asc, eq } from 'drizzle-orm';
import type { User } from '../../protocol/api.js';
import { BatchError, notFound } from '../../protocol/errors.js';
import type { Database } from '../db/client.js';
import { apiTokens, users } from '../db/schema.js';
import { DEFAULT_QUOTAS, quotaLimit, type QuotaName } from '../quotas.js';
import { hashSecret, newId, newSecret } from '../secrets.js';

/** The quotas in force: defaults overlaid with the user's own. */
const effectiveQuotas = (overrides: Record<string, number>) =>
  Object.fromEntries(Object.keys(DEFAULT_QUOTAS).map((name) => [name, quotaLimit(overrides, name as QuotaName)]));

const toUser = (row: typeof users.$inferSelect): User => ({
  id: row.id,
  name: row.name,
  admin: row.admin,
  quotas: effectiveQuotas(row.quotas),
  createdAt: row.createdAt.toISOString(),
});

export async function listUsers(store: Database): Promise<User[]> {
  const rows = await store.db.select().from(users).orderBy(asc(users.createdAt));
  return rows.map(toUser);
}

/** A user and their first API token, together or not at all. */
export async function createUser(
  store: Database,
  name: string,
  admin: boolean,
): Promise<{ user: User; token: string }> {
  const token = newSecret('bat');
  const created = await store.transaction(async (tx) => {
    const [user] = await tx.db
      .insert(users)
      .values({ id: newId('u'), name, admin })
      .onConflictDoNothing()
      .returning();
    if (!user) throw new BatchError('CONFLICT', `user "${name}" already exists`, 'name');
    await tx.db
      .insert(apiTokens)
      .values({ id: newId('t'), userId: user.id, name: 'initial', tokenHash: hashSecret(token) });
    return user;
  });
  return { user: toUser(created), token };
}

/** Changes the quotas named; the others keep their values. */
export async function updateQuotas(store: Database, name: string, quotas: Record<string, number>): Promise<User> {
  const [user] = await store.db.select().from(users).where(eq(users.name, name));
  if (!user) throw notFound('user', name);
  const [updated] = await store.db
    .update(users)
    .set({ quotas: { ...user.quotas, ...quotas } })
    .where(eq(users.id, user.id))
    .returning();
  return toUser(updated!);
}
