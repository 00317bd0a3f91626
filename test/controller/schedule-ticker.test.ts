/**
 * The schedule ticker over a real store (PGlite and PostgreSQL) with a clock the test moves:
 * one job per tick, the overlap policies, catch-up after a restart.
 */
import { sql } from 'drizzle-orm';
import t from 'tap';
import { setup, STORES } from './schedule-fixture.js';

// Each test opens and migrates a database of its own: ten PGlite starts take over a minute on a
// loaded two-core machine, more than the suite's default per-file timeout allows for.
t.setTimeout(360_000);

for (const store of STORES) {
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
    const events = await s.api.store.rows<{ state: string; job_id: string; schedule: string }>(
      sql`SELECT state, job_id, data->>'schedule' AS schedule FROM events WHERE kind = 'schedule' ORDER BY id`,
    );
    t.same(
      events.map((e) => [e.state, e.job_id, e.schedule]),
      runs.map((r) => ['SUBMITTED', r.jobId, 'every-second']),
      'each run is an event of kind schedule, with its job',
    );
    t.same(
      s.logged.filter((f) => f.event === 'job.submitted').map((f) => [f.jobId, f.owner, f.schedule]),
      runs.map((r) => [r.jobId, 'admin', 'every-second']),
      'a job.submitted line for each job a tick submits, naming its schedule',
    );
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
}
