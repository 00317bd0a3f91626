/**
 * `/metrics`: the Prometheus exposition (metrics/). Readable with the scrape token
 * (`BATCH_METRICS_TOKEN`, nothing else opens) or an admin's API token.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { requireAdmin } from '../access/caller.js';
import { isMetricsToken } from '../access/metrics-token.js';
import type { Metrics } from '../metrics/instruments.js';
import { requireToken, type AppEnv } from './auth.js';
import type { AppDeps } from './deps.js';
import { serve } from './route.js';

export function metricsRoutes(deps: AppDeps, metrics: Metrics) {
  const app = new OpenAPIHono<AppEnv>();
  const apiToken = requireToken(deps.store, deps.refusals);
  const scrapeAccess = createMiddleware<AppEnv>(async (c, next) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (deps.metricsToken && bearer && isMetricsToken(bearer, deps.metricsToken)) return next();
    await apiToken(c, async () => {
      requireAdmin(c.get('caller'));
      await next();
    });
  });
  serve(
    app,
    {
      method: 'get',
      path: '/',
      use: [scrapeAccess],
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      description: 'With the `BATCH_METRICS_TOKEN` scrape token or an admin token (docs/monitoring.md).',
      tags: ['Operations'],
      responses: { 200: { description: 'The exposition', content: { 'text/plain': { schema: z.string() } } } },
    },
    async (c) => c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }),
  );
  return app;
}
