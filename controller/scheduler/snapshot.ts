/** Reads what the scheduler plans from: active jobs with per-task counts, ready work, nodes, quotas. */
import { sql } from 'drizzle-orm';
import type { ResolvedDependency, ResolvedTask } from '../../protocol/spec.js';
import {
  ACTIVE_ATTEMPT_STATES,
  ACTIVE_JOB_STATES,
  ACTIVE_TASK_STATES,
  type InstanceState,
  type JobState,
  type TaskState,
} from '../../protocol/states.js';
import type { Database } from '../db/client.js';
import { stateIn } from '../db/state-sql.js';
import { DEFAULT_QUOTAS } from '../quotas.js';
import { emptyCounts } from './derive.js';
import type {
  JobSnapshot,
  NodeIntentSnapshot,
  NodeSnapshot,
  OwnerQuota,
  Provisioning,
  ReadyGroup,
  TaskSnapshot,
} from './types.js';

interface JobRow {
  id: string;
  state: JobState;
  desired: 'run' | 'stop';
  restart: boolean;
}
interface TaskRow {
  job_id: string;
  name: string;
  position: number;
  state: TaskState;
  instance_count: number;
  depends_on: ResolvedDependency[];
}
interface CountRow {
  job_id: string;
  task_name: string;
  state: InstanceState;
  blocked: boolean;
  n: number;
}
interface InstanceRow {
  job_id: string;
  task_name: string;
  index: number;
  state: InstanceState;
  blocked: boolean;
}

/**
 * Every unfinished job and every finished one with a restart outstanding (or just those among
 * `jobIds`), with its tasks in DAG order and instance counts.
 */
export async function loadActiveJobs(store: Database, jobIds?: readonly string[]): Promise<JobSnapshot[]> {
  const only = jobIds ? sql`AND id IN (SELECT jsonb_array_elements_text(${JSON.stringify(jobIds)}::jsonb))` : sql``;
  // Two branches so each uses its partial index (jobs_active_idx, jobs_restart_idx).
  const jobRows = await store.rows<JobRow>(
    sql`SELECT id, state, desired, false AS restart FROM jobs WHERE ${stateIn('jobs', ACTIVE_JOB_STATES)} ${only}
        UNION ALL
        SELECT id, state, desired, true AS restart FROM jobs WHERE restarts_requested > restarts_applied ${only}`,
  );
  if (jobRows.length === 0) return [];
  const ids = JSON.stringify(jobRows.map((j) => j.id));
  const inJobs = sql`job_id IN (SELECT jsonb_array_elements_text(${ids}::jsonb))`;
  const [taskRows, countRows] = await Promise.all([
    store.rows<TaskRow>(
      sql`SELECT job_id, name, position, state, instance_count, spec->'dependsOn' AS depends_on
          FROM tasks WHERE ${inJobs} ORDER BY job_id, position`,
    ),
    store.rows<CountRow>(
      sql`SELECT job_id, task_name, state, coalesce(pending_reason = 'DEPENDENCY', false) AS blocked, count(*)::int AS n
          FROM instances WHERE ${inJobs} GROUP BY 1, 2, 3, 4`,
    ),
  ]);

  const jobs = new Map<string, JobSnapshot>(
    jobRows.map((j) => [
      j.id,
      { id: j.id, state: j.state, desired: j.desired, restartRequested: j.restart, tasks: [] } satisfies JobSnapshot,
    ]),
  );
  const taskKey = (job: string, task: string) => `${job}\u0000${task}`;
  const tasks = new Map<string, TaskSnapshot>();
  for (const row of taskRows) {
    const task: TaskSnapshot = {
      name: row.name,
      position: row.position,
      state: row.state,
      instanceCount: row.instance_count,
      dependsOn: row.depends_on,
      counts: emptyCounts(),
      blocked: 0,
    };
    jobs.get(row.job_id)?.tasks.push(task);
    tasks.set(taskKey(row.job_id, row.name), task);
  }
  for (const row of countRows) {
    const task = tasks.get(taskKey(row.job_id, row.task_name));
    if (!task) continue;
    task.counts[row.state] += row.n;
    if (row.state === 'PENDING' && row.blocked) task.blocked += row.n;
  }

  // Per-instance dependencies need instance-level states of both sides, but only while blocked.
  const perInstance: { job: string; task: string }[] = [];
  for (const job of jobs.values()) {
    for (const task of job.tasks) {
      if (task.blocked === 0) continue;
      const deps = task.dependsOn.filter((d) => d.per === 'instance');
      if (deps.length === 0) continue;
      perInstance.push({ job: job.id, task: task.name }, ...deps.map((d) => ({ job: job.id, task: d.task })));
    }
  }
  if (perInstance.length > 0) {
    const rows = await store.rows<InstanceRow>(
      sql`SELECT i.job_id, i.task_name, i.index, i.state, coalesce(i.pending_reason = 'DEPENDENCY', false) AS blocked
          FROM instances i
          JOIN jsonb_to_recordset(${JSON.stringify(perInstance)}::jsonb) AS w(job text, task text)
            ON i.job_id = w.job AND i.task_name = w.task`,
    );
    for (const row of rows) {
      const task = tasks.get(taskKey(row.job_id, row.task_name))!;
      task.instanceStates ??= new Array<InstanceState>(task.instanceCount).fill('PENDING');
      task.instanceStates[row.index] = row.state;
      if (row.state === 'PENDING' && row.blocked) (task.blockedIndexes ??= []).push(row.index);
    }
  }
  return [...jobs.values()];
}

interface GroupRow {
  job_id: string;
  owner_id: string;
  priority: number;
  seq: number;
  task_name: string;
  position: number;
  environment_id: string;
  spec: ResolvedTask;
  pending: number;
}

/**
 * Tasks with instances whose dependencies are met, waiting for a node. Each task's count stops
 * at `cap` (no more could be placed in this pass anyway), so a full cluster with a long queue
 * costs one index probe per task, not a scan of the queue.
 */
export async function loadReadyGroups(store: Database, cap: number): Promise<ReadyGroup[]> {
  const rows = await store.rows<GroupRow>(
    sql`SELECT j.id AS job_id, j.owner_id, j.priority, j.seq, t.name AS task_name, t.position, t.environment_id,
               t.spec, p.pending
        FROM jobs j
        JOIN tasks t ON t.job_id = j.id AND ${stateIn('tasks', ACTIVE_TASK_STATES, 't')}
        CROSS JOIN LATERAL (
          SELECT count(*)::int AS pending FROM (
            SELECT 1 FROM instances i
            WHERE i.job_id = t.job_id AND i.task_name = t.name AND i.index >= t.claim_from
              AND ${stateIn('instances', ['PENDING'], 'i')}
              AND i.pending_reason IS DISTINCT FROM 'DEPENDENCY' AND (i.not_before IS NULL OR i.not_before <= now())
            LIMIT ${Math.max(1, Math.floor(cap))}
          ) ready
        ) p
        WHERE j.desired = 'run' AND ${stateIn('jobs', ['PENDING', 'RUNNING'], 'j')} AND p.pending > 0`,
  );
  return rows.map((r) => ({
    jobId: r.job_id,
    ownerId: r.owner_id,
    priority: r.priority,
    seq: r.seq,
    taskName: r.task_name,
    position: r.position,
    environmentId: r.environment_id,
    resources: r.spec.resources,
    nodeSelector: r.spec.nodeSelector,
    pending: r.pending,
  }));
}

interface NodeRow {
  id: string;
  environment_id: string;
  labels: Record<string, string>;
  cpu: number;
  memory_mib: number;
  gpu: number;
  used_cpu: number;
  used_memory_mib: number;
  used_gpu: number;
}

/**
 * Nodes that accept new work, with what their active attempts hold: those connected to this
 * controller (`here`, which it places onto) and the others (`elsewhere`: another controller's).
 */
export async function loadReadyNodes(
  store: Database,
  connected: ReadonlySet<string>,
): Promise<{ here: NodeSnapshot[]; elsewhere: NodeSnapshot[] }> {
  const rows = await store.rows<NodeRow>(
    sql`SELECT n.id, n.environment_id, n.labels, n.cpu, n.memory_mib, n.gpu,
               coalesce(sum(a.cpu), 0)::float8 AS used_cpu, coalesce(sum(a.memory_mib), 0)::int AS used_memory_mib,
               coalesce(sum(a.gpu), 0)::int AS used_gpu
        FROM nodes n
        LEFT JOIN attempts a ON a.node_id = n.id AND ${stateIn('attempts', ACTIVE_ATTEMPT_STATES, 'a')}
        WHERE ${stateIn('nodes', ['READY'], 'n')} AND n.desired = 'run'
        GROUP BY n.id`,
  );
  const out = { here: [] as NodeSnapshot[], elsewhere: [] as NodeSnapshot[] };
  for (const r of rows)
    (connected.has(r.id) ? out.here : out.elsewhere).push({
      id: r.id,
      environmentId: r.environment_id,
      labels: r.labels,
      capacity: { cpu: r.cpu, memoryMiB: r.memory_mib, gpu: r.gpu },
      allocated: { cpu: r.used_cpu, memoryMiB: r.used_memory_mib, gpu: r.used_gpu },
    });
  return out;
}

/**
 * Running instances and the concurrency limit of every owner with ready work. Counted from active
 * attempts (one per running instance), which a partial index keeps small.
 */
export async function loadQuotas(store: Database, owners: readonly string[]): Promise<Map<string, OwnerQuota>> {
  if (owners.length === 0) return new Map();
  const rows = await store.rows<{ id: string; limit: number | null; running: number }>(
    sql`SELECT u.id, (u.quotas->>'runningInstances')::int AS limit,
               (SELECT count(*)::int FROM attempts a JOIN jobs j ON j.id = a.job_id
                WHERE j.owner_id = u.id AND ${stateIn('attempts', ACTIVE_ATTEMPT_STATES, 'a')}) AS running
        FROM users u WHERE u.id IN (SELECT jsonb_array_elements_text(${JSON.stringify(owners)}::jsonb))`,
  );
  return new Map(
    rows.map((r) => [r.id, { running: r.running, maxRunning: r.limit ?? DEFAULT_QUOTAS.runningInstances }]),
  );
}

/** When the earliest retry backoff ends, so the scheduler can wake for it. */
export async function loadNextBackoffEnd(store: Database): Promise<number | undefined> {
  const [row] = await store.rows<{ ms: number | null }>(
    sql`SELECT (extract(epoch FROM min(not_before)) * 1000)::float8 AS ms FROM instances
        WHERE ${stateIn('instances', ['PENDING'])} AND not_before > now()`,
  );
  return row?.ms ?? undefined;
}

/** Nodes whose intent and state disagree: drained but still READY, undrained but DRAINING. */
export async function loadNodeIntents(store: Database): Promise<NodeIntentSnapshot[]> {
  return store.rows<NodeIntentSnapshot>(
    sql`SELECT n.id, n.state, n.desired,
               EXISTS (SELECT 1 FROM attempts a WHERE a.node_id = n.id AND ${stateIn('attempts', ACTIVE_ATTEMPT_STATES, 'a')}) AS busy
        FROM nodes n
        WHERE (n.desired = 'drain' AND ${stateIn('nodes', ['READY'], 'n')})
           OR (n.desired = 'run' AND ${stateIn('nodes', ['DRAINING'], 'n')})
           OR (n.desired = 'terminate' AND ${stateIn('nodes', ['PROVISIONING', 'READY', 'DRAINING', 'LOST'], 'n')})`,
  );
}

/** Environments whose nodes are being created, and those that create nodes on demand. */
export async function loadProvisioning(store: Database): Promise<Provisioning> {
  const rows = await store.rows<{ id: string; elastic: boolean; provisioning: number }>(sql`
    SELECT e.id, e.type = 'auto' AS elastic,
           (SELECT count(*) FROM nodes n WHERE n.environment_id = e.id AND ${stateIn('nodes', ['PROVISIONING'], 'n')})::int AS provisioning
    FROM compute_environments e
    WHERE e.type = 'auto' OR e.provider <> 'none'`);
  return {
    nodes: new Map(rows.filter((r) => r.provisioning > 0).map((r) => [r.id, r.provisioning])),
    elastic: new Set(rows.filter((r) => r.elastic).map((r) => r.id)),
  };
}
