/** Schedules and their runs as the API shows them (protocol/schedule.ts). */
import { sql } from 'drizzle-orm';
import type { CatchUpPolicy, OverlapPolicy, RunOutcome, Schedule, ScheduleRun } from '../../protocol/schedule.js';
import type { Database } from '../db/client.js';

export interface ScheduleRow {
  id: string;
  name: string;
  owner: string;
  cron: string;
  timezone: string;
  overlap: OverlapPolicy;
  catchUp: CatchUpPolicy;
  paused: boolean;
  job: Record<string, unknown>;
  createdMs: number;
  nextMs: number | null;
  lastMs: number | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const epochMs = (column: string) => sql.raw(`(extract(epoch FROM ${column}) * 1000)::float8`);

export function toResource(row: ScheduleRow): Schedule {
  return {
    name: row.name,
    owner: row.owner,
    cron: row.cron,
    timezone: row.timezone,
    overlap: row.overlap,
    catchUp: row.catchUp,
    paused: row.paused,
    job: row.job,
    createdAt: new Date(row.createdMs).toISOString(),
    nextRunAt: iso(row.nextMs),
    lastRunAt: iso(row.lastMs),
  };
}

/** Schedules by name (then id: names repeat across owners); `after` is the id of the last one seen. */
export function readSchedules(
  store: Database,
  filter: { ownerId?: string; name?: string; after?: string | undefined; limit: number },
): Promise<ScheduleRow[]> {
  return store.rows<ScheduleRow>(sql`
    SELECT s.id, s.name, u.name AS owner, s.cron, s.timezone, s.overlap, s.catch_up AS "catchUp", s.paused, s.job,
           ${epochMs('s.created_at')} AS "createdMs", ${epochMs('s.next_tick_at')} AS "nextMs",
           (SELECT ${epochMs('max(r.tick_at)')} FROM schedule_runs r WHERE r.schedule_id = s.id) AS "lastMs"
    FROM schedules s JOIN users u ON u.id = s.owner_id
    WHERE true
      ${filter.ownerId ? sql`AND s.owner_id = ${filter.ownerId}` : sql``}
      ${filter.name ? sql`AND s.name = ${filter.name}` : sql``}
      ${filter.after ? sql`AND (s.name, s.id) > (SELECT name, id FROM schedules WHERE id = ${filter.after})` : sql``}
    ORDER BY s.name, s.id
    LIMIT ${filter.limit}`);
}

/** The newest runs first. */
export async function readRuns(store: Database, scheduleId: string, limit: number): Promise<ScheduleRun[]> {
  const rows = await store.rows<{
    tickMs: number;
    outcome: RunOutcome | null;
    jobId: string | null;
    reason: string | null;
    missed: number;
  }>(sql`
    SELECT ${epochMs('tick_at')} AS "tickMs", outcome, job_id AS "jobId", reason, missed
    FROM schedule_runs WHERE schedule_id = ${scheduleId}
    ORDER BY tick_at DESC LIMIT ${limit}`);
  return rows.map((r) => ({
    tick: new Date(r.tickMs).toISOString(),
    outcome: r.outcome,
    jobId: r.jobId,
    reason: r.reason,
    missed: r.missed,
  }));
}
