/**
 * The schedule ticker: one timer (on the injected Clock) that finds due schedules with one
 * set-based query, plans their ticks (plan.ts, pure) and carries each out as the owner:
 *
 * 1. claim the tick: insert its run, UNIQUE (schedule, tick). A tick someone else claimed is
 *    theirs; only a claim left unfinished for CLAIM_LEASE_MS (its controller died mid-way) is
 *    taken over, by a later pass that looks for such claims, and then the job's clientToken,
 *    `schedule:<name>:<tick>`, makes the submit return the job the dead controller may already
 *    have made. So a tick makes one job across restarts and controllers sharing a database, and
 *    a crash does not lose it.
 * 2. apply the overlap policy against the previous run's job, submit through the jobs module
 *    (the owner's quotas apply), record the job id or the refusal on the run: never retried.
 * 3. advance `next_tick_at`, guarded by its old value.
 */
import { sql } from 'drizzle-orm';
import { BatchError } from '../../protocol/errors.js';
import type { CatchUpPolicy, OverlapPolicy, RunOutcome } from '../../protocol/schedule.js';
import { recordEvents } from '../events/record.js';
import { logJobSubmitted } from '../jobs/submitted-log.js';
import { ACTIVE_JOB_STATES } from '../../protocol/states.js';
import type { Caller } from '../access/caller.js';
import type { Cancel, Clock } from '../clock.js';
import type { Database } from '../db/client.js';
import { stateIn } from '../db/state-sql.js';
import type { WakeReason, WakeScope } from '../scheduler/wake.js';
import { stopJob } from '../jobs/stop.js';
import { submitJob } from '../jobs/submit.js';
import { errorText, type Logger } from '../log.js';
import { compileCron } from './cron.js';
import { MAX_COUNTED_MISSES, planTicks, type TickAction } from './plan.js';

/** The longest the ticker sleeps: schedules created on other controllers are seen this soon. */
export const POLL_MS = 1000;
/** An unfinished claim older than this belongs to a controller that died. */
export const CLAIM_LEASE_MS = 30_000;
/**
 * Finished runs kept per schedule (the newest): the history a user reads, bounded so that a
 * schedule every second does not grow its table for ever. Only ticks long past are trimmed, so
 * the UNIQUE (schedule, tick) still guards every tick a controller could still run.
 */
export const MAX_RUNS_KEPT = 1000;
/** Due schedules handled per pass; more wait for the next one, which follows at once. */
const DUE_BATCH = 100;

export interface TickerDeps {
  store: Database;
  clock: Clock;
  log: Logger;
  /** Woken with the jobs a tick submitted or stopped. */
  scheduler: { wake(reason: WakeReason, jobs?: WakeScope): void };
  defaultEnvironment: string | undefined;
  /** Whether this controller runs schedules now (it holds their lease); absent: always. */
  active?: () => boolean;
}

interface DueRow {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  overlap: OverlapPolicy;
  catchUp: CatchUpPolicy;
  job: Record<string, unknown>;
  dueMs: number;
  ownerId: string;
  ownerName: string;
  admin: boolean;
  quotas: Record<string, number>;
  disabled: boolean;
  lastJobId: string | null;
  lastJobState: string | null;
  lastJobActive: boolean;
}

/** The previous run's job, as far as overlap is concerned. */
interface Previous {
  jobId: string;
  state: string;
  active: boolean;
}

const previousOf = (row: DueRow): Previous | undefined =>
  row.lastJobId === null
    ? undefined
    : { jobId: row.lastJobId, state: row.lastJobState ?? 'deleted', active: row.lastJobActive };

export class ScheduleTicker {
  /** Ticks before this were missed by every controller (plan.ts): none ran to run them. */
  private readonly startedAt: number;
  private timer: Cancel | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly deps: TickerDeps) {
    this.startedAt = deps.clock.now();
  }

  start(): void {
    this.stopped = false;
    this.arm(0);
  }

  /** Stops the timer; resolves once a pass in flight has ended (before the store closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.();
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Runs a pass soon (a schedule was created or resumed). */
  wake(): void {
    if (!this.stopped) this.arm(0);
  }

  /** One pass over every due schedule; concurrent calls share one pass and queue one more. */
  async runOnce(): Promise<void> {
    if (this.deps.active?.() === false) return;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        let more = true;
        while (more) more = await this.pass();
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private arm(ms: number): void {
    this.timer?.();
    this.timer = this.deps.clock.after(ms, () => {
      this.timer = undefined;
      void this.runOnce()
        .catch((err: unknown) => this.deps.log.error(`schedule pass failed: ${errorText(err)}`))
        .finally(() => {
          if (!this.stopped) void this.armForNext();
        });
    });
  }

  private async armForNext(): Promise<void> {
    if (this.again) {
      this.again = false;
      this.arm(0);
      return;
    }
    let next: number | null = null;
    try {
      [{ next } = { next: null }] = await this.deps.store.rows<{ next: number | null }>(
        sql`SELECT (extract(epoch FROM min(next_tick_at)) * 1000)::float8 AS next FROM schedules`,
      );
    } catch (err) {
      this.deps.log.warn(`next schedule tick unknown: ${errorText(err)}`);
    }
    if (this.stopped || this.timer) return;
    const wait = next === null ? POLL_MS : Math.min(POLL_MS, Math.max(0, next - this.deps.clock.now()));
    this.arm(wait);
  }

  /** True when there may be more due schedules than one batch took. */
  private async pass(): Promise<boolean> {
    const now = this.deps.clock.now();
    // Ticks a dead controller claimed and never finished: its schedule has moved on since.
    for (const row of await this.load(now, 'stale')) {
      await this.guarded(row, () => this.act(row, { kind: 'run', tick: row.dueMs, missed: 0 }, previousOf(row), now));
    }
    const due = await this.load(now, 'due');
    for (const row of due) await this.guarded(row, () => this.handle(row, now));
    return due.length === DUE_BATCH;
  }

  /** One schedule's trouble (a failed write) must not hold up the others: its tick stays due. */
  private async guarded(row: DueRow, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.deps.log.error(`schedule ${row.id}: ${errorText(err)}`);
    }
  }

  /**
   * Due schedules with what a tick needs (owner, previous job), from `next_tick_at`; or, for
   * `stale`, the unfinished claims older than the lease, with their tick.
   */
  private load(now: number, which: 'due' | 'stale'): Promise<DueRow[]> {
    const nowSql = sql`to_timestamp(${now / 1000})`;
    const source =
      which === 'due'
        ? sql`(extract(epoch FROM s.next_tick_at) * 1000)::float8 AS "dueMs" FROM schedules s`
        : sql`(extract(epoch FROM stale.tick_at) * 1000)::float8 AS "dueMs"
              FROM schedule_runs stale JOIN schedules s ON s.id = stale.schedule_id`;
    const where =
      which === 'due'
        ? sql`s.next_tick_at <= ${nowSql} ORDER BY s.next_tick_at`
        : sql`stale.outcome IS NULL AND stale.claimed_at < ${nowSql} - make_interval(secs => ${CLAIM_LEASE_MS / 1000})`;
    return this.deps.store.rows<DueRow>(sql`
      SELECT s.id, s.name, s.cron, s.timezone, s.overlap, s.catch_up AS "catchUp", s.job,
             u.id AS "ownerId", u.name AS "ownerName", u.admin, u.quotas, u.disabled_at IS NOT NULL AS disabled,
             last.job_id AS "lastJobId", j.state AS "lastJobState",
             coalesce(${stateIn('jobs', ACTIVE_JOB_STATES, 'j')}, false) AS "lastJobActive",
             ${source}
      JOIN users u ON u.id = s.owner_id
      LEFT JOIN LATERAL (
        SELECT r.job_id FROM schedule_runs r
        WHERE r.schedule_id = s.id AND r.job_id IS NOT NULL ORDER BY r.tick_at DESC LIMIT 1
      ) last ON true
      LEFT JOIN jobs j ON j.id = last.job_id
      WHERE ${where}
      LIMIT ${DUE_BATCH}`);
  }

  private async handle(row: DueRow, now: number): Promise<void> {
    const plan = planTicks(compileCron(row.cron, row.timezone), row.catchUp, row.dueMs, now, this.startedAt);
    let previous = previousOf(row);
    for (const action of plan.actions) previous = await this.act(row, action, previous, now);
    await this.deps.store.rows(sql`
      UPDATE schedules SET next_tick_at = ${plan.next === undefined ? null : sql`to_timestamp(${plan.next / 1000})`}
      WHERE id = ${row.id} AND next_tick_at = to_timestamp(${row.dueMs / 1000})`);
    await this.deps.store.rows(sql`
      DELETE FROM schedule_runs
      WHERE schedule_id = ${row.id} AND outcome IS NOT NULL AND tick_at < (
        SELECT tick_at FROM schedule_runs WHERE schedule_id = ${row.id}
        ORDER BY tick_at DESC OFFSET ${MAX_RUNS_KEPT - 1} LIMIT 1)`);
  }

  /** Claims one tick and carries it out; returns the job the next tick overlaps with. */
  private async act(
    row: DueRow,
    action: TickAction,
    previous: Previous | undefined,
    now: number,
  ): Promise<Previous | undefined> {
    const runId = await this.claim(row.id, action.tick, now);
    if (runId === undefined) return previous;
    const result = await this.carryOut(row, action, previous);
    const tick = new Date(action.tick).toISOString();
    // the run and its event commit together: a follower of /v1/events sees every run once
    await this.deps.store.transaction(async (tx) => {
      const recorded = await tx.rows(sql`
        UPDATE schedule_runs SET outcome = ${result.outcome}, job_id = ${result.jobId ?? null},
               reason = ${result.reason ?? null}, missed = ${action.missed}
        WHERE id = ${runId} AND outcome IS NULL
        RETURNING id`);
      if (recorded.length === 0) return;
      await recordEvents(tx, [
        {
          ownerId: row.ownerId,
          kind: 'schedule',
          state: result.outcome,
          ...(result.reason ? { reason: result.reason } : {}),
          ...(result.jobId ? { jobId: result.jobId } : {}),
          data: { schedule: row.name, tick, missed: action.missed },
        },
      ]);
    });
    this.deps.log.info(
      `schedule ${row.name} of ${row.ownerName}, tick ${tick}: ${result.outcome}${result.jobId ? ` ${result.jobId}` : ''}`,
      {
        event: 'schedule.run',
        schedule: row.name,
        owner: row.ownerName,
        tick,
        outcome: result.outcome,
        ...(result.jobId ? { jobId: result.jobId } : {}),
        ...(result.reason ? { reason: result.reason } : {}),
        missed: action.missed,
      },
    );
    return result.jobId ? { jobId: result.jobId, state: 'PENDING', active: true } : previous;
  }

  /** The run's id if this controller now holds the tick. */
  private async claim(scheduleId: string, tick: number, now: number): Promise<number | undefined> {
    const [row] = await this.deps.store.rows<{ id: number }>(sql`
      INSERT INTO schedule_runs (schedule_id, tick_at, claimed_at)
      VALUES (${scheduleId}, to_timestamp(${tick / 1000}), to_timestamp(${now / 1000}))
      ON CONFLICT (schedule_id, tick_at) DO UPDATE SET claimed_at = excluded.claimed_at
        WHERE schedule_runs.outcome IS NULL
          AND schedule_runs.claimed_at < excluded.claimed_at - make_interval(secs => ${CLAIM_LEASE_MS / 1000})
      RETURNING id`);
    return row?.id;
  }

  private async carryOut(
    row: DueRow,
    action: TickAction,
    previous: Previous | undefined,
  ): Promise<{ outcome: RunOutcome; jobId?: string; reason?: string }> {
    if (action.kind === 'missed') {
      const count = action.missed >= MAX_COUNTED_MISSES ? `at least ${action.missed}` : String(action.missed);
      return { outcome: 'MISSED', reason: `${count} tick(s) missed while no controller ran them (catchUp: none)` };
    }
    if (row.disabled) return { outcome: 'REFUSED', reason: `FORBIDDEN: user "${row.ownerName}" is disabled` };
    if (previous?.active && row.overlap === 'skip')
      return { outcome: 'SKIPPED', reason: `the previous run's job ${previous.jobId} is still ${previous.state}` };
    if (previous?.active && row.overlap === 'stopPrevious') await this.stopPrevious(previous.jobId);

    const owner: Caller = { id: row.ownerId, name: row.ownerName, admin: row.admin, quotas: row.quotas };
    const body = { ...row.job, clientToken: `schedule:${row.name}:${new Date(action.tick).toISOString()}` };
    try {
      const result = await submitJob(this.deps.store, owner, body, this.deps.defaultEnvironment);
      if (result.created) {
        this.deps.scheduler.wake('job-submitted', []);
        logJobSubmitted(this.deps.log, result.job, row.ownerName, row.name);
      }
      return {
        outcome: 'SUBMITTED',
        jobId: result.jobId,
        ...(action.missed > 0 ? { reason: `latest of ${action.missed + 1} missed ticks (catchUp: latest)` } : {}),
      };
    } catch (err) {
      if (!(err instanceof BatchError)) throw err;
      return { outcome: 'REFUSED', reason: `${err.code}: ${err.message}` };
    }
  }

  /** The stop command, as a user's: a job that finished meanwhile needs none. */
  private async stopPrevious(jobId: string): Promise<void> {
    try {
      await stopJob(this.deps.store, jobId);
      this.deps.scheduler.wake('job-stopped', [jobId]);
    } catch (err) {
      if (!(err instanceof BatchError && err.code === 'CONFLICT')) throw err;
    }
  }
}
