/**
 * Records a batch of agents' reports atomically: log chunks first (so an instance is never
 * SUCCEEDED with part of its log missing), then attempt states (observations: only reports write
 * them), then what each instance becomes (derived by the pure rule in outcome.ts) — in one
 * transaction, or, for a batch of starts and successes without log, in one statement (the common
 * case, and a third of the round trips). Every write is fenced: an attempt only accepts reports
 * from the node it was placed on and only transitions the table allows; an instance only follows
 * its current attempt.
 */
import { sql, type SQL } from 'drizzle-orm';
import { INFRASTRUCTURE_FAILURES, PLACED_INSTANCE_STATES, type FailureReason } from '../../protocol/states.js';
import type { Database } from '../db/client.js';
import { literalList, stateIn, stateValue, transitionAllowed } from '../db/state-sql.js';
import { writeChunks } from './write-chunks.js';
import { isApplicationRetry, nextInstanceState, retryDelayMs, type AttemptOutcome, type Backoff } from './outcome.js';

export interface StatusReport {
  attemptId: number;
  nodeId: string;
  state: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';
  exitCode: number | null;
  failureReason: FailureReason | null;
  message: string | null;
  /** false: the agent knows another attempt cannot succeed (a bad package); null or absent: not said. */
  retryable?: boolean | null;
  /** Controller's receive time, ms since the epoch. */
  at: number;
}

export interface ChunkReport {
  attemptId: number;
  nodeId: string;
  stream: 'stdout' | 'stderr';
  seq: number;
  data: Uint8Array;
}

export interface RecordResult {
  /** Jobs whose instances changed state. */
  jobIds: Set<string>;
  /** Attempts whose logs or state changed (wakes log followers). */
  attemptIds: Set<number>;
  /** Attempts this write ended, as the statements returned them (metrics and the log count them). */
  ended: AttemptEnd[];
}

export interface AttemptEnd {
  attemptId: number;
  jobId: string;
  state: 'SUCCEEDED' | 'FAILED' | 'STOPPED';
  failureReason: FailureReason | null;
  exitCode: number | null;
  /** The instance goes back to PENDING for another attempt. */
  retried: boolean;
}

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/** One row per attempt: a RUNNING report followed by its end in the same batch becomes one row. */
function collapse(reports: readonly StatusReport[]) {
  const byAttempt = new Map<number, StatusReport & { startedAt: number | null }>();
  for (const r of reports) {
    const prev = byAttempt.get(r.attemptId);
    const startedAt = r.state === 'RUNNING' ? r.at : (prev?.startedAt ?? null);
    if (prev && prev.state !== 'RUNNING' && r.state === 'RUNNING') continue;
    byAttempt.set(r.attemptId, { ...r, startedAt });
  }
  return [...byAttempt.values()].map((r) => ({
    attempt_id: r.attemptId,
    node_id: r.nodeId,
    state: r.state,
    exit_code: r.exitCode,
    failure_reason: r.failureReason,
    message: r.message,
    retryable: r.retryable ?? null,
    started_ms: r.startedAt,
    at_ms: r.at,
  }));
}

interface ChangedAttempt {
  id: number;
  instance_id: number;
  job_id: string;
  state: AttemptOutcome['state'];
  failure_reason: FailureReason | null;
  exit_code: number | null;
  retryable: boolean | null;
}

interface PolicyRow {
  instance_id: number;
  desired: 'run' | 'stop';
  retries: number | null;
  retry_on: string[] | null;
  failures_before: number;
  infra_failures_before: number;
}

export async function recordReports(
  store: Database,
  statuses: readonly StatusReport[],
  chunks: readonly ChunkReport[],
  backoff: Backoff,
): Promise<RecordResult> {
  const result: RecordResult = { jobIds: new Set(), attemptIds: new Set(), ended: [] };
  const rows = collapse(statuses);
  const anyFailed = rows.some((r) => r.state === 'FAILED');
  if (chunks.length === 0 && !anyFailed) {
    // The common case (starts and successes): one statement, atomic on its own, no transaction.
    if (rows.length > 0) noteChanged(result, await recordEnds(store, rows));
    return result;
  }
  await store.transaction(async (tx) => {
    await writeChunks(tx, chunks);
    for (const c of chunks) result.attemptIds.add(c.attemptId);
    if (rows.length === 0) return;
    noteChanged(result, anyFailed ? await recordWithRetries(tx, rows, backoff) : await recordEnds(tx, rows));
  });
  return result;
}

interface ChangedRow {
  id: number;
  job_id: string;
  state: AttemptOutcome['state'] | 'RUNNING';
  failure_reason: FailureReason | null;
  exit_code: number | null;
  /** Set by the retry path: the instance's next state is PENDING. */
  retried?: boolean;
}

function noteChanged(result: RecordResult, changed: readonly ChangedRow[]): void {
  for (const c of changed) {
    result.jobIds.add(c.job_id);
    result.attemptIds.add(c.id);
    if (c.state !== 'RUNNING')
      result.ended.push({
        attemptId: c.id,
        jobId: c.job_id,
        state: c.state,
        failureReason: c.failure_reason,
        exitCode: c.exit_code,
        retried: c.retried === true,
      });
  }
}

type AttemptRow = ReturnType<typeof collapse>[number];

const RUNNING = stateValue('attempts', 'RUNNING');

const UPDATE_ATTEMPTS = (rows: readonly AttemptRow[]) => sql`
  UPDATE attempts a SET state = r.state,
         exit_code = coalesce(r.exit_code, a.exit_code),
         failure_reason = r.failure_reason,
         message = coalesce(r.message, a.message),
         retryable = r.retryable,
         started_at = coalesce(a.started_at, to_timestamp(r.started_ms / 1000.0)),
         ended_at = CASE WHEN r.state <> ${RUNNING} THEN to_timestamp(r.at_ms / 1000.0) ELSE NULL END
  FROM jsonb_to_recordset(${json(rows)})
    AS r(attempt_id bigint, node_id text, state text, exit_code int, failure_reason text, message text,
         retryable boolean, started_ms float8, at_ms float8)
  WHERE a.id = r.attempt_id AND a.node_id = r.node_id AND ${transitionAllowed('attempts', sql`r.state`, 'a')}
  RETURNING a.id, a.instance_id, a.job_id, a.state, a.failure_reason, a.exit_code, a.retryable`;

/** An instance follows its current attempt, from the states a placed instance is in. */
const FOLLOWS = (state: SQL) =>
  sql`${stateIn('instances', PLACED_INSTANCE_STATES, 'i')} AND ${transitionAllowed('instances', state, 'i')}`;

/** No attempt failed: each instance simply follows its current attempt, in the same statement. */
async function recordEnds(db: Database, rows: readonly AttemptRow[]): Promise<ChangedRow[]> {
  return db.rows<ChangedRow>(sql`
    WITH changed AS (${UPDATE_ATTEMPTS(rows)}),
    followed AS (
      UPDATE instances i SET state = c.state, updated_at = now(), pending_reason = NULL, not_before = NULL
      FROM changed c
      WHERE i.id = c.instance_id AND i.current_attempt_id = c.id AND ${FOLLOWS(sql`c.state`)}
      RETURNING i.id
    )
    SELECT id, job_id, state, failure_reason, exit_code FROM changed`);
}

/** Some attempt failed: the instance's next state depends on its retry policy and history. */
async function recordWithRetries(tx: Database, rows: readonly AttemptRow[], backoff: Backoff): Promise<ChangedRow[]> {
  const changed = await tx.rows<ChangedAttempt>(UPDATE_ATTEMPTS(rows));
  if (changed.length === 0) return changed;
  const failed = changed.filter((c) => c.state === 'FAILED').map((c) => c.instance_id);
  const policies = new Map<number, PolicyRow>();
  if (failed.length > 0) {
    const infrastructure = literalList(INFRASTRUCTURE_FAILURES);
    const policyRows = await tx.rows<PolicyRow>(sql`
      SELECT i.id AS instance_id, j.desired, (t.spec->>'retries')::int AS retries, t.spec->'retryOn' AS retry_on,
             (SELECT count(*)::int FROM attempts x
              WHERE x.instance_id = i.id AND x.id <> i.current_attempt_id AND ${stateIn('attempts', ['FAILED'], 'x')}
                AND x.attempt > i.retry_floor
                AND x.failure_reason NOT IN (${infrastructure})) AS failures_before,
             (SELECT count(*)::int FROM attempts x
              WHERE x.instance_id = i.id AND x.id <> i.current_attempt_id AND x.attempt > i.retry_floor
                AND x.failure_reason IN (${infrastructure})) AS infra_failures_before
      FROM instances i
      JOIN jobs j ON j.id = i.job_id
      JOIN tasks t ON t.job_id = i.job_id AND t.name = i.task_name
      WHERE i.id IN (SELECT (jsonb_array_elements_text(${json(failed)}))::bigint)`);
    for (const row of policyRows) policies.set(row.instance_id, row);
  }

  const next = changed.map((c) => {
    const policy = policies.get(c.instance_id);
    const outcome: AttemptOutcome = {
      state: c.state,
      failureReason: c.failure_reason,
      exitCode: c.exit_code,
      retryable: c.retryable,
    };
    const failuresBefore = policy?.failures_before ?? 0;
    const state = nextInstanceState(
      outcome,
      {
        retries: policy?.retries ?? 0,
        failuresBefore,
        infraFailuresBefore: policy?.infra_failures_before ?? 0,
        ...(policy?.retry_on ? { retryOn: policy.retry_on } : {}),
      },
      policy?.desired ?? 'run',
    );
    // Infrastructure failures re-queue at once; an application retry waits out its backoff.
    const delay_ms = state === 'PENDING' && isApplicationRetry(outcome) ? retryDelayMs(failuresBefore + 1, backoff) : 0;
    return { id: c.instance_id, attempt_id: c.id, state, delay_ms };
  });
  await tx.db.execute(sql`
    UPDATE instances i SET state = r.state, updated_at = now(),
           pending_reason = CASE WHEN r.delay_ms > 0 THEN 'BACKOFF' END,
           not_before = CASE WHEN r.delay_ms > 0 THEN now() + make_interval(secs => r.delay_ms / 1000.0) END
    FROM jsonb_to_recordset(${json(next)}) AS r(id bigint, attempt_id bigint, state text, delay_ms int)
    WHERE i.id = r.id AND i.current_attempt_id = r.attempt_id AND ${FOLLOWS(sql`r.state`)}`);
  const requeued = next.filter((n) => n.state === 'PENDING').map((n) => n.id);
  if (requeued.length > 0) {
    // Back in the queue below the claim cursor: lower the cursor so claims find it.
    await tx.db.execute(sql`
      UPDATE tasks t SET claim_from = least(t.claim_from, q.index)
      FROM (SELECT i.job_id, i.task_name, min(i.index) AS index FROM instances i
            WHERE i.id IN (SELECT (jsonb_array_elements_text(${json(requeued)}))::bigint)
              AND ${stateIn('instances', ['PENDING'], 'i')}
            GROUP BY i.job_id, i.task_name) q
      WHERE t.job_id = q.job_id AND t.name = q.task_name`);
  }
  const retried = new Set(requeued);
  return changed.map((c) => ({ ...c, retried: retried.has(c.instance_id) }));
}
