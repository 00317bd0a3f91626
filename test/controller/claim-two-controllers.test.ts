/**
 * Two controllers claiming from one PostgreSQL database at the same time never claim one
 * instance twice: each claim locks its rows (`FOR UPDATE SKIP LOCKED`) and moves them out of
 * PENDING under a guard, so a row another claimer holds or took is skipped, not taken again.
 */
import { sql } from 'drizzle-orm';
import t from 'tap';
import { openDatabase } from '../../controller/db/client.js';
import { applyPlacements } from '../../controller/scheduler/apply.js';
import { freshDatabase } from '../support/postgres.js';
import { tmpDir } from '../support/tmp.js';
import { makeApi } from './api-harness.js';

const resources = { cpu: 1, memoryMiB: 64, gpu: 0 };

t.test('two claimers racing over one task claim every instance exactly once', async (t) => {
  const databaseUrl = await freshDatabase(t);
  const api = await makeApi(t, { databaseUrl });
  const other = await openDatabase({ url: databaseUrl, dataDir: tmpDir(t, 'batch-claim-') });
  t.teardown(() => other.close());
  await api.request('PATCH', '/v1/users/admin', { quotas: { instancesPerTask: 2000 } });
  const count = 2000;
  const submitted = await api.request('POST', '/v1/jobs', {
    name: 'race',
    tasks: [{ name: 't', command: 'true', instances: count }],
  });
  t.equal(submitted.status, 201, 'the job is submitted');
  const jobId = submitted.body.id as string;

  // Each claimer takes batches for its own nodes until nothing is left; one path claims onto a
  // single node per task, the other spreads each batch over two.
  const claimer = async (store: typeof api.store, nodes: string[]) => {
    let claimed = 0;
    for (;;) {
      const got = await applyPlacements(
        store,
        nodes.map((nodeId) => ({ jobId, task: 't', nodeId, count: 37, resources })),
      );
      if (got.length === 0) return claimed;
      claimed += got.length;
    }
  };
  const [a, b] = await Promise.all([claimer(api.store, ['a-1']), claimer(other, ['b-1', 'b-2'])]);
  t.equal(a + b, count, `every instance claimed once (${a} by one, ${b} by the other)`);
  t.ok(a > 0 && b > 0, 'both claimers took part');
  const [row] = await api.store.rows<{ attempts: number; instances: number; twice: number }>(sql`
    SELECT (SELECT count(*)::int FROM attempts WHERE job_id = ${jobId}) AS attempts,
           (SELECT count(*)::int FROM instances WHERE job_id = ${jobId} AND attempt_count = 1) AS instances,
           (SELECT count(*)::int FROM (SELECT instance_id FROM attempts WHERE job_id = ${jobId}
                                        GROUP BY instance_id HAVING count(*) > 1) d) AS twice`);
  t.same(row, { attempts: count, instances: count, twice: 0 }, 'one attempt per instance, none twice');
});
