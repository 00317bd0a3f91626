/** The HTTP API: one hono app, resources mounted as sub-apps, one error handler. */
import { Hono } from 'hono';
import { requireToken, type AppEnv } from './auth.js';
import type { AppDeps } from './deps.js';
import { environmentRoutes } from './environments.js';
import { errorHandler } from './errors.js';
import { jobRoutes } from './jobs.js';
import { nodeRoutes } from './nodes.js';
import { ossRoutes } from './oss.js';
import { signedRoutes } from './signed.js';
import { LocalObjectStore, SIGNED_PATH } from '../storage/local-store.js';
import { openApiDocument } from './openapi.js';
import { templateRoutes } from './templates.js';
import { tokenRoutes, userRoutes } from './users.js';

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(errorHandler(deps.log));
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } }, 404));

  app.get('/healthz', (c) => c.json({ ok: true }));

  const v1 = new Hono<AppEnv>();
  v1.use('*', requireToken(deps.store));
  const openapi = openApiDocument();
  v1.get('/openapi.json', (c) => c.json(openapi));
  v1.route('/jobs', jobRoutes(deps));
  v1.route('/templates', templateRoutes(deps));
  v1.route('/compute-environments', environmentRoutes(deps));
  v1.route('/nodes', nodeRoutes(deps));
  v1.route('/users', userRoutes(deps));
  v1.route('/tokens', tokenRoutes(deps));
  v1.route('/oss', ossRoutes(deps));
  app.route('/v1', v1);
  if (deps.objects instanceof LocalObjectStore) app.route(SIGNED_PATH, signedRoutes(deps.objects));
  return app;
}
