/**
 * /v1/users (admin): list, create, quotas, disable/enable, delete. /v1/tokens: a user's own API
 * tokens (an admin may see and revoke anyone's). /v1/audit (admin): security events.
 */
import { Hono } from 'hono';
import { createTokenSchema, createUserSchema, updateUserSchema } from '../../protocol/api.js';
import { listAudit } from '../access/audit.js';
import { requireAdmin } from '../access/caller.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../access/tokens.js';
import { createUser, deleteUser, listUsers, setUserDisabled, updateQuotas } from '../access/users.js';
import type { AppEnv } from './auth.js';
import { queryEnum, queryInt, readBody } from './body.js';
import type { AppDeps } from './deps.js';

export function userRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const { store } = deps;

  app.get('/', async (c) => {
    requireAdmin(c.get('caller'));
    return c.json({ items: await listUsers(store) });
  });

  app.post('/', async (c) => {
    requireAdmin(c.get('caller'));
    const body = await readBody(c, createUserSchema);
    return c.json(await createUser(store, c.get('caller'), body.name, body.admin), 201);
  });

  /** Admin: change a user's quotas (the keys given; the rest keep their values). */
  app.patch('/:name', async (c) => {
    requireAdmin(c.get('caller'));
    const body = await readBody(c, updateUserSchema);
    return c.json(await updateQuotas(store, c.get('caller'), c.req.param('name'), body.quotas));
  });

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(`/:name/${verb}`, async (c) => {
      requireAdmin(c.get('caller'));
      return c.json(await setUserDisabled(store, c.get('caller'), c.req.param('name'), disabled));
    });
  }

  app.delete('/:name', async (c) => {
    requireAdmin(c.get('caller'));
    const force = queryEnum(c, 'force', ['true', 'false'] as const, 'false') === 'true';
    await deleteUser(store, c.get('caller'), c.req.param('name'), {
      force,
      stopJobs: (jobIds) => deps.scheduler.settle('job-stopped', jobIds),
    });
    return c.body(null, 204);
  });

  return app;
}

export function tokenRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const { store } = deps;

  app.post('/', async (c) => {
    const body = await readBody(c, createTokenSchema);
    return c.json(await createApiToken(store, c.get('caller'), body), 201);
  });

  /** The caller's tokens; `?user=NAME` (or `*` for all) for an admin. */
  app.get('/', async (c) => c.json({ items: await listApiTokens(store, c.get('caller'), c.req.query('user')) }));

  app.delete('/:id', async (c) => {
    await revokeApiToken(store, c.get('caller'), c.req.param('id'));
    return c.body(null, 204);
  });

  return app;
}

export function auditRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    requireAdmin(c.get('caller'));
    const cursor = c.req.query('cursor');
    const action = c.req.query('action');
    return c.json(
      await listAudit(deps.store, {
        limit: queryInt(c, 'limit', 100, 1, 1000),
        ...(cursor ? { cursor: queryInt(c, 'cursor', 0, 0, Number.MAX_SAFE_INTEGER) } : {}),
        ...(action ? { action } : {}),
      }),
    );
  });
  return app;
}
