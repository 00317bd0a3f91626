/**
 * What a report write returns about the attempts it ended — the figures behind
 * `batch_instances_finished_total` and the failure log lines — taken from the rows the writes
 * return, on both paths (starts and successes in one statement; failures with the retry rule).
 */
import { sql } from 'drizzle-orm';
import t from 'tap';
import { recordReports, type StatusReport } from '../../controller/reports/record.js';
import { freshDatabase } from '../support/postgres.js';
import { makeApi, type Api } from './api-harness.js';

const backoff = { baseMs: 1000, maxMs: 1000 };

async function runningAttempt(api: Api, retries: number): Promise<{ jobId: string; attemptId: number }> {
  const res = await api.request('POST', '/v1/jobs', { name: 'ends', tasks: [{ name: 'a', command: 'x', retries }] });
  const jobId = res.body.id as string;
  const [row] = await api.store.rows<{ id: number }>(sql`
    INSERT INTO attempts (instance_id, job_id, attempt, node_id, state, cpu, memory_mib, gpu)
    SELECT id, job_id, 1, 'node-a', 'RUNNING', 1, 64, 0 FROM instances WHERE job_id = ${jobId}
    RETURNING id`);
  await api.store.rows(
    sql`UPDATE instances SET current_attempt_id = ${row!.id}, attempt_count = 1 WHERE job_id = ${jobId}`,
  );
  return { jobId, attemptId: row!.id };
}

const report = (attemptId: number, state: StatusReport['state'], exitCode: number | null): StatusReport => ({
  attemptId,
  nodeId: 'node-a',
  state,
  exitCode,
  failureReason: state === 'FAILED' ? 'EXIT_CODE' : null,
  message: null,
  at: Date.now(),
});

for (const kind of ['pglite', 'postgres'] as const) {
  t.test(`${kind}: the attempts a write ended, with outcome, reason and whether they are retried`, async (t) => {
    const api = await makeApi(t, kind === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {});
    const ok = await runningAttempt(api, 0);
    const running = await runningAttempt(api, 0);
    const fast = await recordReports(
      api.store,
      [report(ok.attemptId, 'SUCCEEDED', 0), report(running.attemptId, 'RUNNING', null)],
      [],
      backoff,
    );
    t.same(fast.ended, [
      {
        attemptId: ok.attemptId,
        jobId: ok.jobId,
        state: 'SUCCEEDED',
        failureReason: null,
        exitCode: 0,
        retried: false,
      },
    ]);

    const retried = await runningAttempt(api, 1);
    const final = await runningAttempt(api, 0);
    const failures = await recordReports(
      api.store,
      [report(retried.attemptId, 'FAILED', 3), report(final.attemptId, 'FAILED', 1)],
      [],
      backoff,
    );
    const byAttempt = new Map(failures.ended.map((e) => [e.attemptId, e]));
    t.match(byAttempt.get(retried.attemptId), {
      state: 'FAILED',
      failureReason: 'EXIT_CODE',
      exitCode: 3,
      retried: true,
    });
    t.match(byAttempt.get(final.attemptId), {
      state: 'FAILED',
      failureReason: 'EXIT_CODE',
      exitCode: 1,
      retried: false,
    });
    t.equal(failures.ended.length, 2);
  });
}
