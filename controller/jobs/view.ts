/** Builds the API's job resources (SPEC §6) with per-task and per-job counts. */
import { and, desc, eq, gte, ilike, inArray, lt, sql } from 'drizzle-orm';
import type { Job, TaskView } from '../../protocol/api.js';
import type { ResolvedTask } from '../../protocol/spec.js';
import type { JobState, TaskState } from '../../protocol/states.js';
import type { Database } from '../db/client.js';
import { computeEnvironments, jobs, tasks, users } from '../db/schema.js';

export type JobRow = Pick<
  typeof jobs.$inferSelect,
  'id' | 'name' | 'state' | 'priority' | 'clientToken' | 'createdAt' | 'startedAt' | 'endedAt'
> & { owner: string };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** What a task row contributes to its job's resource. */
export interface TaskRow {
  jobId: string;
  name: string;
  state: string;
  instanceCount: number;
  spec: unknown;
  environment: string;
}

/** Instances of one task in one state. */
export interface CountRow {
  job_id: string;
  task_name: string;
  state: string;
  n: number;
}

async function buildJobs(store: Database, rows: JobRow[]): Promise<Job[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [taskRows, countRows] = await Promise.all([
    store.db
      .select({
        jobId: tasks.jobId,
        name: tasks.name,
        state: tasks.state,
        instanceCount: tasks.instanceCount,
        spec: tasks.spec,
        position: tasks.position,
        environment: computeEnvironments.name,
      })
      .from(tasks)
      .innerJoin(computeEnvironments, eq(computeEnvironments.id, tasks.environmentId))
      .where(inArray(tasks.jobId, ids))
      .orderBy(tasks.jobId, tasks.position),
    store.rows<CountRow>(sql`
      SELECT job_id, task_name, state, count(*)::int AS n FROM instances
      WHERE job_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))
      GROUP BY 1, 2, 3`),
  ]);
  return assembleJobs(rows, taskRows, countRows);
}

/**
 * Pure: job resources from their rows, their tasks' rows (in DAG order) and instance counts.
 * Shared by reads and by submit, which knows all of it without reading it back.
 */
export function assembleJobs(
  rows: readonly JobRow[],
  taskRows: readonly TaskRow[],
  countRows: readonly CountRow[],
): Job[] {
  const counts = new Map<string, Record<string, number>>();
  for (const c of countRows) {
    const key = `${c.job_id}\u0000${c.task_name}`;
    const entry = counts.get(key) ?? {};
    entry[c.state] = c.n;
    counts.set(key, entry);
  }
  const tasksByJob = new Map<string, TaskView[]>();
  for (const t of taskRows) {
    const spec = t.spec as ResolvedTask;
    const view: TaskView = {
      name: t.name,
      state: t.state as TaskState,
      instances: t.instanceCount,
      counts: counts.get(`${t.jobId}\u0000${t.name}`) ?? {},
      dependsOn: spec.dependsOn,
      computeEnvironment: t.environment,
      command: spec.command,
    };
    if (spec.template) view.template = spec.template;
    const list = tasksByJob.get(t.jobId) ?? [];
    list.push(view);
    tasksByJob.set(t.jobId, list);
  }
  return rows.map((r) => {
    const jobTasks = tasksByJob.get(r.id) ?? [];
    const total: Record<string, number> = {};
    for (const t of jobTasks) for (const [state, n] of Object.entries(t.counts)) total[state] = (total[state] ?? 0) + n;
    const job: Job = {
      id: r.id,
      name: r.name,
      state: r.state as JobState,
      priority: r.priority,
      owner: r.owner,
      createdAt: r.createdAt.toISOString(),
      startedAt: iso(r.startedAt),
      endedAt: iso(r.endedAt),
      counts: total,
      tasks: jobTasks,
    };
    if (r.clientToken) job.clientToken = r.clientToken;
    return job;
  });
}

function selectJobs(store: Database) {
  return store.db
    .select({
      id: jobs.id,
      seq: jobs.seq,
      ownerId: jobs.ownerId,
      name: jobs.name,
      priority: jobs.priority,
      state: jobs.state,
      desired: jobs.desired,
      clientToken: jobs.clientToken,
      spec: jobs.spec,
      createdAt: jobs.createdAt,
      startedAt: jobs.startedAt,
      endedAt: jobs.endedAt,
      owner: users.name,
    })
    .from(jobs)
    .innerJoin(users, eq(users.id, jobs.ownerId));
}

/** One job, if the caller may see it (its owner, or an admin). */
export function getJob(store: Database, jobId: string, callerId: string, admin: boolean): Promise<Job | undefined> {
  return store.readConsistent((view) => readJob(view, jobId, callerId, admin));
}

async function readJob(store: Database, jobId: string, callerId: string, admin: boolean): Promise<Job | undefined> {
  const rows = await selectJobs(store).where(eq(jobs.id, jobId));
  const row = rows[0];
  if (!row || (!admin && row.ownerId !== callerId)) return undefined;
  return (await buildJobs(store, [row]))[0];
}

export interface JobListOptions {
  limit: number;
  /** The `seq` to continue below. */
  cursor?: number;
  /** One user's jobs (by id when known, else by name); absent: everyone's. */
  owner?: { id: string } | { name: string };
  states?: readonly JobState[];
  /** Case-insensitive substring of the name. */
  nameContains?: string;
  createdSince?: Date;
}

/**
 * Jobs newest first, filtered. One statement: an owner's list walks `jobs_owner_seq_idx` from
 * the newest and stops after a page of matches; state, name and time filter the rows it meets.
 */
export function listJobs(store: Database, options: JobListOptions): Promise<{ items: Job[]; next?: string }> {
  return store.readConsistent((view) => readJobs(view, options));
}

async function readJobs(store: Database, options: JobListOptions): Promise<{ items: Job[]; next?: string }> {
  const where = [];
  const owner = options.owner;
  if (owner) where.push('id' in owner ? eq(jobs.ownerId, owner.id) : eq(users.name, owner.name));
  if (options.cursor !== undefined) where.push(lt(jobs.seq, options.cursor));
  if (options.states) where.push(inArray(jobs.state, [...options.states]));
  if (options.nameContains) where.push(ilike(jobs.name, `%${escapeLike(options.nameContains)}%`));
  if (options.createdSince) where.push(gte(jobs.createdAt, options.createdSince));
  const rows = await selectJobs(store)
    .where(and(...where))
    .orderBy(desc(jobs.seq))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const out: { items: Job[]; next?: string } = { items: await buildJobs(store, page) };
  if (rows.length > options.limit) out.next = String(page[page.length - 1]!.seq);
  return out;
}

/** `%`, `_` and `\\` in a LIKE pattern match literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
