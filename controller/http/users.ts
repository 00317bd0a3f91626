/** /v1/users (admin) and /v1/tokens (any user, for themselves). Tokens are shown once. */
import { Hono } from 'hono';
import { createTokenSchema, createUserSchema, updateUserSchema } from '../../protocol/api.js';
import { requireAdmin } from '../access/caller.js';
import { createApiToken } from '../access/tokens.js';
import { createUser, listUsers, updateQuotas } from '../access/users.js';
import type { AppEnv } from './auth.js';
import { readBody } from './body.js';
import type { AppDeps } from './deps.js';

export function userRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    requireAdmin(c.get('caller'));
    return c.json({ items: await listUsers(deps.store) });
  });

  app.post('/', async (c) => {
    requireAdmin(c.get('caller'));
    const body = await readBody(c, createUserSchema);
    return c.json(await createUser(deps.store, body.name, body.admin), 201);
  });

  /** Admin: change a user's quotas (the keys given; the rest keep their values). */
  app.patch('/:name', async (c) => {
    requireAdmin(c.get('caller'));
    const body = await readBody(c, updateUserSchema);
    return c.json(await updateQuotas(deps.store, c.req.param('name'), body.quotas));
  });

  return app;
}

export function tokenRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.post('/', async (c) => {
    const caller = c.get('caller');
    const body = await readBody(c, createTokenSchema);
    const token = await createApiToken(deps.store, caller, body.name);
    return c.json({ token, user: caller.name, name: body.name }, 201);
  });
  return app;
}
