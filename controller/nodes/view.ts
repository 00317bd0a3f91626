/** Nodes as the API shows them: the hosts of the environments the caller can see, with load. */
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Node } from '../../protocol/api.js';
import type { NodeMetrics } from '../../protocol/messages.js';
import { notFound } from '../../protocol/errors.js';
import { ACTIVE_ATTEMPT_STATES, type NodeState } from '../../protocol/states.js';
import type { Caller } from '../access/caller.js';
import { environmentsVisibleTo } from '../access/visibility.js';
import type { Database } from '../db/client.js';
import { computeEnvironments, nodes } from '../db/schema.js';
import { stateIn } from '../db/state-sql.js';

/** A node with who owns its environment, for the commands that must check it. */
export type OwnedNode = Node & { ownerId: string; shared: boolean };

async function load(
  store: Database,
  caller: Caller,
  where: { id: string } | ({ after?: string; limit: number } & NodeFilter),
): Promise<OwnedNode[]> {
  const conditions = [environmentsVisibleTo(caller)];
  if ('id' in where) conditions.push(eq(nodes.id, where.id));
  else {
    if (where.after !== undefined) conditions.push(gt(nodes.id, where.after));
    // TERMINATED nodes are history: listed on request until they are purged.
    if (where.all !== true) conditions.push(sql`NOT ${stateIn('nodes', ['TERMINATED'], 'nodes')}`);
    if (where.environment !== undefined) conditions.push(eq(computeEnvironments.name, where.environment));
  }
  const rows = await store.db
    .select({
      node: nodes,
      environment: computeEnvironments.name,
      ownerId: computeEnvironments.ownerId,
      shared: computeEnvironments.shared,
      allocated: sql<{ cpu: number; memoryMiB: number; gpu: number }>`(
        SELECT json_build_object('cpu', coalesce(sum(a.cpu), 0), 'memoryMiB', coalesce(sum(a.memory_mib), 0), 'gpu', coalesce(sum(a.gpu), 0))
        FROM attempts a WHERE a.node_id = ${nodes.id} AND ${stateIn('attempts', ACTIVE_ATTEMPT_STATES, 'a')})`,
    })
    .from(nodes)
    .innerJoin(computeEnvironments, eq(computeEnvironments.id, nodes.environmentId))
    .where(and(...conditions))
    .orderBy(nodes.id)
    .limit('id' in where ? 1 : where.limit);
  return rows.map(({ node, environment, ownerId, shared, allocated }) => ({
    id: node.id,
    name: node.name,
    state: node.state as NodeState,
    environment,
    labels: node.labels,
    capacity: { cpu: node.cpu, memoryMiB: node.memoryMiB, gpu: node.gpu },
    allocated,
    gpus: node.gpus,
    metrics: metricsView(node.metrics),
    agentVersion: node.agentVersion,
    lastHeartbeatAt: node.lastHeartbeatAt ? node.lastHeartbeatAt.toISOString() : null,
    createdAt: node.createdAt.toISOString(),
    providerId: node.providerId,
    message: node.message,
    desired: node.desired,
    terminatedAt: node.terminatedAt ? node.terminatedAt.toISOString() : null,
    ownerId,
    shared,
  }));
}

const strip = ({ ownerId: _ownerId, shared: _shared, ...node }: OwnedNode): Node => node;

export interface NodeFilter {
  /** TERMINATED nodes too. */
  all?: boolean;
  environment?: string;
}

/** Nodes visible to the caller, in id order; `cursor` and `limit` page through them. */
export async function listNodes(
  store: Database,
  caller: Caller,
  page: { limit: number; cursor?: string } & NodeFilter,
): Promise<{ items: Node[]; next?: string }> {
  const rows = await load(store, caller, {
    limit: page.limit + 1,
    ...(page.cursor ? { after: page.cursor } : {}),
    ...(page.all !== undefined ? { all: page.all } : {}),
    ...(page.environment !== undefined ? { environment: page.environment } : {}),
  });
  const items = rows.slice(0, page.limit).map(strip);
  return rows.length > page.limit ? { items, next: items[items.length - 1]!.id } : { items };
}

export async function findNode(store: Database, caller: Caller, id: string): Promise<OwnedNode> {
  const [node] = await load(store, caller, { id });
  if (!node) throw notFound('node', id);
  return node;
}

export async function getNode(store: Database, caller: Caller, id: string): Promise<Node> {
  return strip(await findNode(store, caller, id));
}

/** The stored heartbeat figures as the API shows them: `at` as an ISO time, like every API time. */
function metricsView(stored: NodeMetrics | null): Node['metrics'] {
  // A row written by an agent that sent no usable time shows no figures rather than failing the list.
  if (!stored || !Number.isFinite(stored.at)) return null;
  return { ...stored, at: new Date(stored.at).toISOString() };
}
