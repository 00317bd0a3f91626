/**
 * GET /v1/controllers (admin): the controllers sharing the database, whether each is up, its
 * agents and the leases it holds (only unexpired ones).
 */
import { sql } from 'drizzle-orm';
import t from 'tap';
import { claimLeases } from '../../controller/cluster/leases.js';
import { heartbeatController, markControllerStopped, registerController } from '../../controller/cluster/membership.js';
import { makeApi } from './api-harness.js';

t.test('admins see each controller with its state, agents and leases; others may not look', async (t) => {
  const api = await makeApi(t);
  await registerController(api.store, 'ctl-up', 'http://a:8080');
  await heartbeatController(api.store, 'ctl-up', 7);
  await claimLeases(api.store, 'ctl-up', ['schedules', 'lost-nodes']);
  await registerController(api.store, 'ctl-gone', 'http://b:8080');
  await markControllerStopped(api.store, 'ctl-gone');
  await registerController(api.store, 'ctl-silent', 'http://c:8080');
  await api.store.db.execute(sql`UPDATE controllers SET last_seen_at = now() - interval '1 minute', connected_nodes = 3
    WHERE id = 'ctl-silent'`);

  const res = await api.request('GET', '/v1/controllers');
  t.equal(res.status, 200);
  const items = res.body.items as {
    id: string;
    state: string;
    connectedNodes: number;
    leases: string[];
    url: string;
  }[];
  t.same(
    items.map((c) => [c.id, c.state, c.connectedNodes, c.leases, c.url]),
    [
      ['ctl-up', 'up', 7, ['lost-nodes', 'schedules'], 'http://a:8080'],
      ['ctl-silent', 'silent', 0, [], 'http://c:8080'],
      ['ctl-gone', 'stopped', 0, [], 'http://b:8080'],
    ],
  );

  const alice = (await api.request('POST', '/v1/users', { name: 'alice' })).body.token as string;
  t.equal((await api.request('GET', '/v1/controllers', undefined, alice)).status, 403, 'admins only');
});
