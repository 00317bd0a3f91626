/**
 * Schedules as commands and reads: create (checked like a submit, behind the schedules quota),
 * list, show with upcoming ticks and recent runs, pause, resume, delete. Each is its owner's;
 * the jobs a schedule submitted stay when it is deleted. The ticker (ticker.ts) runs them.
 */
import { sql } from 'drizzle-orm';
import { BatchError, notFound } from '../../protocol/errors.js';
import { checkJobSpec, jobSpecSchema, parseOrThrow } from '../../protocol/spec.js';
import {
  SCHEDULE_NEXT_RUNS,
  SCHEDULE_RECENT_RUNS,
  type CreateScheduleRequest,
  type Schedule,
  type ScheduleDetail,
} from '../../protocol/schedule.js';
import type { Caller } from '../access/caller.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/client.js';
import { loadTemplates } from '../jobs/submit.js';
import { quotaLimit } from '../quotas.js';
import { newId } from '../secrets.js';
import { compileCron, ticksAfter } from './cron.js';
import { readRuns, readSchedules, toResource, type ScheduleRow } from './view.js';

export async function createSchedule(
  store: Database,
  clock: Clock,
  caller: Caller,
  request: CreateScheduleRequest,
): Promise<Schedule> {
  const cron = compileCron(request.cron, request.timezone);
  const next = cron.nextAfter(clock.now());
  if (next === undefined) throw new BatchError('VALIDATION', 'cron: never matches a date in the next 8 years', 'cron');
  await checkJob(store, caller, request.job);
  const limit = quotaLimit(caller.quotas, 'schedules');
  // The slot and the insert in one statement, in a transaction so that a taken name gives the
  // slot back: the owner's row lock serializes concurrent creates, as for the jobs quota.
  await store.transaction(async (tx) => {
    const [row] = await tx.rows<{ slot: number; inserted: number }>(sql`
      WITH slot AS (
        UPDATE users SET schedule_count = schedule_count + 1
        WHERE id = ${caller.id} AND schedule_count < ${limit} RETURNING id
      ),
      created AS (
        INSERT INTO schedules (id, owner_id, name, cron, timezone, overlap, catch_up, job, next_tick_at)
        SELECT ${newId('s')}, slot.id, ${request.name}, ${request.cron}, ${request.timezone}, ${request.overlap},
               ${request.catchUp}, ${JSON.stringify(request.job)}::jsonb, to_timestamp(${next / 1000})
        FROM slot
        ON CONFLICT (owner_id, name) DO NOTHING
        RETURNING id
      )
      SELECT (SELECT count(*) FROM slot)::int AS slot, (SELECT count(*) FROM created)::int AS inserted`);
    if (row!.slot === 0) {
      const [used] = await tx.rows<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM schedules WHERE owner_id = ${caller.id}`,
      );
      throw new BatchError(
        'QUOTA_EXCEEDED',
        `quota "schedules" allows ${limit} schedules; you have ${used?.n ?? 0}. Delete one first.`,
      );
    }
    if (row!.inserted === 0)
      throw new BatchError('CONFLICT', `schedule "${request.name}" already exists; delete it first`, 'name');
  });
  return getSchedule(store, clock, caller, request.name);
}

/** The job spec is checked now as a submit would check it, so a typo fails here, not at 2 am. */
async function checkJob(store: Database, caller: Caller, job: Record<string, unknown>): Promise<void> {
  if ('clientToken' in job)
    throw new BatchError(
      'VALIDATION',
      'job.clientToken: a schedule sets it for each tick (schedule:<name>:<tick>); leave it out',
      'job.clientToken',
    );
  try {
    const parsed = parseOrThrow(jobSpecSchema, job);
    checkJobSpec(
      job,
      await loadTemplates(
        store,
        caller.id,
        parsed.tasks.map((t) => t.template),
      ),
    );
  } catch (err) {
    if (!(err instanceof BatchError)) throw err;
    const field = err.field ? `job.${err.field}` : 'job';
    throw new BatchError(
      err.code,
      `job.${err.message}`,
      field,
      err.details?.map((d) => ({ field: `job.${d.field}`, message: d.message })),
    );
  }
}

export async function listSchedules(
  store: Database,
  ownerId: string | undefined,
  page: { limit: number; cursor?: string },
): Promise<{ items: Schedule[]; next?: string }> {
  const rows = await readSchedules(store, {
    ...(ownerId ? { ownerId } : {}),
    after: page.cursor,
    limit: page.limit + 1,
  });
  const items = rows.slice(0, page.limit).map(toResource);
  return rows.length > page.limit ? { items, next: rows[page.limit - 1]!.id } : { items };
}

/** The caller's schedule of that name; another user's is as missing as one that never was. */
async function ownSchedule(store: Database, caller: Caller, name: string): Promise<ScheduleRow> {
  const [row] = await readSchedules(store, { ownerId: caller.id, name, limit: 1 });
  if (!row) throw notFound('schedule', name);
  return row;
}

export async function getSchedule(
  store: Database,
  clock: Clock,
  caller: Caller,
  name: string,
): Promise<ScheduleDetail> {
  const row = await ownSchedule(store, caller, name);
  const nextRuns = row.paused ? [] : ticksAfter(compileCron(row.cron, row.timezone), clock.now(), SCHEDULE_NEXT_RUNS);
  return {
    ...toResource(row),
    nextRuns: nextRuns.map((ms) => new Date(ms).toISOString()),
    runs: await readRuns(store, row.id, SCHEDULE_RECENT_RUNS),
  };
}

/** Paused: no tick is due, none is caught up on resume. */
export async function pauseSchedule(
  store: Database,
  clock: Clock,
  caller: Caller,
  name: string,
): Promise<ScheduleDetail> {
  const done = await store.rows<{ id: string }>(sql`
    UPDATE schedules SET paused = true, next_tick_at = NULL
    WHERE owner_id = ${caller.id} AND name = ${name} RETURNING id`);
  if (done.length === 0) throw notFound('schedule', name);
  return getSchedule(store, clock, caller, name);
}

/** Resumes from now: the first tick after it is the next. Resuming a running schedule is a no-op. */
export async function resumeSchedule(
  store: Database,
  clock: Clock,
  caller: Caller,
  name: string,
): Promise<ScheduleDetail> {
  const row = await ownSchedule(store, caller, name);
  const next = compileCron(row.cron, row.timezone).nextAfter(clock.now());
  await store.rows(sql`
    UPDATE schedules SET paused = false, next_tick_at = ${next === undefined ? null : sql`to_timestamp(${next / 1000})`}
    WHERE id = ${row.id} AND paused`);
  return getSchedule(store, clock, caller, name);
}

/** The schedule and its run history go; the jobs it submitted stay. Gives the quota slot back. */
export async function deleteSchedule(store: Database, caller: Caller, name: string): Promise<void> {
  const done = await store.rows<{ id: string }>(sql`
    WITH gone AS (DELETE FROM schedules WHERE owner_id = ${caller.id} AND name = ${name} RETURNING owner_id)
    UPDATE users SET schedule_count = schedule_count - 1 FROM gone WHERE users.id = gone.owner_id RETURNING users.id`);
  if (done.length === 0) throw notFound('schedule', name);
}
