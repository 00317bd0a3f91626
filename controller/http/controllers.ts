/** /v1/controllers (admin): the controllers sharing this database, their leases and agents. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { controllerSchema } from '../../protocol/api.js';
import { requireAdmin } from '../access/caller.js';
import { listControllers } from '../cluster/controllers.js';
import type { AppEnv } from './auth.js';
import type { AppDeps } from './deps.js';
import { json, list, serve } from './route.js';

export function controllerRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  serve(
    app,
    {
      method: 'get',
      path: '/',
      operationId: 'listControllers',
      summary: 'List the controllers sharing the database, the duties they hold and their agents (admin)',
      tags: ['Controllers'],
      responses: { 200: json(list(controllerSchema), 'Every controller not yet forgotten, those up first') },
    },
    async (c) => {
      requireAdmin(c.get('caller'));
      return c.json({ items: await listControllers(deps.store) });
    },
  );
  return app;
}
