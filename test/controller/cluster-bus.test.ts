/**
 * Word between controllers (controller/cluster/bus.ts) on a real PostgreSQL: a message reaches
 * the other controller and not its sender, and after the LISTEN connection is killed the
 * subscription comes back (and says so, so the receiver catches up from the tables).
 */
import { sql } from 'drizzle-orm';
import t from 'tap';
import { ClusterBus, type ClusterMessage } from '../../controller/cluster/bus.js';
import { openDatabase } from '../../controller/db/client.js';
import { silentLogger } from '../../controller/log.js';
import { freshDatabase } from '../support/postgres.js';
import { tmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

t.test('messages cross to the other controller, and the subscription survives a dropped connection', async (t) => {
  const url = await freshDatabase(t);
  const open = async () => {
    const store = await openDatabase({ url, dataDir: tmpDir(t, 'batch-bus-') });
    t.teardown(() => store.close());
    return store;
  };
  const [storeA, storeB] = [await open(), await open()];
  const heard = { a: [] as ClusterMessage[], b: [] as ClusterMessage[], bListening: 0 };
  const a = new ClusterBus(storeA, 'ctl-a', silentLogger);
  const b = new ClusterBus(storeB, 'ctl-b', silentLogger);
  await a.start({ message: (m) => heard.a.push(m), listening: () => {} });
  await b.start({ message: (m) => heard.b.push(m), listening: () => (heard.bListening += 1) });
  t.teardown(async () => {
    await a.stop();
    await b.stop();
  });
  t.equal(heard.bListening, 1, 'told once subscribed');

  await a.publish({ kind: 'nodes', nodes: ['n-1', 'n-2'] });
  await waitFor('B to hear A', () => heard.b.length === 1);
  t.same(heard.b, [{ kind: 'nodes', nodes: ['n-1', 'n-2'] }]);
  t.same(heard.a, [], 'a controller does not hear itself');

  // The listening connections die (a PostgreSQL restart, a proxy's idle cut).
  const killed = await storeA.rows<{ pid: number }>(sql`
    SELECT pid FROM pg_stat_activity, pg_terminate_backend(pid)
    WHERE datname = current_database() AND query ILIKE 'listen%' AND pid <> pg_backend_pid()`);
  t.equal(killed.length, 2, 'both listening connections killed');
  await waitFor('B to subscribe again', () => heard.bListening >= 2, { timeoutMs: 20_000 });
  await a.publish({ kind: 'work' });
  await waitFor('B to hear A again', () => heard.b.length === 2, { timeoutMs: 10_000 });
  t.same(heard.b[1], { kind: 'work' });
  // Its own pings come back to each: nothing to re-subscribe.
  await b.checkListening();
});
