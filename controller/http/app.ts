/** The HTTP API: one hono app, resources mounted as sub-apps, one error handler. */
import { Hono } from 'hono';
import { attemptIsActive } from '../attempts/active.js';
import { createMiddleware } from 'hono/factory';
import { requireToken, type AppEnv } from './auth.js';
import { checkRequestText, limitBody } from './body.js';
import type { AppDeps } from './deps.js';
import { environmentRoutes } from './environments.js';
import { errorHandler } from './errors.js';
import { jobRoutes } from './jobs.js';
import { nodeRoutes } from './nodes.js';
import { ossRoutes } from './oss.js';
import { signedRoutes } from './signed.js';
import { LocalObjectStore, SIGNED_PATH } from '../storage/local-store.js';
import { openApiDocument } from './openapi.js';
import { scheduleRoutes } from './schedules.js';
import { templateRoutes } from './templates.js';
import { auditRoutes, tokenRoutes, userRoutes } from './users.js';

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(errorHandler(deps.log));
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } }, 404));

  app.get('/healthz', (c) => c.json({ ok: true }));

  const v1 = new Hono<AppEnv>();
  // Before anything reads the body or looks the token up: a bounded body, printable parameters.
  const limit = limitBody();
  v1.use(
    '*',
    createMiddleware<AppEnv>(async (c, next) => {
      checkRequestText(c);
      // Uploads stream to object storage under their own limit (BATCH_OSS_MAX_UPLOAD_BYTES).
      if (c.req.method === 'PUT' && c.req.path.startsWith('/v1/oss/')) return next();
      return limit(c, next);
    }),
  );
  v1.use('*', requireToken(deps.store, deps.refusals));
  const openapi = openApiDocument();
  v1.get('/openapi.json', (c) => c.json(openapi));
  v1.route('/jobs', jobRoutes(deps));
  v1.route('/templates', templateRoutes(deps));
  v1.route('/compute-environments', environmentRoutes(deps));
  v1.route('/nodes', nodeRoutes(deps));
  v1.route('/schedules', scheduleRoutes(deps));
  v1.route('/users', userRoutes(deps));
  v1.route('/tokens', tokenRoutes(deps));
  v1.route('/audit', auditRoutes(deps));
  v1.route('/oss', ossRoutes(deps));
  app.route('/v1', v1);
  if (deps.objects instanceof LocalObjectStore)
    app.route(
      SIGNED_PATH,
      signedRoutes(deps.objects, (id) => attemptIsActive(deps.store, id)),
    );
  return app;
}
