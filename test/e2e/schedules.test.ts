/**
 * Schedules with a real controller process: a schedule every second submits one job per second,
 * `skip` skips while the previous job is active (no node runs it), and after a SIGKILL and a
 * restart no tick is run twice and the missed ones follow each schedule's catch-up policy.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import type { ScheduleRun } from '../../sdk/index.js';
import { runBatchctl } from '../support/batchctl.js';
import { fixedPort, restartController, STORES, startController } from '../support/cluster.js';
import { tmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

const job = { name: 'tick', tasks: [{ name: 'a', command: 'true' }] };
const ms = (run: ScheduleRun) => Date.parse(run.tick);

/** Every tick from the first run's to the last is accounted for once: run, or counted as missed. */
function accountedOnce(runs: ScheduleRun[]): { span: number; accounted: number; unique: boolean } {
  const ticks = runs.map(ms).sort((a, b) => a - b);
  return {
    span: (ticks.at(-1)! - ticks[0]!) / 1000 + 1,
    accounted: runs.reduce((n, r) => n + (r.outcome === 'MISSED' ? r.missed : 1 + r.missed), 0),
    unique: new Set(ticks).size === ticks.length,
  };
}

for (const store of STORES) {
  t.test(`${store}: every second, skip, and a SIGKILL with both catch-up policies`, async (t) => {
    const port = fixedPort();
    const controller = await startController(t, { store, port });
    const client = new BatchClient({ url: controller.url, token: controller.token });

    // Through batchctl, against the real controller.
    const file = path.join(tmpDir(t, 'batch-schedule-'), 'every.json');
    writeFileSync(file, JSON.stringify({ name: 'every', cron: '* * * * * *', overlap: 'allow', job }));
    const before = Date.now();
    const created = await runBatchctl(['schedules', 'create', '-f', file, '--json'], {
      url: controller.url,
      token: controller.token,
    });
    t.equal(created.code, 0, created.stderr);
    const createdAt = Date.now();
    t.match(JSON.parse(created.stdout), { name: 'every', overlap: 'allow', catchUp: 'none' });
    await client.createSchedule({ name: 'latest', cron: '* * * * * *', overlap: 'allow', catchUp: 'latest', job });
    await client.createSchedule({ name: 'skipper', cron: '* * * * * *', job });

    const N = 5;
    // Finished runs: a tick being submitted shows with outcome null meanwhile.
    const finished = async (name: string, via = client) =>
      (await via.getSchedule(name)).runs.filter((r) => r.outcome !== null);
    const first = {
      runs: await waitFor(
        `${N} runs of "every"`,
        async () => {
          const runs = await finished('every');
          return runs.length >= N ? runs : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      ),
    };
    const seenAt = Date.now();
    const ticks = first.runs.map(ms).sort((a, b) => a - b);
    t.ok(
      first.runs.every((r) => r.outcome === 'SUBMITTED' && r.jobId),
      'each tick submitted a job',
    );
    t.same(
      ticks.slice(1).map((at, i) => at - ticks[i]!),
      Array(ticks.length - 1).fill(1000),
      'consecutive seconds',
    );
    t.ok(ticks[0]! > before && ticks[0]! <= createdAt + 1000, 'the first tick is the first after create');
    // N seconds make N jobs, give or take the tick in flight at either edge.
    const seconds = Math.floor((seenAt - ticks[0]!) / 1000) + 1;
    t.ok(Math.abs(first.runs.length - seconds) <= 1, `${first.runs.length} runs in ${seconds} s`);
    t.equal(new Set(first.runs.map((r) => r.jobId)).size, first.runs.length, 'distinct jobs');
    const lags = (
      await Promise.all(first.runs.map(async (r) => Date.parse((await client.getJob(r.jobId!)).createdAt) - ms(r)))
    ).sort((a, b) => a - b);
    t.ok(
      lags.every((lag) => lag >= 0),
      'no job before its tick',
    );
    t.comment(`tick → job created: median ${lags[lags.length >> 1]} ms, max ${lags.at(-1)} ms`);

    const skipperRuns = (await finished('skipper')).reverse();
    t.equal(skipperRuns[0]!.outcome, 'SUBMITTED');
    t.ok(skipperRuns.length >= 3);
    t.ok(
      skipperRuns.slice(1).every((r) => r.outcome === 'SKIPPED' && r.reason?.includes(skipperRuns[0]!.jobId!)),
      'later ticks skip while the first job is PENDING (no node runs it)',
    );

    await controller.kill();
    const killedAt = Date.now();
    // Not a wait for something: the downtime itself, a few ticks that no controller runs.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const again = await restartController(t, controller, { store, port });
    const client2 = new BatchClient({ url: again.url, token: again.token });
    const after = {
      runs: await waitFor(
        'two runs after the restart',
        async () => {
          const runs = await finished('every', client2);
          return runs.filter((r) => r.outcome === 'SUBMITTED' && ms(r) > killedAt + 3000).length >= 2
            ? runs
            : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 100 },
      ),
    };
    const missed = after.runs.filter((r) => r.outcome === 'MISSED');
    t.equal(missed.length, 1, 'catchUp none: one MISSED run');
    t.ok(missed[0]!.missed >= 2, `${missed[0]!.missed} ticks missed`);
    t.ok(ms(missed[0]!) > killedAt - 1000, 'the missed ticks are those of the downtime');
    t.same(accountedOnce(after.runs).unique, true, 'no tick twice');
    const every = accountedOnce(after.runs);
    t.equal(every.accounted, every.span, 'every tick once: run or counted missed');

    const latest = {
      runs: await waitFor(
        'the catch-up run of "latest"',
        async () => {
          const runs = await finished('latest', client2);
          return runs.some((r) => r.missed > 0) ? runs : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      ),
    };
    const caughtUp = latest.runs.filter((r) => r.missed > 0);
    t.equal(caughtUp.length, 1, 'catchUp latest: one run stands for the missed ticks');
    t.match(caughtUp[0], { outcome: 'SUBMITTED', jobId: /^j-/, reason: /^latest of \d+ missed ticks/ });
    t.notOk(
      latest.runs.some((r) => r.outcome === 'MISSED'),
      'nothing recorded as merely missed',
    );
    const latestCount = accountedOnce(latest.runs);
    t.ok(latestCount.unique, 'no tick twice');
    t.equal(latestCount.accounted, latestCount.span, 'every tick once');

    // Every job a run names exists, and no tick made a second one.
    const jobs = await client2.listJobs({ limit: 1000 });
    const runJobs = [...after.runs, ...latest.runs].map((r) => r.jobId).filter((id): id is string => id !== null);
    const byId = new Set(jobs.items.map((j) => j.id));
    t.ok(
      runJobs.every((id) => byId.has(id)),
      'each recorded job exists',
    );
    const tokens = jobs.items.map((j) => j.clientToken);
    t.equal(new Set(tokens).size, tokens.length, 'one job per schedule tick');
  });
}
