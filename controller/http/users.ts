/**
 * /v1/users (admin): list, create, quotas, disable/enable, delete. /v1/tokens: a user's own API
 * tokens (an admin may see and revoke anyone's). /v1/audit (admin): security events.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import {
  auditEventSchema,
  createdUserSchema,
  createTokenSchema,
  createUserSchema,
  tokenInfoSchema,
  tokenSchema,
  updateUserSchema,
  userSchema,
} from '../../protocol/api.js';
import { listAudit } from '../access/audit.js';
import { requireAdmin } from '../access/caller.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../access/tokens.js';
import { createUser, deleteUser, listUsers, setUserDisabled, updateQuotas } from '../access/users.js';
import type { AppEnv } from './auth.js';
import { queryEnum, queryInt, readBody } from './body.js';
import type { AppDeps } from './deps.js';
import { limit, numberCursor, pathOf } from './params.js';
import { json, list, noContent, serve } from './route.js';

const byName = pathOf('name');
const userTags = ['Users'];
const tokenTags = ['Tokens'];
const auditTags = ['Audit'];
const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema } } });

export function userRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const { store } = deps;

  serve(
    app,
    {
      method: 'get',
      path: '/',
      operationId: 'listUsers',
      summary: 'List users (admin)',
      tags: userTags,
      responses: { 200: json(list(userSchema), 'Every user') },
    },
    async (c) => {
      requireAdmin(c.get('caller'));
      return c.json({ items: await listUsers(store) });
    },
  );

  serve(
    app,
    {
      method: 'post',
      path: '/',
      operationId: 'createUser',
      summary: 'Create a user and its first token (admin)',
      tags: userTags,
      request: { body: body(createUserSchema) },
      responses: {
        201: json(createdUserSchema, 'The user and its token (shown only now)'),
      },
    },
    async (c) => {
      requireAdmin(c.get('caller'));
      const body = await readBody(c, createUserSchema);
      return c.json(await createUser(store, c.get('caller'), body.name, body.admin), 201);
    },
  );

  /** Admin: change a user's quotas (the keys given; the rest keep their values). */
  serve(
    app,
    {
      method: 'patch',
      path: '/{name}',
      operationId: 'updateUserQuotas',
      summary: "Change a user's quotas (admin)",
      tags: userTags,
      request: { params: byName, body: body(updateUserSchema) },
      responses: { 200: json(userSchema, 'The user') },
    },
    async (c) => {
      requireAdmin(c.get('caller'));
      const body = await readBody(c, updateUserSchema);
      return c.json(await updateQuotas(store, c.get('caller'), c.req.param('name'), body.quotas));
    },
  );

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    const route = {
      method: 'post',
      path: `/{name}/${verb}`,
      operationId: `${verb}User`,
      summary: `${verb === 'disable' ? 'Disable' : 'Enable'} a user (admin)`,
      tags: userTags,
      request: { params: byName },
      responses: { 200: json(userSchema, 'The user') },
    } as const;
    serve(app, route, async (c) => {
      requireAdmin(c.get('caller'));
      return c.json(await setUserDisabled(store, c.get('caller'), c.req.param('name'), disabled));
    });
  }

  serve(
    app,
    {
      method: 'delete',
      path: '/{name}',
      operationId: 'deleteUser',
      summary: 'Delete a user (admin)',
      tags: userTags,
      request: {
        params: byName,
        query: z.object({
          force: z.enum(['true', 'false']).default('false').describe('stop their unfinished jobs first'),
        }),
      },
      responses: noContent,
    },
    async (c) => {
      requireAdmin(c.get('caller'));
      const force = queryEnum(c, 'force', ['true', 'false'] as const, 'false') === 'true';
      await deleteUser(store, c.get('caller'), c.req.param('name'), {
        force,
        stopJobs: (jobIds) => deps.scheduler.settle('job-stopped', jobIds),
      });
      return c.body(null, 204);
    },
  );

  return app;
}

export function tokenRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const { store } = deps;

  serve(
    app,
    {
      method: 'post',
      path: '/',
      operationId: 'createToken',
      summary: 'Create an API token for yourself',
      tags: tokenTags,
      request: { body: body(createTokenSchema) },
      responses: { 201: json(tokenSchema, 'The token (shown only now)') },
    },
    async (c) => {
      const body = await readBody(c, createTokenSchema);
      return c.json(await createApiToken(store, c.get('caller'), body), 201);
    },
  );

  /** The caller's tokens; `?user=NAME` (or `*` for all) for an admin. */
  serve(
    app,
    {
      method: 'get',
      path: '/',
      operationId: 'listTokens',
      summary: 'List API tokens',
      tags: tokenTags,
      request: { query: z.object({ user: z.string().optional().describe("(admin) this user's, or `*` for all") }) },
      responses: { 200: json(list(tokenInfoSchema), 'The tokens, without their secrets') },
    },
    async (c) => c.json({ items: await listApiTokens(store, c.get('caller'), c.req.query('user')) }),
  );

  serve(
    app,
    {
      method: 'delete',
      path: '/{id}',
      operationId: 'revokeToken',
      summary: 'Revoke an API token',
      tags: tokenTags,
      request: { params: pathOf('id') },
      responses: noContent,
    },
    async (c) => {
      await revokeApiToken(store, c.get('caller'), c.req.param('id'));
      return c.body(null, 204);
    },
  );

  return app;
}

export function auditRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  serve(
    app,
    {
      method: 'get',
      path: '/',
      operationId: 'listAuditEvents',
      summary: 'Security events, newest first (admin)',
      tags: auditTags,
      request: {
        query: z.object({
          limit: limit(100, 1000),
          cursor: numberCursor,
          action: z.string().optional().describe('only events of this action'),
        }),
      },
      responses: { 200: json(list(auditEventSchema), 'A page of events') },
    },
    async (c) => {
      requireAdmin(c.get('caller'));
      const cursor = c.req.query('cursor');
      const action = c.req.query('action');
      return c.json(
        await listAudit(deps.store, {
          limit: queryInt(c, 'limit', 100, 1, 1000),
          ...(cursor ? { cursor: queryInt(c, 'cursor', 0, 0, Number.MAX_SAFE_INTEGER) } : {}),
          ...(action ? { action } : {}),
        }),
      );
    },
  );
  return app;
}
