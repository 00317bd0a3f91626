/**
 * Commits plans with guarded, set-based writes: each statement names the states it may move
 * from, so a row that changed since the snapshot is simply not touched (a conflict is normal;
 * the next pass re-plans from fresh data). One statement per kind of change, whatever the count.
 */
import { sql } from 'drizzle-orm';
import type { ResolvedTask } from '../../protocol/spec.js';
import { rowsOf, type Database } from '../db/client.js';
import { groupBy } from '../group-by.js';
import type { PendingReasonChange, Placement, ReconcilePlan } from './types.js';

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/**
 * For a row `w` (job, task, n, claim_from) of a claim: its lowest-index ready PENDING instances,
 * at most n, locked; rows another claimer holds are skipped, never waited for.
 */
const CLAIM_READY = sql`(
  SELECT i.id FROM instances i
  WHERE i.job_id = w.job AND i.task_name = w.task AND i.index >= w.claim_from AND i.state = 'PENDING'
    AND i.pending_reason IS DISTINCT FROM 'DEPENDENCY' AND (i.not_before IS NULL OR i.not_before <= now())
  ORDER BY i.index LIMIT w.n
  FOR UPDATE SKIP LOCKED
)`;

export async function applyReconcile(store: Database, plan: ReconcilePlan): Promise<void> {
  const all = plan.releases
    .filter((r) => r.indexes === undefined)
    .map((r) => ({ job: r.jobId, task: r.task, next: r.to }));
  const some = plan.releases.flatMap((r) =>
    (r.indexes ?? []).map((index) => ({ job: r.jobId, task: r.task, next: r.to, index })),
  );
  if (all.length === 0 && some.length === 0 && plan.tasks.length === 0 && plan.jobs.length === 0) return;
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

interface ClaimedRow {
  id: number;
  job_id: string;
  task_name: string;
  index: number;
  attempt_count: number;
  current_attempt_id: number;
}

/**
 * Claims the lowest-index ready PENDING instances of each placed task (SKIP LOCKED, so several
 * controllers never claim the same row) and turns them SCHEDULED, then creates their attempts on
 * the planned nodes — two set-based statements in one transaction, each linear in the rows it
 * touches. (One statement that also matched claimed rows to node slots was quadratic: the
 * planner joined the two unindexed row sets with a nested loop.) Returns what was actually
 * claimed, which may be less than planned.
 */
export async function applyPlacements(store: Database, placements: readonly Placement[]): Promise<StartedAttempt[]> {
  if (placements.length === 0) return [];
  const byTask = groupBy(placements, (p) => `${p.jobId}\u0000${p.task}`);
  if ([...byTask.values()].every((list) => list.length === 1)) return claimOnto(store, placements);
  const want = [...byTask.values()].map((list) => ({
    job: list[0]!.jobId,
    task: list[0]!.task,
    n: list.reduce((sum, p) => sum + p.count, 0),
  }));
  const started = await store.db.transaction(async (tx) => {
    const claimed = rowsOf<ClaimedRow>(
      await tx.execute(sql`
        WITH want AS (
          SELECT w.job, w.task, w.n, t.claim_from
          FROM jsonb_to_recordset(${json(want)}) AS w(job text, task text, n int)
          JOIN tasks t ON t.job_id = w.job AND t.name = w.task
        ),
        claimed AS (
          SELECT c.id FROM want w
          CROSS JOIN LATERAL ${CLAIM_READY} c
        )
        UPDATE instances i
        SET state = 'SCHEDULED', pending_reason = NULL, not_before = NULL, attempt_count = i.attempt_count + 1,
            current_attempt_id = nextval('attempts_id_seq'), updated_at = now()
        FROM claimed c
        WHERE i.id = c.id AND i.state = 'PENDING'
        RETURNING i.id, i.job_id, i.task_name, i.index, i.attempt_count, i.current_attempt_id`),
    );
    const attempts = assignToNodes(claimed, byTask);
    if (attempts.length === 0) return [];
    return rowsOf<StartedRow>(
      await tx.execute(sql`
        WITH r AS (
          SELECT * FROM jsonb_to_recordset(${json(attempts)})
            AS r(id bigint, instance_id bigint, job text, task text, attempt int, node text, cpu float8, mem int, gpu int)
        ),
        created AS (
          INSERT INTO attempts (id, instance_id, job_id, attempt, node_id, state, cpu, memory_mib, gpu, log_archive)
          SELECT r.id, r.instance_id, r.job, r.attempt, r.node, 'SCHEDULED', r.cpu, r.mem, r.gpu,
                 CASE WHEN t.spec ? 'stdout' OR t.spec ? 'stderr' THEN 'pending' END
          FROM r JOIN tasks t ON t.job_id = r.job AND t.name = r.task
          RETURNING id
        )
        SELECT r.id AS attempt_id, r.attempt, r.node AS node_id, r.job AS job_id, j.name AS job_name, r.task AS task_name,
               i.index, t.instance_count AS count, e.name AS environment, t.spec
        FROM r
        JOIN instances i ON i.id = r.instance_id
        JOIN jobs j ON j.id = r.job
        JOIN tasks t ON t.job_id = r.job AND t.name = r.task
        JOIN compute_environments e ON e.id = t.environment_id
        WHERE r.id IN (SELECT id FROM created)`),
    );
  });
  await advanceClaimCursors(
    store,
    want.map((w): [string, string] => [w.job, w.task]),
  );
  return started.map(startedFromRow);
}

/**
 * The claim when each task goes to a single node (a small job, a quiet fleet): claim, attempts,
 * claim cursor and the start rows in one statement, atomic on its own — one round trip and one
 * commit where the general path takes five round trips and two commits, on the way from submit
 * to start.
 */
async function claimOnto(store: Database, placements: readonly Placement[]): Promise<StartedAttempt[]> {
  const want = placements.map((p) => ({
    job: p.jobId,
    task: p.task,
    n: p.count,
    node: p.nodeId,
    cpu: p.resources.cpu,
    mem: p.resources.memoryMiB,
    gpu: p.resources.gpu,
  }));
  const rows = await store.rows<StartedRow>(sql`
    WITH want AS (
      SELECT w.*, t.claim_from, (t.spec ? 'stdout' OR t.spec ? 'stderr') AS archive
      FROM jsonb_to_recordset(${json(want)}) AS w(job text, task text, n int, node text, cpu float8, mem int, gpu int)
      JOIN tasks t ON t.job_id = w.job AND t.name = w.task
    ),
    claimed AS (
      SELECT c.id, w.node, w.cpu, w.mem, w.gpu, w.archive FROM want w
      CROSS JOIN LATERAL ${CLAIM_READY} c
    ),
    scheduled AS (
      UPDATE instances i
      SET state = 'SCHEDULED', pending_reason = NULL, not_before = NULL, attempt_count = i.attempt_count + 1,
          current_attempt_id = nextval('attempts_id_seq'), updated_at = now()
      FROM claimed c
      WHERE i.id = c.id AND i.state = 'PENDING'
      RETURNING i.id, i.job_id, i.task_name, i.index, i.attempt_count, i.current_attempt_id
    ),
    created AS (
      INSERT INTO attempts (id, instance_id, job_id, attempt, node_id, state, cpu, memory_mib, gpu, log_archive)
      SELECT s.current_attempt_id, s.id, s.job_id, s.attempt_count, c.node, 'SCHEDULED', c.cpu, c.mem, c.gpu,
             CASE WHEN c.archive THEN 'pending' END
      FROM scheduled s JOIN claimed c ON c.id = s.id
      RETURNING id, instance_id, node_id, attempt
    ),
    -- The statement still sees the claimed rows as PENDING: they are left out by name.
    cursor AS (
      UPDATE tasks t SET claim_from = coalesce(
        (SELECT min(i.index) FROM instances i
         WHERE i.job_id = t.job_id AND i.task_name = t.name AND i.state = 'PENDING' AND i.index >= t.claim_from
           AND i.id NOT IN (SELECT id FROM scheduled)),
        t.instance_count)
      FROM want w
      WHERE t.job_id = w.job AND t.name = w.task
    )
    SELECT cr.id AS attempt_id, cr.attempt, cr.node_id, s.job_id, j.name AS job_name, s.task_name,
           s.index, t.instance_count AS count, e.name AS environment, t.spec
    FROM created cr
    JOIN scheduled s ON s.id = cr.instance_id
    JOIN jobs j ON j.id = s.job_id
    JOIN tasks t ON t.job_id = s.job_id AND t.name = s.task_name
    JOIN compute_environments e ON e.id = t.environment_id`);
  return rows.map(startedFromRow);
}

/** Moves each placed task's claim cursor up to its lowest still-PENDING instance. */
async function advanceClaimCursors(store: Database, tasks: readonly [string, string][]): Promise<void> {
  if (tasks.length === 0) return;
  await store.db.execute(sql`
    UPDATE tasks t SET claim_from = coalesce(
      (SELECT min(i.index) FROM instances i
       WHERE i.job_id = t.job_id AND i.task_name = t.name AND i.state = 'PENDING' AND i.index >= t.claim_from),
      t.instance_count)
    FROM jsonb_to_recordset(${json(tasks.map(([job, task]) => ({ job, task })))}) AS r(job text, task text)
    WHERE t.job_id = r.job AND t.name = r.task`);
}

/** Pure: gives claimed instances (lowest index first) to each task's planned nodes in order. */
function assignToNodes(claimed: readonly ClaimedRow[], byTask: ReadonlyMap<string, readonly Placement[]>) {
  const perTask = groupBy(claimed, (c) => `${c.job_id}\u0000${c.task_name}`);
  const out: {
    id: number;
    instance_id: number;
    job: string;
    task: string;
    attempt: number;
    node: string;
    cpu: number;
    mem: number;
    gpu: number;
  }[] = [];
  for (const [key, rows] of perTask) {
    rows.sort((a, b) => a.index - b.index);
    let next = 0;
    for (const p of byTask.get(key) ?? []) {
      for (let k = 0; k < p.count && next < rows.length; k++, next++) {
        const c = rows[next]!;
        out.push({
          id: c.current_attempt_id,
          instance_id: c.id,
          job: c.job_id,
          task: c.task_name,
          attempt: c.attempt_count,
          node: p.nodeId,
          cpu: p.resources.cpu,
          mem: p.resources.memoryMiB,
          gpu: p.resources.gpu,
        });
      }
    }
  }
  return out;
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
