/** /v1/compute-environments: sets of nodes and the tokens nodes join them with (controller/environments/). */
import { Hono } from 'hono';
import { createEnvironmentSchema, createRegistrationTokenSchema, scaleEnvironmentSchema } from '../../protocol/api.js';
import {
  createEnvironment,
  createRegistrationToken,
  deleteEnvironment,
  getEnvironment,
  listEnvironments,
  listRegistrationTokens,
  revokeRegistrationToken,
  scaleEnvironment,
} from '../environments/environments.js';
import type { AppEnv } from './auth.js';
import { readBody } from './body.js';
import type { AppDeps } from './deps.js';

export function environmentRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const { store } = deps;

  app.get('/', async (c) =>
    c.json({
      items: await listEnvironments(store, c.get('caller'), undefined, { all: c.req.query('all') === 'true' }),
    }),
  );

  app.get('/:name', async (c) => c.json(await getEnvironment(store, c.get('caller'), c.req.param('name'))));

  app.post('/', async (c) => {
    const body = await readBody(c, createEnvironmentSchema);
    const env = await createEnvironment(store, c.get('caller'), body);
    deps.pools?.wake();
    return c.json(env, 201);
  });

  app.post('/:name/scale', async (c) => {
    const { desiredNodes, force } = await readBody(c, scaleEnvironmentSchema);
    const env = await scaleEnvironment(store, c.get('caller'), c.req.param('name'), desiredNodes);
    deps.pools?.wake(force ? env.name : undefined);
    return c.json(env);
  });

  app.delete('/:name', async (c) => {
    await deleteEnvironment(store, c.get('caller'), c.req.param('name'));
    deps.pools?.wake();
    return c.body(null, 204);
  });

  app.post('/:name/tokens', async (c) => {
    const body = await readBody(c, createRegistrationTokenSchema);
    return c.json(await createRegistrationToken(store, c.get('caller'), c.req.param('name'), body), 201);
  });

  app.get('/:name/tokens', async (c) =>
    c.json({ items: await listRegistrationTokens(store, c.get('caller'), c.req.param('name')) }),
  );

  app.delete('/:name/tokens/:id', async (c) => {
    await revokeRegistrationToken(store, c.get('caller'), c.req.param('name'), c.req.param('id'));
    return c.body(null, 204);
  });

  return app;
}
