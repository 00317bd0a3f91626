/**
 * Submitting a job: every rule is checked before anything is written (schema, templates, DAG,
 * quotas, environments, placeability), then the job, its tasks and all their instances are
 * inserted in one transaction. The same `clientToken` from the same owner returns the first job.
 */
import { and, count, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import { BatchError } from '../../protocol/errors.js';
import { checkJobSpec, jobSpecSchema, parseOrThrow, templateSpecSchema, type JobSpec, type ResolvedTask, type TemplateSpec } from '../../protocol/spec.js';
import type { Caller } from '../http/auth.js';
import type { Database, Db } from '../db/client.js';
import { claimBuckets } from '../storage/buckets.js';
import { bucketsOfTask } from '../storage/task-objects.js';
import { computeEnvironments, jobs, nodes, templates } from '../db/schema.js';
import { quotaLimit } from '../quotas.js';
import { canEverPlace } from '../scheduler/place.js';
import { newId } from '../secrets.js';

export interface SubmitResult {
  jobId: string;
  created: boolean;
}

export async function submitJob(store: Database, caller: Caller, body: unknown, defaultEnvironment: string): Promise<SubmitResult> {
  const parsed = parseOrThrow(jobSpecSchema, body);
  if (parsed.clientToken !== undefined) {
    const existing = await findByClientToken(store, caller.id, parsed.clientToken);
    if (existing) return { jobId: existing, created: false };
  }
  const { spec, tasks: resolved } = checkJobSpec(body, await loadTemplates(store, caller.id, parsed.tasks.map((t) => t.template)));
  // Independent reads, so they run side by side; a quota error wins over an environment error.
  const [quotas, environments] = await Promise.allSettled([checkQuotas(store, caller, resolved), resolveEnvironments(store, caller, resolved, defaultEnvironment)]);
  if (quotas.status === 'rejected') throw quotas.reason;
  if (environments.status === 'rejected') throw environments.reason;
  const environmentIds = environments.value;
  const bucketUses = resolved.flatMap((task) => bucketsOfTask(task, spec.tasks.findIndex((t) => t.name === task.name)));

  const jobId = newId('j');
  const insert = insertJob(jobId, caller.id, spec, resolved, environmentIds);
  try {
    // One statement is atomic on its own; a transaction is only needed to claim buckets first.
    if (bucketUses.length === 0) await store.db.execute(insert);
    else {
      await store.db.transaction(async (tx) => {
        await claimBuckets(tx as unknown as Db, caller, bucketUses);
        await tx.execute(insert);
      });
    }
  } catch (err) {
    if (err instanceof BatchError) throw err;
    // Two submits with the same clientToken raced: the unique index let one through.
    if (spec.clientToken !== undefined && /jobs_client_token_idx|unique/i.test(String((err as Error).cause ?? '') + String((err as Error).message))) {
      const existing = await findByClientToken(store, caller.id, spec.clientToken);
      if (existing) return { jobId: existing, created: false };
    }
    throw err;
  }
  return { jobId, created: true };
}

/**
 * The job, its tasks and all their instances in one statement (one round trip, where separate
 * inserts in a transaction took five: most of a small job's submit time).
 */
function insertJob(jobId: string, ownerId: string, spec: JobSpec, resolved: readonly ResolvedTask[], environmentIds: ReadonlyMap<string, string>): SQL {
  const taskRows = resolved.map((task, position) => ({
    name: task.name,
    position,
    state: task.dependsOn.length > 0 ? 'WAITING' : 'PENDING',
    environment_id: environmentIds.get(task.name)!,
    instance_count: task.instances,
    spec: task,
  }));
  const instanceRows = resolved.map((t) => ({ task: t.name, n: t.instances, blocked: t.dependsOn.length > 0 }));
  return sql`
    WITH job AS (
      INSERT INTO jobs (id, owner_id, name, priority, state, client_token, spec)
      VALUES (${jobId}, ${ownerId}, ${spec.name}, ${spec.priority}, 'PENDING', ${spec.clientToken ?? null}, ${JSON.stringify(spec)}::jsonb)
      RETURNING id
    ),
    job_tasks AS (
      INSERT INTO tasks (job_id, name, position, state, environment_id, instance_count, spec)
      SELECT job.id, r.name, r.position, r.state, r.environment_id, r.instance_count, r.spec
      FROM job, jsonb_to_recordset(${JSON.stringify(taskRows)}::jsonb)
        AS r(name text, position int, state text, environment_id text, instance_count int, spec jsonb)
      RETURNING job_id
    )
    INSERT INTO instances (job_id, task_name, index, state, pending_reason)
    SELECT job.id, r.task, g.i, 'PENDING', CASE WHEN r.blocked THEN 'DEPENDENCY' END
    FROM job, jsonb_to_recordset(${JSON.stringify(instanceRows)}::jsonb) AS r(task text, n int, blocked boolean),
         generate_series(0, r.n - 1) AS g(i)`;
}

async function findByClientToken(store: Database, ownerId: string, clientToken: string): Promise<string | undefined> {
  const [row] = await store.db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.ownerId, ownerId), eq(jobs.clientToken, clientToken)));
  return row?.id;
}

async function loadTemplates(store: Database, ownerId: string, names: (string | undefined)[]): Promise<Map<string, TemplateSpec>> {
  const wanted = [...new Set(names.filter((n): n is string => n !== undefined))];
  if (wanted.length === 0) return new Map();
  const rows = await store.db
    .select({ name: templates.name, spec: templates.spec })
    .from(templates)
    .where(and(eq(templates.ownerId, ownerId), inArray(templates.name, wanted)));
  return new Map(rows.map((r) => [r.name, templateSpecSchema.parse(r.spec)]));
}

async function checkQuotas(store: Database, caller: Caller, resolved: ResolvedTask[]): Promise<void> {
  const tasksLimit = quotaLimit(caller.quotas, 'tasksPerJob');
  if (resolved.length > tasksLimit) {
    throw new BatchError('QUOTA_EXCEEDED', `tasks: quota "tasksPerJob" allows ${tasksLimit} tasks per job; this job has ${resolved.length}`, 'tasks');
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
  const jobsLimit = quotaLimit(caller.quotas, 'jobs');
  const [row] = await store.db.select({ n: count() }).from(jobs).where(eq(jobs.ownerId, caller.id));
  const used = row?.n ?? 0;
  if (used >= jobsLimit) {
    throw new BatchError('QUOTA_EXCEEDED', `quota "jobs" allows ${jobsLimit} jobs (not deleted); you have ${used}. Delete finished jobs first.`);
  }
}

/** Maps each task to an environment the caller may use, and rejects what no node could ever run. */
async function resolveEnvironments(
  store: Database,
  caller: Caller,
  resolved: ResolvedTask[],
  defaultEnvironment: string,
): Promise<Map<string, string>> {
  const wanted = [...new Set(resolved.map((t) => t.computeEnvironment ?? defaultEnvironment))];
  const envs = await store.db.select().from(computeEnvironments).where(inArray(computeEnvironments.name, wanted));
  const byName = new Map(envs.filter((e) => e.shared || e.ownerId === caller.id || caller.admin).map((e) => [e.name, e]));
  const known = await store.db
    .select({ id: nodes.id, environmentId: nodes.environmentId, labels: nodes.labels, cpu: nodes.cpu, memoryMiB: nodes.memoryMiB, gpu: nodes.gpu })
    .from(nodes)
    .where(and(inArray(nodes.environmentId, envs.map((e) => e.id).concat('')), ne(nodes.state, 'TERMINATED')));

  const out = new Map<string, string>();
  resolved.forEach((task, index) => {
    const envName = task.computeEnvironment ?? defaultEnvironment;
    const env = byName.get(envName);
    const field = `tasks[${index}].computeEnvironment`;
    if (!env) throw new BatchError('VALIDATION', `${field}: unknown compute environment "${envName}"`, field);
    const envNodes = known
      .filter((n) => n.environmentId === env.id)
      .map((n) => ({ id: n.id, environmentId: n.environmentId, labels: n.labels, capacity: { cpu: n.cpu, memoryMiB: n.memoryMiB, gpu: n.gpu }, allocated: { cpu: 0, memoryMiB: 0, gpu: 0 } }));
    // With no node registered yet nothing is known about capacity; nodes may still join.
    if (envNodes.length > 0 && !canEverPlace({ environmentId: env.id, resources: task.resources, nodeSelector: task.nodeSelector }, envNodes)) {
      const biggest = envNodes.reduce((a, b) => (b.capacity.cpu > a.capacity.cpu ? b : a));
      throw new BatchError(
        'UNPLACEABLE',
        `task "${task.name}": no node of environment "${envName}" can ever run it (needs cpu ${task.resources.cpu}, memoryMiB ${task.resources.memoryMiB}, gpu ${task.resources.gpu}` +
          `${Object.keys(task.nodeSelector).length > 0 ? `, labels ${JSON.stringify(task.nodeSelector)}` : ''}; the largest node has cpu ${biggest.capacity.cpu}, memoryMiB ${biggest.capacity.memoryMiB}, gpu ${biggest.capacity.gpu})`,
        `tasks[${index}].resources`,
      );
    }
    out.set(task.name, env.id);
  });
  return out;
}
