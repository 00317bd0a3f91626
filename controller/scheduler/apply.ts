/**
 * Commits plans with guarded, set-based writes: every statement's guard is rendered from the
 * transition table (db/state-sql.ts), so a row that changed since the snapshot is simply not
 * touched (a conflict is normal; the next pass re-plans from fresh data) and no statement can
 * make a transition the table forbids. One statement per kind of change, whatever the count.
 */
import { sql } from 'drizzle-orm';
import {
  ACTIVE_ATTEMPT_STATES,
  FINISHED_JOB_STATES,
  FINISHED_TASK_STATES,
  RESTARTABLE_INSTANCE_STATES,
  STARTED_JOB_STATES,
  type JobState,
} from '../../protocol/states.js';
import { startedFromRow, type AttemptKill, type StartedAttempt, type StartedRow } from '../attempts/started.js';
import type { Database } from '../db/client.js';
import { canMoveTo, literalList, stateIn, stateValue, transitionAllowed } from '../db/state-sql.js';
import { groupBy } from '../group-by.js';
import type { NodeChange, PendingReasonChange, Placement, ReconcilePlan } from './types.js';

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;
const jobIdsIn = (ids: readonly string[]) => sql`(SELECT jsonb_array_elements_text(${json(ids)}))`;

/**
 * For a row `w` (job, task, n, claim_from) of a claim: its lowest-index ready PENDING instances,
 * at most n, locked; rows another claimer holds are skipped, never waited for.
 */
const CLAIM_READY = sql`(
  SELECT i.id FROM instances i
  WHERE i.job_id = w.job AND i.task_name = w.task AND i.index >= w.claim_from AND ${stateIn('instances', ['PENDING'], 'i')}
    AND i.pending_reason IS DISTINCT FROM 'DEPENDENCY' AND (i.not_before IS NULL OR i.not_before <= now())
  ORDER BY i.index LIMIT w.n
  FOR UPDATE SKIP LOCKED
)`;

/** The claim itself: the claimed instances become SCHEDULED with the id of their new attempt. */
const SCHEDULE_CLAIMED = sql`
  UPDATE instances i
  SET state = ${stateValue('instances', 'SCHEDULED')}, pending_reason = NULL, not_before = NULL,
      attempt_count = i.attempt_count + 1, current_attempt_id = nextval('attempts_id_seq'), updated_at = now()
  FROM claimed c
  WHERE i.id = c.id AND ${canMoveTo('instances', 'SCHEDULED', 'i')}
  RETURNING i.id, i.job_id, i.task_name, i.index, i.attempt_count, i.current_attempt_id`;

/** A task's claim cursor moves up to its lowest still-PENDING instance (`exclude`: just claimed). */
const CLAIM_CURSOR = (exclude = sql`false`) => sql`coalesce(
  (SELECT min(i.index) FROM instances i
   WHERE i.job_id = t.job_id AND i.task_name = t.name AND ${stateIn('instances', ['PENDING'], 'i')}
     AND i.index >= t.claim_from AND NOT (${exclude})),
  t.instance_count)`;

/** What applying a reconcile plan did beyond its own rows. */
export interface ReconcileApplied {
  /** Attempts newly marked to die by stops: their kills go out now. */
  kills: AttemptKill[];
  /** PENDING instances that stops made STOPPED. */
  stoppedInstances: number;
  /** Jobs re-armed by a restart. */
  rearmedJobs: number;
  /** Jobs whose state this apply changed, as the update returned them (the log tells of ends). */
  jobStates: JobStateChange[];
}

export interface JobStateChange {
  id: string;
  name: string;
  owner: string;
  state: JobState;
}

/** The pure reconcile's decisions, in one transaction. */
export async function applyReconcile(store: Database, plan: ReconcilePlan): Promise<ReconcileApplied> {
  const all = plan.releases
    .filter((r) => r.indexes === undefined)
    .map((r) => ({ job: r.jobId, task: r.task, next: r.to }));
  const some = plan.releases.flatMap((r) =>
    (r.indexes ?? []).map((index) => ({ job: r.jobId, task: r.task, next: r.to, index })),
  );
  const empty =
    all.length + some.length + plan.tasks.length + plan.jobs.length + plan.stops.length + plan.rearms.length === 0;
  if (empty) return { kills: [], stoppedInstances: 0, rearmedJobs: 0, jobStates: [] };
  return store.transaction(async (tx) => {
    // A released instance stays PENDING (now ready) or is SKIPPED: its dependency can never hold.
    const released = sql`state = CASE WHEN r.next = 'skip' THEN ${stateValue('instances', 'SKIPPED')} ELSE i.state END`;
    const blocked = sql`${stateIn('instances', ['PENDING'], 'i')} AND i.pending_reason = 'DEPENDENCY'`;
    if (all.length > 0) {
      await tx.db.execute(sql`
        UPDATE instances i SET pending_reason = NULL, updated_at = now(), ${released}
        FROM jsonb_to_recordset(${json(all)}) AS r(job text, task text, next text)
        WHERE i.job_id = r.job AND i.task_name = r.task AND ${blocked}`);
    }
    if (some.length > 0) {
      await tx.db.execute(sql`
        UPDATE instances i SET pending_reason = NULL, updated_at = now(), ${released}
        FROM jsonb_to_recordset(${json(some)}) AS r(job text, task text, next text, index int)
        WHERE i.job_id = r.job AND i.task_name = r.task AND i.index = r.index AND ${blocked}`);
    }
    const stopped = plan.stops.length > 0 ? await applyStops(tx, plan.stops) : { kills: [], instances: 0 };
    if (plan.tasks.length > 0) {
      const rows = plan.tasks.map((t) => ({ job: t.jobId, task: t.task, prev: t.from, next: t.to }));
      // A finished task waits for nothing: its last pending reason would outlive it (and its event).
      await tx.db.execute(sql`
        UPDATE tasks t SET state = r.next,
               pending_reason = CASE WHEN r.next IN (${literalList(FINISHED_TASK_STATES)}) THEN NULL ELSE t.pending_reason END
        FROM jsonb_to_recordset(${json(rows)}) AS r(job text, task text, prev text, next text)
        WHERE t.job_id = r.job AND t.name = r.task AND t.state = r.prev
          AND ${transitionAllowed('tasks', sql`r.next`, 't')}`);
    }
    let jobStates: JobStateChange[] = [];
    if (plan.jobs.length > 0) {
      const rows = plan.jobs.map((j) => ({ job: j.jobId, prev: j.from, next: j.to }));
      jobStates = await tx.rows<JobStateChange>(sql`
        UPDATE jobs j SET state = r.next,
               started_at = CASE WHEN r.next IN (${literalList(STARTED_JOB_STATES)}) THEN coalesce(j.started_at, now())
                                 ELSE j.started_at END,
               ended_at = CASE WHEN r.next IN (${literalList(FINISHED_JOB_STATES)}) THEN now() ELSE NULL END
        FROM jsonb_to_recordset(${json(rows)}) AS r(job text, prev text, next text), users u
        WHERE j.id = r.job AND j.state = r.prev AND ${transitionAllowed('jobs', sql`r.next`, 'j')}
          AND u.id = j.owner_id
        RETURNING j.id, j.name, u.name AS owner, j.state`);
    }
    const rearmedJobs = plan.rearms.length > 0 ? await applyRearms(tx, plan.rearms) : 0;
    return { kills: stopped.kills, stoppedInstances: stopped.instances, rearmedJobs, jobStates };
  });
}

/**
 * A stopping job: its PENDING instances become STOPPED, and its active attempts are marked to
 * die (`desired = stop`, which resync also reads). Returns the attempts newly marked, whose
 * kills go out now; marking only `run` ones keeps a repeated stop from killing twice.
 */
async function applyStops(
  tx: Database,
  jobIds: readonly string[],
): Promise<{ kills: AttemptKill[]; instances: number }> {
  const stopped = await tx.rows<{ id: number }>(sql`
    UPDATE instances i SET state = ${stateValue('instances', 'STOPPED')}, pending_reason = NULL, updated_at = now()
    WHERE i.job_id IN ${jobIdsIn(jobIds)} AND ${stateIn('instances', ['PENDING'], 'i')}
      AND ${canMoveTo('instances', 'STOPPED', 'i')}
    RETURNING i.id`);
  const marked = await tx.rows<{ id: number; node_id: string }>(sql`
    UPDATE attempts a SET desired = 'stop'
    WHERE a.job_id IN ${jobIdsIn(jobIds)} AND ${stateIn('attempts', ACTIVE_ATTEMPT_STATES, 'a')} AND a.desired = 'run'
    RETURNING a.id, a.node_id`);
  return { kills: marked.map((a) => ({ attemptId: a.id, nodeId: a.node_id })), instances: stopped.length };
}

/**
 * A restart, asked for by jobs/restart.ts: every instance that did not succeed goes back to
 * PENDING (waiting on its dependencies again where it has any), its attempts so far no longer
 * count against `retries` (the retry floor), tasks that did not succeed are re-armed, and the
 * job is PENDING. Only jobs still finished with a restart outstanding are touched.
 */
async function applyRearms(tx: Database, jobIds: readonly string[]): Promise<number> {
  const rearmed = await tx.rows<{ id: string }>(sql`
    UPDATE jobs j SET state = ${stateValue('jobs', 'PENDING')}, ended_at = NULL, restarts_applied = j.restarts_requested
    WHERE j.id IN ${jobIdsIn(jobIds)} AND j.restarts_requested > j.restarts_applied
      AND ${canMoveTo('jobs', 'PENDING', 'j')}
    RETURNING j.id`);
  if (rearmed.length === 0) return 0;
  const ids = jobIdsIn(rearmed.map((r) => r.id));
  const hasDependencies = sql`jsonb_array_length(t.spec->'dependsOn') > 0`;
  const taskState = sql`CASE WHEN ${hasDependencies} THEN ${stateValue('tasks', 'WAITING')} ELSE ${stateValue('tasks', 'PENDING')} END`;
  await tx.db.execute(sql`
    UPDATE tasks t SET state = ${taskState}, claim_from = 0
    WHERE t.job_id IN ${ids} AND ${transitionAllowed('tasks', taskState, 't')}`);
  await tx.db.execute(sql`
    UPDATE instances i
    SET state = ${stateValue('instances', 'PENDING')}, not_before = NULL, retry_floor = i.attempt_count, updated_at = now(),
        pending_reason = CASE WHEN ${hasDependencies} THEN 'DEPENDENCY' END
    FROM tasks t
    WHERE i.job_id IN ${ids} AND t.job_id = i.job_id AND t.name = i.task_name
      AND ${stateIn('instances', RESTARTABLE_INSTANCE_STATES, 'i')} AND ${canMoveTo('instances', 'PENDING', 'i')}`);
  return rearmed.length;
}

/** Node states that intent implies (drain, undrain). */
export async function applyNodeChanges(store: Database, changes: readonly NodeChange[]): Promise<number> {
  if (changes.length === 0) return 0;
  const rows = changes.map((c) => ({ id: c.nodeId, prev: c.from, next: c.to }));
  const changed = await store.rows<{ id: string }>(sql`
    UPDATE nodes n SET state = r.next
    FROM jsonb_to_recordset(${json(rows)}) AS r(id text, prev text, next text)
    WHERE n.id = r.id AND n.state = r.prev AND ${transitionAllowed('nodes', sql`r.next`, 'n')}
      -- A node terminates only with nothing running on it, whatever the snapshot said.
      AND (r.next <> ${stateValue('nodes', 'TERMINATING')} OR NOT EXISTS (
        SELECT 1 FROM attempts a WHERE a.node_id = n.id AND ${stateIn('attempts', ACTIVE_ATTEMPT_STATES, 'a')}))
    RETURNING n.id`);
  return changed.length;
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
  const started = await store.transaction(async (tx) => {
    const claimed = await tx.rows<ClaimedRow>(sql`
      WITH want AS (
        SELECT w.job, w.task, w.n, t.claim_from
        FROM jsonb_to_recordset(${json(want)}) AS w(job text, task text, n int)
        JOIN tasks t ON t.job_id = w.job AND t.name = w.task
      ),
      claimed AS (
        SELECT c.id FROM want w
        CROSS JOIN LATERAL ${CLAIM_READY} c
      )
      ${SCHEDULE_CLAIMED}`);
    const attempts = assignToNodes(claimed, byTask);
    if (attempts.length === 0) return [];
    return tx.rows<StartedRow>(sql`
      WITH r AS (
        SELECT * FROM jsonb_to_recordset(${json(attempts)})
          AS r(id bigint, instance_id bigint, job text, task text, attempt int, node text, cpu float8, mem int, gpu int)
      ),
      created AS (
        INSERT INTO attempts (id, instance_id, job_id, attempt, node_id, state, cpu, memory_mib, gpu, log_archive)
        SELECT r.id, r.instance_id, r.job, r.attempt, r.node, ${stateValue('attempts', 'SCHEDULED')}, r.cpu, r.mem, r.gpu,
               CASE WHEN t.spec ? 'stdout' OR t.spec ? 'stderr' THEN 'pending' END
        FROM r JOIN tasks t ON t.job_id = r.job AND t.name = r.task
        RETURNING id
      )
      SELECT r.id AS attempt_id, r.attempt, r.node AS node_id, r.job AS job_id, j.name AS job_name, j.owner_id,
             u.number AS owner_number, r.task AS task_name,
             i.index, t.instance_count AS count, e.name AS environment, t.spec
      FROM r
      JOIN instances i ON i.id = r.instance_id
      JOIN jobs j ON j.id = r.job
      JOIN users u ON u.id = j.owner_id
      JOIN tasks t ON t.job_id = r.job AND t.name = r.task
      JOIN compute_environments e ON e.id = t.environment_id
      WHERE r.id IN (SELECT id FROM created)`);
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
    scheduled AS (${SCHEDULE_CLAIMED}),
    created AS (
      INSERT INTO attempts (id, instance_id, job_id, attempt, node_id, state, cpu, memory_mib, gpu, log_archive)
      SELECT s.current_attempt_id, s.id, s.job_id, s.attempt_count, c.node, ${stateValue('attempts', 'SCHEDULED')},
             c.cpu, c.mem, c.gpu, CASE WHEN c.archive THEN 'pending' END
      FROM scheduled s JOIN claimed c ON c.id = s.id
      RETURNING id, instance_id, node_id, attempt
    ),
    -- The statement still sees the claimed rows as PENDING: they are left out by name.
    cursor AS (
      UPDATE tasks t SET claim_from = ${CLAIM_CURSOR(sql`i.id IN (SELECT id FROM scheduled)`)}
      FROM want w
      WHERE t.job_id = w.job AND t.name = w.task
    )
    SELECT cr.id AS attempt_id, cr.attempt, cr.node_id, s.job_id, j.name AS job_name, j.owner_id,
           u.number AS owner_number, s.task_name,
           s.index, t.instance_count AS count, e.name AS environment, t.spec
    FROM created cr
    JOIN scheduled s ON s.id = cr.instance_id
    JOIN jobs j ON j.id = s.job_id
    JOIN users u ON u.id = j.owner_id
    JOIN tasks t ON t.job_id = s.job_id AND t.name = s.task_name
    JOIN compute_environments e ON e.id = t.environment_id`);
  return rows.map(startedFromRow);
}

/** Moves each placed task's claim cursor up to its lowest still-PENDING instance. */
async function advanceClaimCursors(store: Database, tasks: readonly [string, string][]): Promise<void> {
  if (tasks.length === 0) return;
  await store.db.execute(sql`
    UPDATE tasks t SET claim_from = ${CLAIM_CURSOR()}
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

/** Records, per task, why its ready instances are still PENDING. */
export async function applyPendingReasons(store: Database, reasons: readonly PendingReasonChange[]): Promise<void> {
  if (reasons.length === 0) return;
  const rows = reasons.map((r) => ({ job: r.jobId, task: r.task, reason: r.reason }));
  await store.db.execute(sql`
    UPDATE tasks t SET pending_reason = r.reason
    FROM jsonb_to_recordset(${json(rows)}) AS r(job text, task text, reason text)
    WHERE t.job_id = r.job AND t.name = r.task AND t.pending_reason IS DISTINCT FROM r.reason`);
}
