/**
 * Pure: places ready instances onto nodes. Groups are taken in order (job priority, then FIFO,
 * then DAG position). Each group fills the matching nodes with the most free room first, room
 * measured for that group: the node that can take the most of its instances (its scarcest
 * resource decides), then the one with the most free cpu, then by node id — so work spreads
 * over idle nodes and a GPU task goes where GPUs are free. What cannot be placed gets a pending
 * reason saying why.
 */
import type { PendingReason } from '../../protocol/states.js';
import type {
  NodeSnapshot,
  OwnerQuota,
  Placement,
  PlacementPlan,
  Provisioning,
  ReadyGroup,
  Resources,
} from './types.js';

export function compareGroups(a: ReadyGroup, b: ReadyGroup): number {
  return b.priority - a.priority || a.seq - b.seq || a.position - b.position;
}

function fits(need: Resources, room: Resources): boolean {
  return need.cpu <= room.cpu + 1e-9 && need.memoryMiB <= room.memoryMiB && need.gpu <= room.gpu;
}

/** How many instances needing `need` fit into `room`. */
function howMany(need: Resources, room: Resources): number {
  let n = Math.floor((room.cpu + 1e-9) / need.cpu);
  if (need.memoryMiB > 0) n = Math.min(n, Math.floor(room.memoryMiB / need.memoryMiB));
  if (need.gpu > 0) n = Math.min(n, Math.floor(room.gpu / need.gpu));
  return Math.max(0, n);
}

export function matchesSelector(labels: Record<string, string>, selector: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector)) if (labels[key] !== value) return false;
  return true;
}

/** Whether any node of the list could ever run one instance of the group (ignoring load). */
export function canEverPlace(
  group: Pick<ReadyGroup, 'environmentId' | 'resources' | 'nodeSelector'>,
  nodes: readonly NodeSnapshot[],
): boolean {
  return nodes.some(
    (n) =>
      n.environmentId === group.environmentId &&
      matchesSelector(n.labels, group.nodeSelector) &&
      fits(group.resources, n.capacity),
  );
}

export function place(
  groups: readonly ReadyGroup[],
  nodes: readonly NodeSnapshot[],
  quotas: ReadonlyMap<string, OwnerQuota>,
  provisioning: Provisioning = { nodes: new Map(), elastic: new Set() },
  /**
   * READY nodes this controller holds no connection to (another controller's, with several):
   * not placed onto here, but a group one of them could run is not "no matching node".
   */
  elsewhere: readonly NodeSnapshot[] = [],
): PlacementPlan {
  const coming = (environmentId: string) => (provisioning.nodes.get(environmentId) ?? 0) > 0;
  const free = new Map<string, Resources>(
    nodes.map((n) => [
      n.id,
      {
        cpu: n.capacity.cpu - n.allocated.cpu,
        memoryMiB: n.capacity.memoryMiB - n.allocated.memoryMiB,
        gpu: n.capacity.gpu - n.allocated.gpu,
      },
    ]),
  );
  const freeAtStart = new Map([...free].map(([id, r]) => [id, { ...r }]));
  const running = new Map([...quotas].map(([owner, q]) => [owner, q.running]));
  const placements: Placement[] = [];
  const reasons: PlacementPlan['reasons'] = [];

  for (const group of [...groups].sort(compareGroups)) {
    const eligible = nodes.filter((n) => canRun(group, n));
    if (eligible.length === 0) {
      // The controller holding such a node places the group and says why it waits.
      if (elsewhere.some((n) => canRun(group, n))) continue;
      const reason = coming(group.environmentId)
        ? 'PROVISIONING'
        : provisioning.elastic.has(group.environmentId)
          ? 'NO_CAPACITY'
          : 'NO_MATCHING_NODE';
      reasons.push({ jobId: group.jobId, task: group.taskName, reason });
      continue;
    }
    const quota = quotas.get(group.ownerId);
    let allowed = group.pending;
    if (quota) allowed = Math.min(allowed, Math.max(0, quota.maxRunning - (running.get(group.ownerId) ?? 0)));

    let left = allowed;
    const byRoom = eligible
      .map((n) => {
        const room = free.get(n.id)!;
        return { node: n, room, takes: howMany(group.resources, room) };
      })
      .filter((e) => e.takes > 0)
      .sort((a, b) => b.takes - a.takes || b.room.cpu - a.room.cpu || a.node.id.localeCompare(b.node.id));
    for (const { node, room } of byRoom) {
      if (left === 0) break;
      const count = Math.min(left, howMany(group.resources, room));
      if (count === 0) continue;
      room.cpu -= count * group.resources.cpu;
      room.memoryMiB -= count * group.resources.memoryMiB;
      room.gpu -= count * group.resources.gpu;
      placements.push({ jobId: group.jobId, task: group.taskName, nodeId: node.id, count, resources: group.resources });
      left -= count;
    }
    running.set(group.ownerId, (running.get(group.ownerId) ?? 0) + (allowed - left));

    if (group.pending > allowed - left) {
      reasons.push({
        jobId: group.jobId,
        task: group.taskName,
        reason: ((why) => (why === 'NO_CAPACITY' && coming(group.environmentId) ? 'PROVISIONING' : why))(
          whyWaiting(group, allowed, left, eligible, freeAtStart),
        ),
      });
    }
  }
  return { placements, reasons };
}

/** Whether the node could ever run one instance of the group: its environment, labels and size. */
function canRun(group: ReadyGroup, n: NodeSnapshot): boolean {
  return (
    n.environmentId === group.environmentId &&
    matchesSelector(n.labels, group.nodeSelector) &&
    fits(group.resources, n.capacity)
  );
}

function whyWaiting(
  group: ReadyGroup,
  allowed: number,
  left: number,
  eligible: readonly NodeSnapshot[],
  freeAtStart: ReadonlyMap<string, Resources>,
): PendingReason {
  if (allowed < group.pending && left === 0) return 'QUOTA';
  // Room existed before this pass and the group got none of it: work ahead of it took the room.
  const hadRoom = eligible.some((n) => fits(group.resources, freeAtStart.get(n.id)!));
  return hadRoom && allowed - left === 0 ? 'PRIORITY' : 'NO_CAPACITY';
}
