/**
 * `/healthz` (liveness: the process answers; no database) and `/readyz` (readiness: the database
 * answers and the scheduler passes, health/readiness.ts). Both unauthenticated, as probes are.
 */
import { Hono } from 'hono';
import type { Readiness } from '../health/readiness.js';
import type { AppEnv } from './auth.js';

export function healthRoutes(readiness: () => Promise<Readiness>) {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', async (c) => {
    const result = await readiness();
    return c.json(result, result.ready ? 200 : 503);
  });
  return app;
}
