/** A store, an admin caller, a clock the test moves and a ticker factory, for schedule tests. */
import { sql } from 'drizzle-orm';
import { parseOrThrow } from '../../protocol/spec.js';
import { createScheduleSchema, type CreateSchedule } from '../../protocol/schedule.js';
import type { Caller } from '../../controller/access/caller.js';
import { stateValue } from '../../controller/db/state-sql.js';
import type { LogFields, Logger } from '../../controller/log.js';
import { createSchedule } from '../../controller/schedules/schedules.js';
import { ScheduleTicker } from '../../controller/schedules/ticker.js';
import { freshDatabase } from '../support/postgres.js';
import { makeApi } from './api-harness.js';
import { FakeClock } from './fake-clock.js';

export const STORES = ['pglite', 'postgres'] as const;

interface Run {
  tick: number;
  outcome: string | null;
  jobId: string | null;
  reason: string | null;
  missed: number;
}

export async function setup(t: Parameters<typeof makeApi>[0], store: 'pglite' | 'postgres') {
  const api = await makeApi(t, store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {});
  // It starts on a whole second, as ticks are.
  const clock = new FakeClock();
  const [row] = await api.store.rows<{ id: string; quotas: Record<string, number> }>(
    sql`SELECT id, quotas FROM users WHERE name = 'admin'`,
  );
  const caller: Caller = { id: row!.id, name: 'admin', admin: true, quotas: row!.quotas };
  const wakes: string[] = [];
  /** The fields of every line the tickers logged. */
  const logged: LogFields[] = [];
  const keep = (_message: string, fields?: LogFields) => void logged.push(fields ?? {});
  const log: Logger = { debug: keep, info: keep, warn: keep, error: keep };
  const ticker = () =>
    new ScheduleTicker({
      store: api.store,
      clock,
      log,
      scheduler: { wake: (reason) => wakes.push(reason) },
      defaultEnvironment: 'local',
    });
  const create = (extra: Partial<CreateSchedule> = {}) =>
    createSchedule(
      api.store,
      clock,
      caller,
      parseOrThrow(createScheduleSchema, {
        name: 'every-second',
        cron: '* * * * * *',
        job: { name: 'tick', tasks: [{ name: 'a', command: 'true' }] },
        ...extra,
      }),
    );
  const runs = () =>
    api.store.rows<Run>(sql`
      SELECT (extract(epoch FROM tick_at) * 1000)::float8 AS tick, outcome, job_id AS "jobId", reason, missed
      FROM schedule_runs ORDER BY tick_at`);
  /** Moves the clock one second and runs one pass, `times` times. */
  const seconds = async (one: ScheduleTicker, times: number) => {
    for (let i = 0; i < times; i++) {
      clock.advance(1000);
      await one.runOnce();
    }
  };
  const finishJobs = () => api.store.rows(sql`UPDATE jobs SET state = ${stateValue('jobs', 'SUCCEEDED')}`);
  return { api, clock, caller, wakes, logged, ticker, create, runs, seconds, finishJobs };
}
