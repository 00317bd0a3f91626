/** A node's heartbeat metrics: stored as the agent sent them (epoch ms), shown with an ISO `at`. */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { nodeSchema } from '../../protocol/api.js';
import { makeApi } from './api-harness.js';

t.test('GET /v1/nodes shows metrics.at as an ISO time, like every time in the API', async (t) => {
  const api = await makeApi(t);
  const measured = Date.parse('2026-11-30T01:02:03.456Z');
  const figures = {
    cpuPercent: 12.5,
    memoryUsedMiB: 900,
    memoryTotalMiB: 2048,
    load1: 0.3,
    diskFreeMiB: 10,
    diskTotalMiB: 20,
  };
  await api.store.db.execute(sql`
    INSERT INTO nodes (id, environment_id, name, state, cpu, memory_mib, gpu, credential_hash, metrics)
    SELECT 'n-1', id, 'node1', 'READY', 2, 1024, 0, 'x', ${JSON.stringify({ ...figures, at: measured })}::jsonb
    FROM compute_environments WHERE name = 'local'`);
  const listed = await api.request('GET', '/v1/nodes');
  t.same(listed.body.items[0].metrics, { ...figures, at: '2026-11-30T01:02:03.456Z' });
  const one = await api.request('GET', '/v1/nodes/n-1');
  t.equal(one.body.metrics.at, '2026-11-30T01:02:03.456Z');
  t.ok(nodeSchema.safeParse(one.body).success, 'the answer is a Node of the documented shape');
});
