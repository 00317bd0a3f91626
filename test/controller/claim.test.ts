/**
 * Claiming instances onto nodes, on PGlite and PostgreSQL, through both paths: one node per task
 * (claim, attempts and cursor in one statement) and several nodes per task (a transaction).
 * Lowest ready index first; instances waiting out a backoff are skipped but never lost behind
 * the claim cursor.
 */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { applyPlacements } from '../../controller/scheduler/apply.js';
import type { Placement } from '../../controller/scheduler/types.js';
import { freshDatabase } from '../support/postgres.js';
import { makeApi, type Api } from './api-harness.js';

const resources = { cpu: 1, memoryMiB: 64, gpu: 0 };

async function state(api: Api, jobId: string) {
  const instances = await api.store.rows<{ index: number; state: string; node_id: string | null }>(sql`
    SELECT i.index, i.state, a.node_id FROM instances i LEFT JOIN attempts a ON a.id = i.current_attempt_id
    WHERE i.job_id = ${jobId} ORDER BY i.index`);
  const [task] = await api.store.rows<{ claim_from: number }>(
    sql`SELECT claim_from FROM tasks WHERE job_id = ${jobId}`,
  );
  return {
    instances: instances.map((i) => `${i.index}:${i.state}${i.node_id ? `@${i.node_id}` : ''}`),
    cursor: task!.claim_from,
  };
}

for (const store of ['pglite', 'postgres'] as const) {
  t.test(store, async (t) => {
    const api = await makeApi(t, store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {});
    const jobId = (
      await api.request('POST', '/v1/jobs', { name: 'c', tasks: [{ name: 't', command: 'true', instances: 5 }] })
    ).body.id as string;
    await api.store.db.execute(sql`
      UPDATE instances SET pending_reason = 'BACKOFF', not_before = now() + interval '1 hour' WHERE job_id = ${jobId} AND index = 1`);
    const on = (nodeId: string, count: number): Placement => ({ jobId, task: 't', nodeId, count, resources });

    const first = await applyPlacements(api.store, [on('n-1', 1)]);
    t.same(
      first.map((a) => [a.index, a.nodeId, a.attempt, a.jobName, a.environment]),
      [[0, 'n-1', 1, 'c', 'local']],
    );
    t.same(await state(api, jobId), {
      instances: ['0:SCHEDULED@n-1', '1:PENDING', '2:PENDING', '3:PENDING', '4:PENDING'],
      cursor: 1,
    });

    await applyPlacements(api.store, [on('n-1', 2)]);
    t.same(
      await state(api, jobId),
      { instances: ['0:SCHEDULED@n-1', '1:PENDING', '2:SCHEDULED@n-1', '3:SCHEDULED@n-1', '4:PENDING'], cursor: 1 },
      'the instance in backoff keeps the cursor down',
    );

    const spread = await applyPlacements(api.store, [on('n-2', 1), on('n-3', 1)]);
    t.same(
      spread.map((a) => [a.index, a.nodeId]),
      [[4, 'n-2']],
      'two nodes planned, one ready instance left',
    );
    t.same((await state(api, jobId)).cursor, 1);

    await api.store.db.execute(
      sql`UPDATE instances SET pending_reason = NULL, not_before = NULL WHERE job_id = ${jobId} AND index = 1`,
    );
    const last = await applyPlacements(api.store, [on('n-3', 5)]);
    t.same(
      last.map((a) => a.index),
      [1],
    );
    t.same(await state(api, jobId), {
      instances: ['0:SCHEDULED@n-1', '1:SCHEDULED@n-3', '2:SCHEDULED@n-1', '3:SCHEDULED@n-1', '4:SCHEDULED@n-2'],
      cursor: 5,
    });
    const [attempts] = await api.store.rows<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM attempts WHERE job_id = ${jobId}`,
    );
    t.equal(attempts!.n, 5, 'one attempt per claimed instance');
  });
}
