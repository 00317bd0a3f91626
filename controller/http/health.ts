/**
 * `/healthz` (liveness: the process answers; no database) and `/readyz` (readiness: the database
 * answers and the scheduler passes, health/readiness.ts). Both unauthenticated, as probes are.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Readiness } from '../health/readiness.js';
import type { AppEnv } from './auth.js';
import { json, serve } from './route.js';

const readinessSchema = z.object({ ready: z.boolean(), problems: z.array(z.string()) }).meta({ id: 'Readiness' });
const probe = { tags: ['Operations'], security: [] };

export function healthRoutes(readiness: () => Promise<Readiness>) {
  const app = new OpenAPIHono<AppEnv>();
  serve(
    app,
    {
      ...probe,
      method: 'get',
      path: '/healthz',
      operationId: 'getLiveness',
      summary: 'Liveness: the process answers (asks nothing of the database)',
      responses: { 200: json(z.object({ ok: z.literal(true) }), 'Alive') },
    },
    (c) => c.json({ ok: true }),
  );
  serve(
    app,
    {
      ...probe,
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      summary: 'Readiness: the database answers and the scheduler passed recently',
      responses: { 200: json(readinessSchema, 'Ready'), 503: json(readinessSchema, 'Not ready: the problems') },
    },
    async (c) => {
      const result = await readiness();
      return c.json(result, result.ready ? 200 : 503);
    },
  );
  return app;
}
