/**
 * The schedule ticker's guarantees over a real store (PGlite and PostgreSQL), with a clock the
 * test moves: two controllers on one database, a crash between claim and submit, refusals
 * recorded on the run, pause and resume, the bounded run history.
 */
import { sql } from 'drizzle-orm';
import t from 'tap';
import { pauseSchedule, resumeSchedule } from '../../controller/schedules/schedules.js';
import { CLAIM_LEASE_MS, MAX_RUNS_KEPT } from '../../controller/schedules/ticker.js';
import { setup, STORES } from './schedule-fixture.js';

// Each test opens and migrates a database of its own: ten PGlite starts take over a minute on a
// loaded two-core machine, more than the suite's default per-file timeout allows for.
t.setTimeout(360_000);

for (const store of STORES) {
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
