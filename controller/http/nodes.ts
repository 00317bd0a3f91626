/** /v1/nodes: the hosts of the environments the caller can see; drain and undrain (controller/nodes/). */
import { Hono } from 'hono';
import { deleteNode, setNodeIntent } from '../nodes/drain.js';
import { getNode, listNodes } from '../nodes/view.js';
import type { AppEnv } from './auth.js';
import { queryInt } from './body.js';
import type { AppDeps } from './deps.js';

export function nodeRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const { store } = deps;

  app.get('/', async (c) => {
    const cursor = c.req.query('cursor');
    const environment = c.req.query('environment');
    const page = {
      limit: queryInt(c, 'limit', 500, 1, 5000),
      all: c.req.query('all') === 'true',
      ...(cursor ? { cursor } : {}),
      ...(environment ? { environment } : {}),
    };
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

  /**
   * Removes a node: it takes no new work, and once its running instances have finished (at once
   * with `force=true`, they are re-queued) its provider deletes it; a hand-joined node is
   * disconnected and refused from then on.
   */
  app.delete('/:id', async (c) => {
    const caller = c.get('caller');
    const force = c.req.query('force') === 'true';
    const node = await deleteNode(store, caller, c.req.param('id'), force);
    if (force) await deps.pools?.evict([node], `its node was deleted by ${caller.name} (forced)`);
    await deps.scheduler.settle('node-intent', []);
    deps.pools?.wake();
    return c.json(await getNode(store, caller, node));
  });

  return app;
}
