/** /v1/templates: named, reusable task definitions owned by a user (controller/templates/). */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { templateSchema } from '../../protocol/api.js';
import { BatchError } from '../../protocol/errors.js';
import { nameSchema, parseOrThrow, templateSpecSchema } from '../../protocol/spec.js';
import { createTemplate, deleteTemplate, getTemplate, listTemplates, putTemplate } from '../templates/templates.js';
import type { AppEnv } from './auth.js';
import { queryInt, readJson } from './body.js';
import type { AppDeps } from './deps.js';
import { limit, pathOf, textCursor } from './params.js';
import { json, list, noContent, serve } from './route.js';

const tags = ['Templates'];
const byName = pathOf('name');
const specBody = { required: true, content: { 'application/json': { schema: templateSpecSchema } } };

export function templateRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const { store } = deps;

  serve(
    app,
    {
      method: 'post',
      path: '/',
      operationId: 'createTemplate',
      summary: 'Create a task template',
      tags,
      request: { body: specBody },
      responses: { 201: json(templateSchema, 'The template') },
    },
    async (c) => {
      const spec = parseOrThrow(templateSpecSchema, await readJson(c));
      return c.json(await createTemplate(store, c.get('caller'), spec), 201);
    },
  );

  serve(
    app,
    {
      method: 'put',
      path: '/{name}',
      operationId: 'putTemplate',
      summary: 'Create or replace a template',
      description: "The body's name, if given, must be the URL's.",
      tags,
      request: { params: byName, body: specBody },
      responses: { 200: json(templateSchema, 'The template') },
    },
    async (c) => {
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
    },
  );

  serve(
    app,
    {
      method: 'get',
      path: '/',
      operationId: 'listTemplates',
      summary: 'List templates',
      tags,
      request: { query: z.object({ limit: limit(100, 1000), cursor: textCursor }) },
      responses: { 200: json(list(templateSchema), 'A page of templates') },
    },
    async (c) => {
      const cursor = c.req.query('cursor');
      const page = { limit: queryInt(c, 'limit', 100, 1, 1000), ...(cursor ? { cursor } : {}) };
      return c.json(await listTemplates(store, c.get('caller'), page));
    },
  );

  serve(
    app,
    {
      method: 'get',
      path: '/{name}',
      operationId: 'getTemplate',
      summary: 'Get a template',
      tags,
      request: { params: byName },
      responses: { 200: json(templateSchema, 'The template') },
    },
    async (c) => c.json(await getTemplate(store, c.get('caller'), c.req.param('name'))),
  );

  serve(
    app,
    {
      method: 'delete',
      path: '/{name}',
      operationId: 'deleteTemplate',
      summary: 'Delete a template',
      tags,
      request: { params: byName },
      responses: noContent,
    },
    async (c) => {
      await deleteTemplate(store, c.get('caller'), c.req.param('name'));
      return c.body(null, 204);
    },
  );

  return app;
}
