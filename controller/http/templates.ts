/** /v1/templates: named, reusable task definitions owned by a user (controller/templates/). */
import { Hono } from 'hono';
import { BatchError } from '../../protocol/errors.js';
import { nameSchema, parseOrThrow, templateSpecSchema } from '../../protocol/spec.js';
import { createTemplate, deleteTemplate, getTemplate, listTemplates, putTemplate } from '../templates/templates.js';
import type { AppEnv } from './auth.js';
import { queryInt, readJson } from './body.js';
import type { AppDeps } from './deps.js';

export function templateRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const { store } = deps;

  app.post('/', async (c) => {
    const spec = parseOrThrow(templateSpecSchema, await readJson(c));
    return c.json(await createTemplate(store, c.get('caller'), spec), 201);
  });

  app.put('/:name', async (c) => {
    const name = parseOrThrow(nameSchema, c.req.param('name'), ['name']);
    const body = await readJson(c);
    if (typeof body === 'object' && body !== null && 'name' in body && body.name !== name) {
      throw new BatchError(
        'VALIDATION',
        `name: the body names "${String(body.name)}" but the URL names "${name}"`,
        'name',
      );
    }
    const spec = parseOrThrow(templateSpecSchema, { ...(body as object), name });
    return c.json(await putTemplate(store, c.get('caller'), spec));
  });

  app.get('/', async (c) => {
    const cursor = c.req.query('cursor');
    const page = { limit: queryInt(c, 'limit', 100, 1, 1000), ...(cursor ? { cursor } : {}) };
    return c.json(await listTemplates(store, c.get('caller'), page));
  });

  app.get('/:name', async (c) => c.json(await getTemplate(store, c.get('caller'), c.req.param('name'))));

  app.delete('/:name', async (c) => {
    await deleteTemplate(store, c.get('caller'), c.req.param('name'));
    return c.body(null, 204);
  });

  return app;
}
