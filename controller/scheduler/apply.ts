/**
 * Commits plans with guarded, set-based writes: each statement names the states it may move
 * from, so a row that changed since the snapshot is simply not touched (a conflict is normal;
 * the next pass re-plans from fresh data). One statement per kind of change, whatever the count.
 */
import { sql } from 'drizzle-orm';
import type { ResolvedTask } from '../../protocol/spec.js';
import type { Database } from '../db/client.js';
import type { PendingReasonChange, Placement, ReconcilePlan } from './types.js';

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

export async function applyReconcile(store: Database, plan: ReconcilePlan): Promise<void> {
  const all = plan.releases.filter((r) => r.indexes === undefined).map((r) => ({ job: r.jobId, task: r.task, next: r.to }));
  const some = plan.releases.flatMap((r) => (r.indexes ?? []).map((index) => ({ job: r.jobId, task: r.task, next: r.to, index })));
  await store.db.transaction(async (tx) => {
    if (all.length > 0) {
      await tx.execute(sql`
        UPDATE instances i SET pending_reason = NULL, updated_at = now(),
               state = CASE WHEN r.next = 'skip' THEN 'SKIPPED' ELSE i.state END
        FROM jsonb_to_recordset(${json(all)}) AS r(job text, task text, next text)
        WHERE i.job_id = r.job AND i.task_name = r.task AND i.state = 'PENDING' AND i.pending_reason = 'DEPENDENCY'`);
    }
    if (some.length > 0) {
      await tx.execute(sql`
        UPDATE instances i SET pending_reason = NULL, updated_at = now(),
               state = CASE WHEN r.next = 'skip' THEN 'SKIPPED' ELSE i.state END
        FROM jsonb_to_recordset(${json(some)}) AS r(job text, task text, next text, index int)
        WHERE i.job_id = r.job AND i.task_name = r.task AND i.index = r.index
          AND i.state = 'PENDING' AND i.pending_reason = 'DEPENDENCY'`);
    }
    if (plan.tasks.length > 0) {
      const rows = plan.tasks.map((t) => ({ job: t.jobId, task: t.task, prev: t.from, next: t.to }));
      await tx.execute(sql`
        UPDATE tasks t SET state = r.next
        FROM jsonb_to_recordset(${json(rows)}) AS r(job text, task text, prev text, next text)
        WHERE t.job_id = r.job AND t.name = r.task AND t.state = r.prev`);
    }
    if (plan.jobs.length > 0) {
      const rows = plan.jobs.map((j) => ({ job: j.jobId, prev: j.from, next: j.to }));
      await tx.execute(sql`
        UPDATE jobs j SET state = r.next,
               started_at = CASE WHEN r.next IN ('RUNNING', 'SUCCEEDED', 'FAILED') THEN coalesce(j.started_at, now()) ELSE j.started_at END,
               ended_at = CASE WHEN r.next IN ('SUCCEEDED', 'FAILED', 'STOPPED') THEN now() ELSE NULL END
        FROM jsonb_to_recordset(${json(rows)}) AS r(job text, prev text, next text)
        WHERE j.id = r.job AND j.state = r.prev`);
    }
  });
}

/** What a node needs to run one attempt; sent as a `startAttempt` message. */
export interface StartedAttempt {
  attemptId: number;
  attempt: number;
  nodeId: string;
  jobId: string;
  jobName: string;
  taskName: string;
  index: number;
  count: number;
  environment: string;
  spec: ResolvedTask;
}

/** A row naming an attempt to start, as the claim and the resync queries return it. */
export interface StartedRow {
  attempt_id: number;
  attempt: number;
  node_id: string;
  job_id: string;
  job_name: string;
  task_name: string;
  index: number;
  count: number;
  environment: string;
  spec: ResolvedTask;
}

/**
 * Claims the lowest-index ready PENDING instances of each placed task (SKIP LOCKED, so several
 * controllers never claim the same row), turns them SCHEDULED and creates their attempts, all
 * in one statement. Returns what was actually claimed, which may be less than planned.
 */
export async function applyPlacements(store: Database, placements: readonly Placement[]): Promise<StartedAttempt[]> {
  if (placements.length === 0) return [];
  // Number the planned slots of each task so claimed instances can be matched to nodes.
  const slotStart = new Map<string, number>();
  const rows = placements.map((p) => {
    const key = `${p.jobId}\u0000${p.task}`;
    const slot0 = slotStart.get(key) ?? 0;
    slotStart.set(key, slot0 + p.count);
    return { job: p.jobId, task: p.task, node: p.nodeId, count: p.count, slot0, cpu: p.resources.cpu, mem: p.resources.memoryMiB, gpu: p.resources.gpu };
  });
  const started = await store.rows<StartedRow>(sql`
    WITH p AS (
      SELECT * FROM jsonb_to_recordset(${json(rows)})
        AS p(job text, task text, node text, count int, slot0 int, cpu float8, mem int, gpu int)
    ),
    want AS (SELECT job, task, sum(count)::int AS n FROM p GROUP BY job, task),
    slots AS (SELECT p.*, s AS slot FROM p, generate_series(p.slot0 + 1, p.slot0 + p.count) AS s),
    claimed AS (
      SELECT c.id, w.job, w.task, row_number() OVER (PARTITION BY w.job, w.task ORDER BY c.index) AS slot
      FROM want w
      CROSS JOIN LATERAL (
        SELECT i.id, i.index FROM instances i
        WHERE i.job_id = w.job AND i.task_name = w.task AND i.state = 'PENDING'
          AND i.pending_reason IS DISTINCT FROM 'DEPENDENCY' AND (i.not_before IS NULL OR i.not_before <= now())
        ORDER BY i.index LIMIT w.n
        FOR UPDATE SKIP LOCKED
      ) c
    ),
    scheduled AS (
      UPDATE instances i
      SET state = 'SCHEDULED', pending_reason = NULL, not_before = NULL, attempt_count = i.attempt_count + 1,
          current_attempt_id = nextval('attempts_id_seq'), updated_at = now()
      FROM claimed c JOIN slots s ON s.job = c.job AND s.task = c.task AND s.slot = c.slot
      WHERE i.id = c.id AND i.state = 'PENDING'
      RETURNING i.id, i.job_id, i.task_name, i.index, i.attempt_count, i.current_attempt_id, s.node, s.cpu, s.mem, s.gpu
    ),
    created AS (
      INSERT INTO attempts (id, instance_id, job_id, attempt, node_id, state, cpu, memory_mib, gpu, log_archive)
      SELECT s.current_attempt_id, s.id, s.job_id, s.attempt_count, s.node, 'SCHEDULED', s.cpu, s.mem, s.gpu,
             CASE WHEN t.spec ? 'stdout' OR t.spec ? 'stderr' THEN 'pending' END
      FROM scheduled s JOIN tasks t ON t.job_id = s.job_id AND t.name = s.task_name
      RETURNING id
    )
    SELECT s.current_attempt_id AS attempt_id, s.attempt_count AS attempt, s.node AS node_id, s.job_id,
           j.name AS job_name, s.task_name, s.index, t.instance_count AS count, e.name AS environment, t.spec
    FROM scheduled s
    JOIN jobs j ON j.id = s.job_id
    JOIN tasks t ON t.job_id = s.job_id AND t.name = s.task_name
    JOIN compute_environments e ON e.id = t.environment_id
    WHERE s.current_attempt_id IN (SELECT id FROM created)`);
  return started.map(startedFromRow);
}

export function startedFromRow(r: StartedRow): StartedAttempt {
  return {
    attemptId: r.attempt_id,
    attempt: r.attempt,
    nodeId: r.node_id,
    jobId: r.job_id,
    jobName: r.job_name,
    taskName: r.task_name,
    index: r.index,
    count: r.count,
    environment: r.environment,
    spec: r.spec,
  };
}

/** Records, per task, why its ready instances are still PENDING. */
export async function applyPendingReasons(store: Database, reasons: readonly PendingReasonChange[]): Promise<void> {
  if (reasons.length === 0) return;
  const rows = reasons.map((r) => ({ job: r.jobId, task: r.task, reason: r.reason }));
  await store.db.execute(sql`
    UPDATE tasks t SET pending_reason = r.reason
    FROM jsonb_to_recordset(${json(rows)}) AS r(job text, task text, reason text)
    WHERE t.job_id = r.job AND t.name = r.task AND t.pending_reason IS DISTINCT FROM r.reason`);
}
