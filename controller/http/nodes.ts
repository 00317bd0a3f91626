/** /v1/nodes: the hosts of the environments the caller can see; drain and undrain (controller/nodes/). */
import { Hono } from 'hono';
import { setNodeIntent } from '../nodes/drain.js';
import { getNode, listNodes } from '../nodes/view.js';
import type { AppEnv } from './auth.js';
import { queryInt } from './body.js';
import type { AppDeps } from './deps.js';

export function nodeRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const { store } = deps;

  app.get('/', async (c) => {
    const cursor = c.req.query('cursor');
    const page = { limit: queryInt(c, 'limit', 500, 1, 5000), ...(cursor ? { cursor } : {}) };
    return c.json(await listNodes(store, c.get('caller'), page));
  });

  app.get('/:id', async (c) => c.json(await getNode(store, c.get('caller'), c.req.param('id'))));

  for (const [verb, desired] of [
    ['drain', 'drain'],
    ['undrain', 'run'],
  ] as const) {
    app.post(`/:id/${verb}`, async (c) => {
      const caller = c.get('caller');
      await setNodeIntent(store, caller, c.req.param('id'), desired);
      await deps.scheduler.settle('node-intent', []);
      return c.json(await getNode(store, caller, c.req.param('id')));
    });
  }

  return app;
}
