/** /v1/compute-environments: sets of nodes and the tokens nodes join them with (controller/environments/). */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import {
  computeEnvironmentSchema,
  createEnvironmentSchema,
  createRegistrationTokenSchema,
  registrationTokenInfoSchema,
  registrationTokenSchema,
  scaleEnvironmentSchema,
} from '../../protocol/api.js';
import {
  createEnvironment,
  createRegistrationToken,
  deleteEnvironment,
  getEnvironment,
  listEnvironments,
  listRegistrationTokens,
  revokeRegistrationToken,
  scaleEnvironment,
} from '../environments/environments.js';
import type { AppEnv } from './auth.js';
import { readBody } from './body.js';
import type { AppDeps } from './deps.js';
import { pathOf } from './params.js';
import { json, list, noContent, serve } from './route.js';

const tags = ['Compute environments'];
const byName = pathOf('name');
const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema } } });

export function environmentRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const { store } = deps;

  serve(
    app,
    {
      method: 'get',
      path: '/',
      operationId: 'listComputeEnvironments',
      summary: 'List compute environments',
      tags,
      request: {
        query: z.object({ all: z.enum(['true', 'false']).default('false').describe("`true`: every user's (admin)") }),
      },
      responses: { 200: json(list(computeEnvironmentSchema), 'The environments') },
    },
    async (c) =>
      c.json({
        items: await listEnvironments(store, c.get('caller'), undefined, { all: c.req.query('all') === 'true' }),
      }),
  );

  serve(
    app,
    {
      method: 'get',
      path: '/{name}',
      operationId: 'getComputeEnvironment',
      summary: 'Get a compute environment',
      tags,
      request: { params: byName },
      responses: { 200: json(computeEnvironmentSchema, 'The environment') },
    },
    async (c) => c.json(await getEnvironment(store, c.get('caller'), c.req.param('name'))),
  );

  serve(
    app,
    {
      method: 'post',
      path: '/',
      operationId: 'createComputeEnvironment',
      summary: 'Create a compute environment',
      tags,
      request: { body: body(createEnvironmentSchema) },
      responses: { 201: json(computeEnvironmentSchema, 'The environment') },
    },
    async (c) => {
      const body = await readBody(c, createEnvironmentSchema);
      const env = await createEnvironment(store, c.get('caller'), body);
      deps.pools?.wake();
      return c.json(env, 201);
    },
  );

  serve(
    app,
    {
      method: 'post',
      path: '/{name}/scale',
      operationId: 'scaleComputeEnvironment',
      summary: 'Set the desired node count',
      tags,
      request: { params: byName, body: body(scaleEnvironmentSchema) },
      responses: { 200: json(computeEnvironmentSchema, 'The environment') },
    },
    async (c) => {
      const { desiredNodes, force } = await readBody(c, scaleEnvironmentSchema);
      const env = await scaleEnvironment(store, c.get('caller'), c.req.param('name'), desiredNodes);
      deps.pools?.wake(force ? env.name : undefined);
      return c.json(env);
    },
  );

  serve(
    app,
    {
      method: 'delete',
      path: '/{name}',
      operationId: 'deleteComputeEnvironment',
      summary: 'Delete a compute environment',
      tags,
      request: { params: byName },
      responses: noContent,
    },
    async (c) => {
      await deleteEnvironment(store, c.get('caller'), c.req.param('name'));
      deps.pools?.wake();
      return c.body(null, 204);
    },
  );

  serve(
    app,
    {
      method: 'post',
      path: '/{name}/tokens',
      operationId: 'createRegistrationToken',
      summary: 'Create a node registration token',
      tags,
      request: { params: byName, body: body(createRegistrationTokenSchema) },
      responses: { 201: json(registrationTokenSchema, 'The token (shown only now)') },
    },
    async (c) => {
      const body = await readBody(c, createRegistrationTokenSchema);
      return c.json(await createRegistrationToken(store, c.get('caller'), c.req.param('name'), body), 201);
    },
  );

  serve(
    app,
    {
      method: 'get',
      path: '/{name}/tokens',
      operationId: 'listRegistrationTokens',
      summary: "An environment's registration tokens",
      tags,
      request: { params: byName },
      responses: { 200: json(list(registrationTokenInfoSchema), 'The tokens, without their secrets') },
    },
    async (c) => c.json({ items: await listRegistrationTokens(store, c.get('caller'), c.req.param('name')) }),
  );

  serve(
    app,
    {
      method: 'delete',
      path: '/{name}/tokens/{id}',
      operationId: 'revokeRegistrationToken',
      summary: 'Revoke a registration token',
      tags,
      request: { params: pathOf('name', 'id') },
      responses: noContent,
    },
    async (c) => {
      await revokeRegistrationToken(store, c.get('caller'), c.req.param('name'), c.req.param('id'));
      return c.body(null, 204);
    },
  );

  return app;
}
