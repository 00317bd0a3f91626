/**
 * Leases of singleton duties (controller/cluster/leases.ts): one holder per duty by the
 * database's clock; an expired or released lease goes to the next controller that asks.
 */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { sql } from 'drizzle-orm';
import t from 'tap';
import { claimLeases, DUTIES, Leases, releaseLeases } from '../../controller/cluster/leases.js';
import { retireDeadControllers } from '../../controller/cluster/membership.js';
import { openDatabase } from '../../controller/db/client.js';
import { silentLogger } from '../../controller/log.js';
import { freshDatabase } from '../support/postgres.js';
import { tmpDir } from '../support/tmp.js';
import type { Clock } from '../../controller/clock.js';

t.test('one holder per duty; an expired or released lease moves', async (t) => {
  const store = await openDatabase({ url: await freshDatabase(t), dataDir: tmpDir(t, 'batch-leases-') });
  t.teardown(() => store.close());

  t.same(await claimLeases(store, 'ctl-a', DUTIES), [...DUTIES], 'the first to ask takes every duty');
  t.same(await claimLeases(store, 'ctl-b', DUTIES), [], 'another gets none while they are held');
  t.same(await claimLeases(store, 'ctl-a', DUTIES), [...DUTIES], 'the holder renews');

  await store.db.execute(
    sql`UPDATE controller_leases SET expires_at = now() - interval '1 second' WHERE duty = 'schedules'`,
  );
  t.same(await claimLeases(store, 'ctl-b', DUTIES), ['schedules'], 'an expired lease goes to whoever asks next');
  t.same((await claimLeases(store, 'ctl-a', DUTIES)).sort(), DUTIES.filter((d) => d !== 'schedules').sort());

  await releaseLeases(store, 'ctl-a');
  t.same((await claimLeases(store, 'ctl-b', DUTIES)).sort(), [...DUTIES].sort(), 'released leases are free at once');
});

t.test('a holder stops trusting a lease it could not renew before it may expire', async (t) => {
  const store = await openDatabase({ url: await freshDatabase(t), dataDir: tmpDir(t, 'batch-leases-') });
  t.teardown(() => store.close());
  // A clock whose timers never fire: the lease is taken once and never renewed.
  let now = 1_000_000;
  const never = () => () => {};
  const clock: Clock = { now: () => now, after: never, soon: never, every: never };
  const gained: string[] = [];
  const leases = new Leases({ store, holder: 'ctl-a', clock, log: silentLogger, gained: (d) => gained.push(d) });
  await leases.start();
  t.ok(leases.holds('lost-nodes'), 'held after start');
  t.same(gained.sort(), [...DUTIES].sort(), 'told of every duty gained');
  now += 9_000;
  t.notOk(leases.holds('lost-nodes'), 'not trusted past its expiry less the safety margin');
  await leases.stop();
  const [row] = await store.rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM controller_leases`);
  t.equal(row!.n, 0, 'released on stop');
});

t.test('a controller that finds one of this host dead takes over its leases at once', async (t) => {
  const store = await openDatabase({ url: await freshDatabase(t), dataDir: tmpDir(t, 'batch-leases-') });
  t.teardown(() => store.close());
  // A pid that ran here and has exited; and a controller of another host, which cannot be checked.
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  await store.db.execute(sql`
    INSERT INTO controllers (id, hostname, pid, url, version) VALUES
      ('ctl-dead', ${hostname()}, ${Number(gone)}, 'http://x', 'v'),
      ('ctl-far', 'some-other-host', ${Number(gone)}, 'http://y', 'v')`);
  t.same(await claimLeases(store, 'ctl-dead', ['lost-nodes', 'schedules']), ['lost-nodes', 'schedules']);
  t.same(await claimLeases(store, 'ctl-far', ['retention']), ['retention']);

  t.same(await retireDeadControllers(store, 'ctl-new'), ['ctl-dead'], 'only the one whose process is gone here');
  t.same((await claimLeases(store, 'ctl-new', DUTIES)).sort(), [
    'log-archive',
    'lost-nodes',
    'node-pools',
    'schedules',
  ]);
  const rows = await store.rows<{ id: string; stopped: boolean }>(
    sql`SELECT id, stopped_at IS NOT NULL AS stopped FROM controllers ORDER BY id`,
  );
  t.same(rows, [
    { id: 'ctl-dead', stopped: true },
    { id: 'ctl-far', stopped: false },
  ]);
});
