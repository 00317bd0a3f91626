/** /v1/nodes: the hosts of the environments the caller can see, with capacity and metrics. */
import { eq, or, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import type { Node } from '../../protocol/api.js';
import { BatchError } from '../../protocol/errors.js';
import type { NodeState } from '../../protocol/states.js';
import { computeEnvironments, nodes } from '../db/schema.js';
import type { AppEnv, Caller } from './auth.js';
import { queryInt } from './body.js';
import type { AppDeps } from './deps.js';
import { notFound } from './errors.js';

export function nodeRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const db = deps.store.db;

  /** Nodes visible to the caller, in id order; `after` and `limit` page through them. */
  async function load(
    caller: Caller,
    id?: string,
    page?: { after?: string; limit: number },
  ): Promise<(Node & { ownerId: string })[]> {
    const visible = caller.admin
      ? sql`true`
      : or(eq(computeEnvironments.ownerId, caller.id), eq(computeEnvironments.shared, true));
    const where = id
      ? sql`${visible} AND ${nodes.id} = ${id}`
      : page?.after
        ? sql`${visible} AND ${nodes.id} > ${page.after}`
        : visible;
    const rows = await db
      .select({
        node: nodes,
        environment: computeEnvironments.name,
        ownerId: computeEnvironments.ownerId,
        allocated: sql<{ cpu: number; memoryMiB: number; gpu: number }>`(
          SELECT json_build_object('cpu', coalesce(sum(a.cpu), 0), 'memoryMiB', coalesce(sum(a.memory_mib), 0), 'gpu', coalesce(sum(a.gpu), 0))
          FROM attempts a WHERE a.node_id = ${nodes.id} AND a.state IN ('SCHEDULED', 'RUNNING'))`,
      })
      .from(nodes)
      .innerJoin(computeEnvironments, eq(computeEnvironments.id, nodes.environmentId))
      .where(where)
      .orderBy(nodes.id)
      .limit(page ? page.limit : 1);
    return rows.map(({ node, environment, ownerId, allocated }) => ({
      id: node.id,
      name: node.name,
      state: node.state as NodeState,
      environment,
      labels: node.labels,
      capacity: { cpu: node.cpu, memoryMiB: node.memoryMiB, gpu: node.gpu },
      allocated,
      metrics: node.metrics ?? null,
      agentVersion: node.agentVersion,
      lastHeartbeatAt: node.lastHeartbeatAt ? node.lastHeartbeatAt.toISOString() : null,
      createdAt: node.createdAt.toISOString(),
      ownerId,
    }));
  }

  const strip = ({ ownerId: _ownerId, ...node }: Node & { ownerId: string }): Node => node;

  app.get('/', async (c) => {
    const limit = queryInt(c, 'limit', 500, 1, 5000);
    const after = c.req.query('cursor');
    const rows = await load(c.get('caller'), undefined, { limit: limit + 1, ...(after ? { after } : {}) });
    const items = rows.slice(0, limit).map(strip);
    return c.json(rows.length > limit ? { items, next: items[items.length - 1]!.id } : { items });
  });

  app.get('/:id', async (c) => {
    const [node] = await load(c.get('caller'), c.req.param('id'));
    if (!node) throw notFound('node', c.req.param('id'));
    return c.json(strip(node));
  });

  app.post('/:id/drain', async (c) => {
    const caller = c.get('caller');
    const [node] = await load(caller, c.req.param('id'));
    if (!node) throw notFound('node', c.req.param('id'));
    if (!caller.admin && node.ownerId !== caller.id)
      throw new BatchError('FORBIDDEN', `node ${node.id} belongs to another user's environment`);
    await db
      .update(nodes)
      .set({ desired: 'drain', state: sql`CASE WHEN ${nodes.state} = 'READY' THEN 'DRAINING' ELSE ${nodes.state} END` })
      .where(eq(nodes.id, node.id));
    return c.json(strip((await load(caller, node.id))[0]!));
  });

  return app;
}
