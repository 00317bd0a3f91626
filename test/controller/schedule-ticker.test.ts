/**
 * The schedule ticker over a real store (PGlite and PostgreSQL) with a clock the test moves:
 * one job per tick, overlap policies, catch-up after a restart, two controllers on one database,
 * a crash between claim and submit, and refusals recorded on the run.
 */
import { sql } from 'drizzle-orm';
import t from 'tap';
import { parseOrThrow } from '../../protocol/spec.js';
import { createScheduleSchema, type CreateSchedule } from '../../protocol/schedule.js';
import type { Caller } from '../../controller/access/caller.js';
import { stateValue } from '../../controller/db/state-sql.js';
import { silentLogger } from '../../controller/log.js';
import { createSchedule, pauseSchedule, resumeSchedule } from '../../controller/schedules/schedules.js';
import { CLAIM_LEASE_MS, MAX_RUNS_KEPT, ScheduleTicker } from '../../controller/schedules/ticker.js';
import { freshDatabase } from '../support/postgres.js';
import { makeApi } from './api-harness.js';
import { FakeClock } from './fake-clock.js';

interface Run {
  tick: number;
  outcome: string | null;
  jobId: string | null;
  reason: string | null;
  missed: number;
}

async function setup(t: Parameters<typeof makeApi>[0], store: 'pglite' | 'postgres') {
  const api = await makeApi(t, store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {});
  // It starts on a whole second, as ticks are.
  const clock = new FakeClock();
  const [row] = await api.store.rows<{ id: string; quotas: Record<string, number> }>(
    sql`SELECT id, quotas FROM users WHERE name = 'admin'`,
  );
  const caller: Caller = { id: row!.id, name: 'admin', admin: true, quotas: row!.quotas };
  const wakes: string[] = [];
  const ticker = () =>
    new ScheduleTicker({
      store: api.store,
      clock,
      log: silentLogger,
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
  return { api, clock, caller, wakes, ticker, create, runs, seconds, finishJobs };
}

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`${store}: every second for N seconds submits N jobs, one per consecutive tick`, async (t) => {
    const s = await setup(t, store);
    const start = s.clock.now();
    const ticker = s.ticker();
    await s.create({ overlap: 'allow' });
    await s.seconds(ticker, 5);
    const runs = await s.runs();
    t.same(
      runs.map((r) => [r.tick - start, r.outcome]),
      [1, 2, 3, 4, 5].map((n) => [n * 1000, 'SUBMITTED']),
    );
    t.equal(new Set(runs.map((r) => r.jobId)).size, 5, 'five distinct jobs');
    const jobs = await s.api.store.rows<{ client_token: string }>(sql`SELECT client_token FROM jobs ORDER BY seq`);
    t.equal(jobs[0]!.client_token, 'schedule:every-second:1970-01-01T00:16:41.000Z');
    t.same(s.wakes, Array(5).fill('job-submitted'));
    // A pass with nothing due does nothing.
    await ticker.runOnce();
    t.equal((await s.runs()).length, 5);
  });

  t.test(`${store}: skip records a skipped run while the previous job is active`, async (t) => {
    const s = await setup(t, store);
    const ticker = s.ticker();
    await s.create();
    await s.seconds(ticker, 2);
    await s.finishJobs();
    await s.seconds(ticker, 1);
    const runs = await s.runs();
    t.same(
      runs.map((r) => r.outcome),
      ['SUBMITTED', 'SKIPPED', 'SUBMITTED'],
    );
    t.equal(runs[1]!.reason, `the previous run's job ${runs[0]!.jobId} is still PENDING`);
  });

  t.test(`${store}: stopPrevious writes the stop intent of the previous job, then submits`, async (t) => {
    const s = await setup(t, store);
    const ticker = s.ticker();
    await s.create({ overlap: 'stopPrevious' });
    await s.seconds(ticker, 2);
    const runs = await s.runs();
    t.same(
      runs.map((r) => r.outcome),
      ['SUBMITTED', 'SUBMITTED'],
    );
    const desired = await s.api.store.rows<{ id: string; desired: string }>(sql`SELECT id, desired FROM jobs`);
    t.same(Object.fromEntries(desired.map((j) => [j.id, j.desired])), {
      [runs[0]!.jobId!]: 'stop',
      [runs[1]!.jobId!]: 'run',
    });
    t.same(s.wakes, ['job-submitted', 'job-stopped', 'job-submitted']);
  });

  t.test(`${store}: after a restart, catchUp none records the missed ticks once and runs on`, async (t) => {
    const s = await setup(t, store);
    const start = s.clock.now();
    await s.create({ overlap: 'allow' });
    await s.seconds(s.ticker(), 2);
    // The controller is down for ten seconds; a new one starts.
    s.clock.advance(10_000);
    const again = s.ticker();
    await s.seconds(again, 1);
    t.same(
      (await s.runs()).map((r) => [(r.tick - start) / 1000, r.outcome, r.missed]),
      [
        [1, 'SUBMITTED', 0],
        [2, 'SUBMITTED', 0],
        [11, 'MISSED', 9],
        [12, 'SUBMITTED', 0],
        [13, 'SUBMITTED', 0],
      ],
    );
  });

  t.test(`${store}: after a restart, catchUp latest runs the latest missed tick once`, async (t) => {
    const s = await setup(t, store);
    const start = s.clock.now();
    await s.create({ overlap: 'allow', catchUp: 'latest' });
    await s.seconds(s.ticker(), 2);
    s.clock.advance(10_000);
    const again = s.ticker();
    await s.seconds(again, 1);
    const runs = await s.runs();
    t.same(
      runs.map((r) => [(r.tick - start) / 1000, r.outcome, r.missed]),
      [
        [1, 'SUBMITTED', 0],
        [2, 'SUBMITTED', 0],
        [11, 'SUBMITTED', 8],
        [12, 'SUBMITTED', 0],
        [13, 'SUBMITTED', 0],
      ],
    );
    t.equal(runs[2]!.reason, 'latest of 9 missed ticks (catchUp: latest)');
  });

  t.test(`${store}: two controllers on one database make one job per tick`, async (t) => {
    const s = await setup(t, store);
    const [a, b] = [s.ticker(), s.ticker()];
    await s.create({ overlap: 'allow' });
    for (let i = 0; i < 4; i++) {
      s.clock.advance(1000);
      await Promise.all([a.runOnce(), b.runOnce()]);
    }
    const runs = await s.runs();
    t.equal(runs.length, 4);
    t.ok(runs.every((r) => r.outcome === 'SUBMITTED'));
    const [jobs] = await s.api.store.rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM jobs`);
    t.equal(jobs!.n, 4, 'four jobs, not eight');
  });

  t.test(`${store}: a claim left unfinished by a dead controller is taken over after the lease`, async (t) => {
    const s = await setup(t, store);
    const ticker = s.ticker();
    const schedule = await s.create({ overlap: 'allow' });
    const [row] = await s.api.store.rows<{ id: string }>(sql`SELECT id FROM schedules WHERE name = ${schedule.name}`);
    const tick = Date.parse(schedule.nextRunAt!);
    // A controller claimed the tick and died before recording anything.
    await s.api.store.rows(sql`
      INSERT INTO schedule_runs (schedule_id, tick_at, claimed_at)
      VALUES (${row!.id}, to_timestamp(${tick / 1000}), to_timestamp(${tick / 1000}))`);
    await s.seconds(ticker, 1);
    t.same(
      (await s.runs()).map((r) => r.outcome),
      [null],
      'a fresh claim is left to its controller',
    );
    // The schedule moved on meanwhile; once the lease is over, the claim is taken over.
    s.clock.advance(CLAIM_LEASE_MS + 1000);
    await ticker.runOnce();
    const runs = await s.runs();
    t.equal(runs[0]!.tick, tick);
    t.equal(runs[0]!.outcome, 'SUBMITTED');
    t.equal(runs.length, 32, 'the ticks since ran too');
    t.ok(runs.slice(1).every((r) => r.outcome === 'SUBMITTED'));
  });

  t.test(`${store}: a submit refused by the owner's quota is recorded on the run, once`, async (t) => {
    const s = await setup(t, store);
    await s.api.request('PATCH', '/v1/users/admin', { quotas: { jobs: 1 } });
    s.caller.quotas = { jobs: 1 };
    const ticker = s.ticker();
    await s.create({ overlap: 'allow' });
    await s.seconds(ticker, 3);
    const runs = await s.runs();
    t.same(
      runs.map((r) => r.outcome),
      ['SUBMITTED', 'REFUSED', 'REFUSED'],
    );
    t.match(runs[1]!.reason, /^QUOTA_EXCEEDED: quota "jobs" allows 1 jobs/);
  });

  t.test(`${store}: a paused schedule runs no tick and catches none up; a disabled owner's are refused`, async (t) => {
    const s = await setup(t, store);
    const start = s.clock.now();
    const ticker = s.ticker();
    await s.create({ overlap: 'allow', catchUp: 'latest' });
    await s.seconds(ticker, 1);
    await pauseSchedule(s.api.store, s.clock, s.caller, 'every-second');
    await s.seconds(ticker, 3);
    await resumeSchedule(s.api.store, s.clock, s.caller, 'every-second');
    await s.seconds(ticker, 1);
    // (An admin cannot disable themselves through the API.)
    await s.api.store.rows(sql`UPDATE users SET disabled_at = now() WHERE name = 'admin'`);
    await s.seconds(ticker, 1);
    t.same(
      (await s.runs()).map((r) => [(r.tick - start) / 1000, r.outcome, r.reason]),
      [
        [1, 'SUBMITTED', null],
        [5, 'SUBMITTED', null],
        [6, 'REFUSED', 'FORBIDDEN: user "admin" is disabled'],
      ],
    );
  });

  t.test(`${store}: the run history keeps the newest ${MAX_RUNS_KEPT} runs`, async (t) => {
    const s = await setup(t, store);
    const start = s.clock.now();
    const ticker = s.ticker();
    await s.create({ overlap: 'skip' });
    // Within the minute after which ticks count as missed: every one of them runs (or skips).
    s.clock.advance(50_000);
    await ticker.runOnce();
    t.equal((await s.runs()).length, 50);
    const [row] = await s.api.store.rows<{ id: string }>(sql`SELECT id FROM schedules`);
    // Older runs, as a long-lived schedule has them.
    await s.api.store.rows(sql`
      INSERT INTO schedule_runs (schedule_id, tick_at, claimed_at, outcome)
      SELECT ${row!.id}, to_timestamp(${start / 1000} - g), now(), 'SKIPPED' FROM generate_series(1, ${MAX_RUNS_KEPT}) g`);
    await s.seconds(ticker, 1);
    const runs = await s.runs();
    t.equal(runs.length, MAX_RUNS_KEPT);
    t.equal(runs.at(-1)!.tick, start + 51_000, 'the newest is kept');
    t.equal(runs[0]!.tick, start - (MAX_RUNS_KEPT - 51) * 1000, 'the oldest go');
  });
}
