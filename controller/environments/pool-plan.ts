/**
 * Pure: what an environment with a provider needs now. A managed environment is kept at its
 * desired count: missing nodes are created, lost ones and those that did not boot in time are
 * replaced, and the excess goes (nodes still booting first, then idle ones, then busy ones, which
 * finish their work first unless the scale-in was forced). An auto environment gets nodes as its
 * ready instances need them, up to its `maxNodes` and the owner's quota, and gives back those
 * idle past its idle timeout. What is decided here is intent (`desired = 'terminate'`); the
 * scheduler derives the node's state from it.
 */
import type { EnvironmentType, NodeIntent, NodeTemplate } from '../../protocol/api.js';
import type { NodeState } from '../../protocol/states.js';

export interface PoolNode {
  id: string;
  state: NodeState;
  desired: NodeIntent;
  busy: boolean;
  createdAtMs: number;
  /** When it last became idle (auto environments keep it for the idle timeout from then). */
  idleSinceMs: number | null;
}

/** Ready instances of a task waiting in the environment, with what each asks for. */
export interface PoolDemand {
  pending: number;
  cpu: number;
  memoryMiB: number;
  gpu: number;
}

export interface PoolEnvironment {
  type: EnvironmentType;
  desiredNodes: number;
  maxNodes: number | null;
  idleTimeoutMs: number;
  template: NodeTemplate;
  deleting: boolean;
}

export interface PoolLimits {
  /** The owner's `nodesPerEnvironment` quota. */
  quota: number;
  bootTimeoutMs: number;
  /** No creates before this time: the provider failed lately and is being backed off. */
  createBlockedUntilMs: number;
}

export interface PoolPlan {
  create: number;
  /** Nodes to give `desired = 'terminate'`, with why (shown on the node). */
  terminate: { id: string; why: string }[];
}

const LIVE: readonly NodeState[] = ['PROVISIONING', 'READY', 'DRAINING'];

export function planPool(
  env: PoolEnvironment,
  nodes: readonly PoolNode[],
  demand: readonly PoolDemand[],
  limits: PoolLimits,
  nowMs: number,
): PoolPlan {
  const terminate: PoolPlan['terminate'] = [];
  const leaving = new Set<string>();
  const leave = (node: PoolNode, why: string) => {
    if (node.desired === 'terminate' || leaving.has(node.id)) return;
    leaving.add(node.id);
    terminate.push({ id: node.id, why });
  };

  for (const node of nodes) {
    if (env.deleting) leave(node, 'its compute environment is being deleted');
    else if (node.state === 'LOST') leave(node, 'it was lost; a replacement is created');
    else if (node.state === 'PROVISIONING' && nowMs - node.createdAtMs > limits.bootTimeoutMs)
      leave(node, `its agent did not register within ${Math.round(limits.bootTimeoutMs / 1000)} s of its creation`);
  }
  const live = nodes.filter((n) => LIVE.includes(n.state) && n.desired !== 'terminate' && !leaving.has(n.id));
  if (env.deleting) return { create: 0, terminate };

  const room = Math.max(0, Math.min(limits.quota, env.maxNodes ?? Infinity) - live.length);
  let create = 0;
  if (env.type === 'managed') {
    const target = Math.min(env.desiredNodes, limits.quota);
    if (live.length < target) create = target - live.length;
    else for (const node of scaleInOrder(live).slice(0, live.length - target)) leave(node, 'scale-in');
  } else if (env.type === 'auto') {
    for (const node of live) {
      if (
        node.state === 'READY' &&
        !node.busy &&
        node.idleSinceMs !== null &&
        nowMs - node.idleSinceMs >= env.idleTimeoutMs
      )
        leave(node, `idle for ${Math.round(env.idleTimeoutMs / 1000)} s`);
    }
    const spare = live.filter(
      (n) => !leaving.has(n.id) && (n.state === 'PROVISIONING' || (n.state === 'READY' && !n.busy)),
    );
    create = Math.min(room, Math.max(0, nodesFor(demand, env.template) - spare.length));
  }
  if (nowMs < limits.createBlockedUntilMs) create = 0;
  return { create: Math.min(create, room), terminate };
}

/** Which nodes a scale-in takes first: those still booting, then idle ones, then busy ones. */
function scaleInOrder(live: readonly PoolNode[]): PoolNode[] {
  const rank = (n: PoolNode) => (n.state === 'PROVISIONING' ? 0 : !n.busy ? 1 : n.state === 'DRAINING' ? 2 : 3);
  return [...live].sort((a, b) => rank(a) - rank(b) || b.createdAtMs - a.createdAtMs);
}

/**
 * How many new nodes the waiting instances need: as many as a node of the template takes when
 * the template says its size, else one node each (the node's size is only known once it
 * registers; placement then packs them, and the nodes left idle go after the idle timeout).
 */
export function nodesFor(demand: readonly PoolDemand[], template: NodeTemplate): number {
  let nodes = 0;
  for (const d of demand) {
    let perNode = 1;
    if (template.cpu !== undefined && d.cpu > 0) {
      perNode = Math.floor((template.cpu + 1e-9) / d.cpu);
      if (template.memoryMiB !== undefined && d.memoryMiB > 0)
        perNode = Math.min(perNode, Math.floor(template.memoryMiB / d.memoryMiB));
      if (d.gpu > 0) perNode = Math.min(perNode, Math.floor((template.gpu ?? 0) / d.gpu));
    }
    // A task no node of the template can hold gets none: creating nodes would not help it.
    if (perNode <= 0) continue;
    nodes += Math.ceil(d.pending / perNode);
  }
  return nodes;
}
