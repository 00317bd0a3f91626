/** /v1/nodes: the hosts of the environments the caller can see; drain and undrain (controller/nodes/). */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { nodeSchema } from '../../protocol/api.js';
import { deleteNode, setNodeIntent } from '../nodes/drain.js';
import { getNode, listNodes } from '../nodes/view.js';
import type { AppEnv } from './auth.js';
import { queryInt } from './body.js';
import type { AppDeps } from './deps.js';
import { limit, pathOf, textCursor } from './params.js';
import { json, list, serve } from './route.js';

const tags = ['Nodes'];
const byId = pathOf('id');
const trueFalse = z.enum(['true', 'false']).default('false');

export function nodeRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const { store } = deps;

  serve(
    app,
    {
      method: 'get',
      path: '/',
      operationId: 'listNodes',
      summary: 'List nodes',
      tags,
      request: {
        query: z.object({
          limit: limit(500, 5000),
          cursor: textCursor,
          environment: z.string().optional().describe("only this environment's nodes"),
          all: trueFalse.describe("`true`: every user's environments' nodes (admin)"),
        }),
      },
      responses: { 200: json(list(nodeSchema), 'A page of nodes') },
    },
    async (c) => {
      const cursor = c.req.query('cursor');
      const environment = c.req.query('environment');
      const page = {
        limit: queryInt(c, 'limit', 500, 1, 5000),
        all: c.req.query('all') === 'true',
        ...(cursor ? { cursor } : {}),
        ...(environment ? { environment } : {}),
      };
      return c.json(await listNodes(store, c.get('caller'), page));
    },
  );

  serve(
    app,
    {
      method: 'get',
      path: '/{id}',
      operationId: 'getNode',
      summary: 'Get a node',
      tags,
      request: { params: byId },
      responses: { 200: json(nodeSchema, 'The node') },
    },
    async (c) => c.json(await getNode(store, c.get('caller'), c.req.param('id'))),
  );

  for (const [verb, desired, summary] of [
    ['drain', 'drain', 'Stop placing work on a node'],
    ['undrain', 'run', 'Let a drained node take work again'],
  ] as const) {
    const route = {
      method: 'post',
      path: `/{id}/${verb}`,
      operationId: `${verb}Node`,
      summary,
      tags,
      request: { params: byId },
      responses: { 200: json(nodeSchema, 'The node') },
    } as const;
    serve(app, route, async (c) => {
      const caller = c.get('caller');
      await setNodeIntent(store, caller, c.req.param('id'), desired);
      await deps.scheduler.settle('node-intent', []);
      return c.json(await getNode(store, caller, c.req.param('id')));
    });
  }

  /**
   * Removes a node: it takes no new work, and once its running instances have finished (at once
   * with `force=true`, they are re-queued) its provider deletes it; a hand-joined node is
   * disconnected and refused from then on.
   */
  serve(
    app,
    {
      method: 'delete',
      path: '/{id}',
      operationId: 'deleteNode',
      summary: 'Delete a node',
      description:
        'It takes no new work; once its running instances finish (at once with `force=true`: they are re-queued) its provider deletes it.',
      tags,
      request: { params: byId, query: z.object({ force: trueFalse.describe('re-queue its running instances now') }) },
      responses: { 200: json(nodeSchema, 'The node, TERMINATING or gone') },
    },
    async (c) => {
      const caller = c.get('caller');
      const force = c.req.query('force') === 'true';
      const node = await deleteNode(store, caller, c.req.param('id'), force);
      if (force) await deps.pools?.evict([node], `its node was deleted by ${caller.name} (forced)`);
      await deps.scheduler.settle('node-intent', []);
      deps.pools?.wake();
      return c.json(await getNode(store, caller, node));
    },
  );

  return app;
}
