/**
 * Submitting a job: every rule is checked before anything is written (schema, templates, DAG,
 * quotas, environments, placeability), then the job, its tasks and all their instances are
 * inserted by one statement (in a transaction with the bucket claims, when the job names
 * buckets). The same `clientToken` from the same owner returns the first job — if the spec is
 * the same too (`spec-hash.ts`); a different spec under a used token is refused, as AWS answers
 * IdempotentParameterMismatch, instead of silently handing back a job that is not the one asked for.
 */
import { and, count, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { BatchError } from '../../protocol/errors.js';
import {
  checkJobSpec,
  jobSpecSchema,
  parseOrThrow,
  templateSpecSchema,
  type JobSpec,
  type ResolvedTask,
  type TemplateSpec,
} from '../../protocol/spec.js';
import type { Caller } from '../access/caller.js';
import { canSeeEnvironment } from '../access/visibility.js';
import type { Database } from '../db/client.js';
import { stateIn, stateValue } from '../db/state-sql.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Job, NodeTemplate } from '../../protocol/api.js';
import { assembleJobs, type JobRow } from './view.js';
import { claimBuckets } from '../storage/buckets.js';
import { bucketsOfTask } from '../storage/task-objects.js';
import { jobs, templates } from '../db/schema.js';
import { quotaLimit } from '../quotas.js';
import { localNodeSize } from '../providers/local.js';
import { canEverPlace } from '../scheduler/place.js';
import { newId } from '../secrets.js';
import { specHash } from './spec-hash.js';
import { nameEnvironments, type NamedTask } from '../environments/auto.js';

export type SubmitResult =
  | { jobId: string; created: false }
  /** A new job, with its resource as created (no read back needed). */
  | { jobId: string; created: true; job: Job };

export async function submitJob(
  store: Database,
  caller: Caller,
  body: unknown,
  /** Where tasks that name no environment run; undefined: the caller's auto environment. */
  configuredDefault: string | undefined,
): Promise<SubmitResult> {
  const parsed = parseOrThrow(jobSpecSchema, body);
  const hash = specHash(parsed);
  if (parsed.clientToken !== undefined) {
    const existing = await findByClientToken(store, caller.id, parsed.clientToken, hash);
    if (existing) return { jobId: existing, created: false };
  }
  const { spec, tasks: written } = checkJobSpec(
    body,
    await loadTemplates(
      store,
      caller.id,
      parsed.tasks.map((t) => t.template),
    ),
  );
  checkSizeQuotas(caller, written);
  const { tasks: resolved, defaultEnvironment } = await nameEnvironments(store, caller, written, configuredDefault);
  const environmentIds = await resolveEnvironments(store, caller, resolved, defaultEnvironment);
  const bucketUses = resolved.flatMap((task) =>
    bucketsOfTask(
      task,
      spec.tasks.findIndex((t) => t.name === task.name),
    ),
  );

  const jobId = newId('j');
  const jobsLimit = quotaLimit(caller.quotas, 'jobs');
  const insert = insertJob(jobId, caller.id, jobsLimit, spec, hash, resolved, environmentIds);
  let createdMs: number;
  try {
    // One statement is atomic on its own; a transaction is only needed to claim buckets first.
    const created =
      bucketUses.length === 0
        ? await store.rows<{ created_ms: number }>(insert)
        : await store.transaction(async (tx) => {
            await claimBuckets(tx, caller, bucketUses);
            return tx.rows<{ created_ms: number }>(insert);
          });
    if (created.length === 0) throw await jobsQuotaExceeded(store, caller, jobsLimit);
    createdMs = created[0]!.created_ms;
  } catch (err) {
    if (err instanceof BatchError) throw err;
    // Two submits with the same clientToken raced: the unique index let one through.
    if (spec.clientToken !== undefined && isUniqueViolation(err, 'jobs_client_token_idx')) {
      const existing = await findByClientToken(store, caller.id, spec.clientToken, hash);
      if (existing) return { jobId: existing, created: false };
    }
    throw err;
  }
  return { jobId, created: true, job: createdView(jobId, caller, spec, resolved, createdMs, defaultEnvironment) };
}

/** A new task waits for its dependencies, if it has any. */
function initialTaskState(task: ResolvedTask): 'WAITING' | 'PENDING' {
  return task.dependsOn.length > 0 ? 'WAITING' : 'PENDING';
}

/** The job as just stored: every instance PENDING, tasks with dependencies WAITING. */
function createdView(
  jobId: string,
  caller: Caller,
  spec: JobSpec,
  resolved: readonly NamedTask[],
  createdMs: number,
  defaultEnvironment: string,
): Job {
  const job: JobRow = {
    id: jobId,
    name: spec.name,
    state: 'PENDING',
    priority: spec.priority,
    clientToken: spec.clientToken ?? null,
    createdAt: new Date(createdMs),
    startedAt: null,
    endedAt: null,
    owner: caller.name,
  };
  const taskRows = resolved.map((task) => ({
    jobId,
    name: task.name,
    state: initialTaskState(task),
    instanceCount: task.instances,
    spec: task,
    environment: task.computeEnvironment ?? defaultEnvironment,
  }));
  const counts = resolved.map((task) => ({ job_id: jobId, task_name: task.name, state: 'PENDING', n: task.instances }));
  return assembleJobs([job], taskRows, counts)[0]!;
}

/**
 * The job, its tasks and all their instances in one statement (one round trip, where separate
 * inserts in a transaction took five: most of a small job's submit time), behind the jobs quota:
 * the owner's `job_count` is raised only while under the limit, and the job is inserted only if
 * it was. The row lock of that UPDATE serializes concurrent submits of one owner, and each
 * re-checks the count it waited for, so the quota holds under any concurrency. No row back means
 * the quota was full.
 */
function insertJob(
  jobId: string,
  ownerId: string,
  jobsLimit: number,
  spec: JobSpec,
  hash: string,
  resolved: readonly NamedTask[],
  environmentIds: ReadonlyMap<string, string>,
): SQL {
  const taskRows = resolved.map((task, position) => ({
    name: task.name,
    position,
    state: initialTaskState(task),
    environment_id: environmentIds.get(task.name)!,
    instance_count: task.instances,
    spec: task,
  }));
  const instanceRows = resolved.map((t) => ({ task: t.name, n: t.instances, blocked: t.dependsOn.length > 0 }));
  return sql`
    WITH slot AS (
      UPDATE users SET job_count = job_count + 1 WHERE id = ${ownerId} AND job_count < ${jobsLimit} RETURNING id
    ),
    job AS (
      INSERT INTO jobs (id, owner_id, name, priority, state, client_token, spec, spec_hash)
      SELECT ${jobId}, slot.id, ${spec.name}, ${spec.priority}, ${stateValue('jobs', 'PENDING')},
             ${spec.clientToken ?? null}, ${JSON.stringify(spec)}::jsonb, ${hash}
      FROM slot
      RETURNING id, created_at
    ),
    job_tasks AS (
      INSERT INTO tasks (job_id, name, position, state, environment_id, instance_count, spec)
      SELECT job.id, r.name, r.position, r.state, r.environment_id, r.instance_count, r.spec
      FROM job, jsonb_to_recordset(${JSON.stringify(taskRows)}::jsonb)
        AS r(name text, position int, state text, environment_id text, instance_count int, spec jsonb)
      RETURNING job_id
    ),
    job_instances AS (
      INSERT INTO instances (job_id, task_name, index, state, pending_reason)
      SELECT job.id, r.task, g.i, ${stateValue('instances', 'PENDING')}, CASE WHEN r.blocked THEN 'DEPENDENCY' END
      FROM job, jsonb_to_recordset(${JSON.stringify(instanceRows)}::jsonb) AS r(task text, n int, blocked boolean),
           generate_series(0, r.n - 1) AS g(i)
      RETURNING job_id
    )
    SELECT (extract(epoch FROM created_at) * 1000)::float8 AS created_ms FROM job`;
}

/**
 * The job this owner submitted with `clientToken`, if any; a different spec under the token is
 * refused. Jobs stored before specs were hashed (no hash) are returned whatever the spec.
 */
async function findByClientToken(
  store: Database,
  ownerId: string,
  clientToken: string,
  hash: string,
): Promise<string | undefined> {
  const [row] = await store.db
    .select({ id: jobs.id, specHash: jobs.specHash })
    .from(jobs)
    .where(and(eq(jobs.ownerId, ownerId), eq(jobs.clientToken, clientToken)));
  if (row?.specHash && row.specHash !== hash) {
    throw new BatchError(
      'IDEMPOTENT_PARAMETER_MISMATCH',
      `clientToken "${clientToken}" was used for job ${row.id} with a different spec; use a new clientToken for a different job, or resubmit the same spec`,
      'clientToken',
    );
  }
  return row?.id;
}

export async function loadTemplates(
  store: Database,
  ownerId: string,
  names: (string | undefined)[],
): Promise<Map<string, TemplateSpec>> {
  const wanted = [...new Set(names.filter((n): n is string => n !== undefined))];
  if (wanted.length === 0) return new Map();
  const rows = await store.db
    .select({ name: templates.name, spec: templates.spec })
    .from(templates)
    .where(and(eq(templates.ownerId, ownerId), inArray(templates.name, wanted)));
  return new Map(rows.map((r) => [r.name, templateSpecSchema.parse(r.spec)]));
}

/** The quotas on a job's shape; the jobs quota is checked by the insert itself (`insertJob`). */
function checkSizeQuotas(caller: Caller, resolved: ResolvedTask[]): void {
  const tasksLimit = quotaLimit(caller.quotas, 'tasksPerJob');
  if (resolved.length > tasksLimit) {
    throw new BatchError(
      'QUOTA_EXCEEDED',
      `tasks: quota "tasksPerJob" allows ${tasksLimit} tasks per job; this job has ${resolved.length}`,
      'tasks',
    );
  }
  const instancesLimit = quotaLimit(caller.quotas, 'instancesPerTask');
  const big = resolved.find((t) => t.instances > instancesLimit);
  if (big) {
    throw new BatchError(
      'QUOTA_EXCEEDED',
      `task "${big.name}" instances: quota "instancesPerTask" allows ${instancesLimit}; it asks for ${big.instances}`,
      'instances',
    );
  }
}

async function jobsQuotaExceeded(store: Database, caller: Caller, limit: number): Promise<BatchError> {
  const [row] = await store.db.select({ n: count() }).from(jobs).where(eq(jobs.ownerId, caller.id));
  return new BatchError(
    'QUOTA_EXCEEDED',
    `quota "jobs" allows ${limit} jobs (not deleted); you have ${row?.n ?? 0}. Delete finished jobs first.`,
  );
}

interface EnvNodeRow {
  id: string;
  labels: Record<string, string>;
  cpu: number;
  memoryMiB: number;
  gpu: number;
}

/** Maps each task to an environment the caller may use, and rejects what no node could ever run. */
async function resolveEnvironments(
  store: Database,
  caller: Caller,
  resolved: NamedTask[],
  defaultEnvironment: string,
): Promise<Map<string, string>> {
  const wanted = [...new Set(resolved.map((t) => t.computeEnvironment ?? defaultEnvironment))];
  // The environments and their nodes in one query: it is on the path from submit to start.
  const envs = await store.rows<{
    id: string;
    name: string;
    ownerId: string;
    shared: boolean;
    deleting: boolean;
    provider: string;
    template: NodeTemplate;
    nodes: EnvNodeRow[];
  }>(sql`
    SELECT e.id, e.name, e.owner_id AS "ownerId", e.shared, e.deleting, e.provider, e.template,
           coalesce((SELECT json_agg(json_build_object('id', n.id, 'labels', n.labels, 'cpu', n.cpu, 'memoryMiB', n.memory_mib, 'gpu', n.gpu))
                     FROM nodes n WHERE n.environment_id = e.id AND NOT ${stateIn('nodes', ['TERMINATED'], 'n')}), '[]'::json) AS nodes
    FROM compute_environments e
    WHERE e.name IN (SELECT jsonb_array_elements_text(${JSON.stringify(wanted)}::jsonb))`);
  const byName = new Map(envs.filter((e) => canSeeEnvironment(caller, e)).map((e) => [e.name, e]));

  const out = new Map<string, string>();
  resolved.forEach((task, index) => {
    const envName = task.computeEnvironment ?? defaultEnvironment;
    const env = byName.get(envName);
    const field = `tasks[${index}].computeEnvironment`;
    if (!env) throw new BatchError('VALIDATION', `${field}: unknown compute environment "${envName}"`, field);
    if (env.deleting)
      throw new BatchError('CONFLICT', `${field}: compute environment "${envName}" is being deleted`, field);
    const envNodes = env.nodes.map((n) => ({
      id: n.id,
      environmentId: env.id,
      labels: n.labels,
      capacity: { cpu: n.cpu, memoryMiB: n.memoryMiB, gpu: n.gpu },
      allocated: { cpu: 0, memoryMiB: 0, gpu: 0 },
    }));
    const nodesCan =
      envNodes.length > 0 &&
      canEverPlace({ environmentId: env.id, resources: task.resources, nodeSelector: task.nodeSelector }, envNodes);
    // Nodes its provider will make are of its template's size: a task bigger than that never runs.
    const size = env.provider === 'none' ? {} : madeNodeSize(env.template, env.provider);
    const made = sizeHolds(size, task.resources);
    // With no node registered yet nothing is known about capacity; nodes may still join. A
    // template that sizes its nodes' cpu speaks for the nodes still to be made.
    if (!(made === true && env.template.cpu !== undefined) && envNodes.length > 0 && !nodesCan) {
      const biggest = envNodes.reduce((a, b) => (b.capacity.cpu > a.capacity.cpu ? b : a));
      throw new BatchError(
        'UNPLACEABLE',
        `task "${task.name}": no node of environment "${envName}" can ever run it (needs cpu ${task.resources.cpu}, memoryMiB ${task.resources.memoryMiB}, gpu ${task.resources.gpu}` +
          `${Object.keys(task.nodeSelector).length > 0 ? `, labels ${JSON.stringify(task.nodeSelector)}` : ''}; the largest node has cpu ${biggest.capacity.cpu}, memoryMiB ${biggest.capacity.memoryMiB}, gpu ${biggest.capacity.gpu})`,
        `tasks[${index}].resources`,
      );
    }
    // No node yet (or none that fits): the size of those to be made decides.
    if (!nodesCan && made === false) {
      const { cpu, memoryMiB, gpu } = size;
      throw new BatchError(
        'UNPLACEABLE',
        `task "${task.name}": the nodes of environment "${envName}" are made with cpu ${cpu ?? 'any'}, memoryMiB ${memoryMiB ?? 'any'}, gpu ${gpu ?? 0}; it needs cpu ${task.resources.cpu}, memoryMiB ${task.resources.memoryMiB}, gpu ${task.resources.gpu}`,
        `tasks[${index}].resources`,
      );
    }
    out.set(task.name, env.id);
  });
  return out;
}

/**
 * The size of the nodes an environment's provider makes, as far as it is known before one exists:
 * the template's cpu, memoryMiB and gpu; for the local provider, which makes nodes on this host,
 * the host fills in what the template leaves out. Unknown parts are undefined.
 */
function madeNodeSize(template: NodeTemplate, provider: string): KnownSize {
  return provider === 'local' ? localNodeSize(template) : template;
}

/** What is known of a node's size before it registers: any of its cpu, memoryMiB and gpu. */
type KnownSize = Pick<NodeTemplate, 'cpu' | 'memoryMiB' | 'gpu'>;

/**
 * Whether a node of `size` could hold one instance needing `resources`; undefined when nothing
 * of its size is known (it is once the node registers).
 */
function sizeHolds(size: KnownSize, resources: { cpu: number; memoryMiB: number; gpu: number }): boolean | undefined {
  if (size.cpu === undefined && size.memoryMiB === undefined && size.gpu === undefined) return undefined;
  if (size.cpu !== undefined && resources.cpu > size.cpu + 1e-9) return false;
  if (size.memoryMiB !== undefined && resources.memoryMiB > size.memoryMiB) return false;
  if (size.gpu !== undefined && resources.gpu > size.gpu) return false;
  return true;
}
