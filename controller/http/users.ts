/** /v1/users (admin) and /v1/tokens (any user, for themselves). Tokens are shown once. */
import { asc, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { createTokenSchema, createUserSchema, updateUserSchema, type User } from '../../protocol/api.js';
import { BatchError } from '../../protocol/errors.js';
import { apiTokens, users } from '../db/schema.js';
import { hashSecret, newId, newSecret } from '../secrets.js';
import { requireAdmin, type AppEnv } from './auth.js';
import { readBody } from './body.js';
import { notFound } from './errors.js';
import { DEFAULT_QUOTAS, quotaLimit, type QuotaName } from '../quotas.js';
import type { AppDeps } from './deps.js';

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

export function userRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const db = deps.store.db;

  app.get('/', async (c) => {
    requireAdmin(c.get('caller'));
    const rows = await db.select().from(users).orderBy(asc(users.createdAt));
    return c.json({ items: rows.map(toUser) });
  });

  app.post('/', async (c) => {
    requireAdmin(c.get('caller'));
    const body = await readBody(c, createUserSchema);
    const token = newSecret('bat');
    const created = await db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({ id: newId('u'), name: body.name, admin: body.admin })
        .onConflictDoNothing()
        .returning();
      if (!user) throw new BatchError('CONFLICT', `user "${body.name}" already exists`, 'name');
      await tx
        .insert(apiTokens)
        .values({ id: newId('t'), userId: user.id, name: 'initial', tokenHash: hashSecret(token) });
      return user;
    });
    return c.json({ user: toUser(created), token }, 201);
  });

  /** Admin: change a user's quotas (the keys given; the rest keep their values). */
  app.patch('/:name', async (c) => {
    requireAdmin(c.get('caller'));
    const body = await readBody(c, updateUserSchema);
    const [user] = await db
      .select()
      .from(users)
      .where(eq(users.name, c.req.param('name')));
    if (!user) throw notFound('user', c.req.param('name'));
    const [updated] = await db
      .update(users)
      .set({ quotas: { ...user.quotas, ...body.quotas } })
      .where(eq(users.id, user.id))
      .returning();
    return c.json(toUser(updated!));
  });

  return app;
}

export function tokenRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.post('/', async (c) => {
    const caller = c.get('caller');
    const body = await readBody(c, createTokenSchema);
    const token = newSecret('bat');
    await deps.store.db
      .insert(apiTokens)
      .values({ id: newId('t'), userId: caller.id, name: body.name, tokenHash: hashSecret(token) });
    return c.json({ token, user: caller.name, name: body.name }, 201);
  });
  return app;
}
