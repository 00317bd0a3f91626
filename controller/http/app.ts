/** The HTTP API: one hono app, resources mounted as sub-apps, one error handler. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { attemptIsActive } from '../attempts/active.js';
import { createMiddleware } from 'hono/factory';
import { requireToken, type AppEnv } from './auth.js';
import { checkRequestText, limitBody } from './body.js';
import type { AppDeps } from './deps.js';
import { environmentRoutes } from './environments.js';
import { errorHandler } from './errors.js';
import { healthRoutes } from './health.js';
import { metricsRoutes } from './metrics.js';
import { observeRequests } from './observe.js';
import { readinessCheck } from '../health/readiness.js';
import { createMetrics } from '../metrics/instruments.js';
import { eventRoutes } from './events.js';
import { jobRoutes } from './jobs.js';
import { nodeRoutes } from './nodes.js';
import { ossRoutes } from './oss.js';
import { signedRoutes } from './signed.js';
import { LocalObjectStore, SIGNED_PATH } from '../storage/local-store.js';
import { openApiDocument } from './openapi.js';
import { serve } from './route.js';
import { scheduleRoutes } from './schedules.js';
import { templateRoutes } from './templates.js';
import { auditRoutes, tokenRoutes, userRoutes } from './users.js';
import { consoleRoutes } from './console.js';
import { controllerRoutes } from './controllers.js';

export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const metrics = deps.metrics ?? createMetrics();
  app.onError(errorHandler(deps.log, metrics));
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } }, 404));

  app.use('*', observeRequests(deps.log, metrics));
  // Without a scheduler (API tests) only the database is checked: its last pass is always now.
  app.route('/', healthRoutes(deps.readiness ?? readinessCheck({ store: deps.store, lastPassAt: () => Date.now() })));
  app.route('/metrics', metricsRoutes(deps, metrics));

  // Before /v1's token check: the document describes the API and holds no data. Made at the first
  // request, once every route below is mounted (and so documented).
  let document: ReturnType<typeof openApiDocument> | undefined;
  serve(
    app,
    {
      method: 'get',
      path: '/v1/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This document',
      tags: ['Operations'],
      security: [],
      responses: {
        200: {
          description: 'The OpenAPI 3.1 document',
          content: { 'application/json': { schema: z.looseObject({}) } },
        },
      },
    },
    (c) => c.json((document ??= openApiDocument(app))),
  );

  const v1 = new OpenAPIHono<AppEnv>();
  // Printable parameters before the token is looked up; the token before any of the body is read,
  // so a stranger is refused with 401 without the controller reading what it sends.
  const limit = limitBody();
  v1.use(
    '*',
    createMiddleware<AppEnv>(async (c, next) => {
      checkRequestText(c);
      return next();
    }),
  );
  v1.use('*', requireToken(deps.store, deps.refusals));
  v1.use(
    '*',
    createMiddleware<AppEnv>(async (c, next) => {
      // Uploads stream to object storage under their own limit (BATCH_OSS_MAX_UPLOAD_BYTES).
      if (c.req.method === 'PUT' && c.req.path.startsWith('/v1/oss/')) return next();
      return limit(c, next);
    }),
  );
  v1.route('/jobs', jobRoutes(deps));
  v1.route('/templates', templateRoutes(deps));
  v1.route('/compute-environments', environmentRoutes(deps));
  v1.route('/nodes', nodeRoutes(deps));
  v1.route('/schedules', scheduleRoutes(deps));
  v1.route('/users', userRoutes(deps));
  v1.route('/tokens', tokenRoutes(deps));
  v1.route('/audit', auditRoutes(deps));
  v1.route('/events', eventRoutes(deps));
  v1.route('/oss', ossRoutes(deps));
  v1.route('/controllers', controllerRoutes(deps));
  app.route('/v1', v1);
  if (deps.objects instanceof LocalObjectStore)
    app.route(
      SIGNED_PATH,
      signedRoutes(deps.objects, (id) => attemptIsActive(deps.store, id)),
    );
  // Last: it answers every other GET outside the API with the console's index.html.
  app.route('/', consoleRoutes());
  return app;
}
