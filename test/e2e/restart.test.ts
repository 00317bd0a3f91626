import t from 'tap';
import { fixedPort, STORES, startAgent, startController } from '../support/cluster.js';
import { BatchClient } from '../../sdk/client.js';
import { readLog, startCluster, waitJobFinished, waitReadyNodes } from './fixture.js';

for (const store of STORES) {
  t.test(`${store}: a controller restarted between two jobs keeps all state`, async (t) => {
    const { controller, client } = await startCluster(t, { store, agents: 2, cpu: 2 });
    const first = await client.submitJob({
      name: 'before',
      tasks: [{ name: 'a', instances: 4, command: 'echo before $BATCH_INSTANCE_INDEX' }],
    });
    const firstDone = await waitJobFinished(client, first.id);
    t.equal(firstDone.state, 'SUCCEEDED');
    const nodesBefore = (await client.listNodes()).items.map((n) => n.id).sort();
    await client.createTemplate({ name: 'kept', command: 'echo kept' });

    await controller.stop();
    const again = await startController(t, {
      store,
      dataDir: controller.dataDir,
      ...(controller.databaseUrl ? { databaseUrl: controller.databaseUrl } : {}),
    });
    const client2 = new BatchClient({ url: again.url, token: again.token });
    t.same(await client2.getJob(first.id), firstDone, 'the finished job is unchanged');
    for (let i = 0; i < 4; i++) t.equal(await readLog(client2, first.id, 'a', i), `before ${i}\n`, `log ${i} kept`);
    t.equal((await client2.getTemplate('kept')).name, 'kept', 'templates kept');

    // Restarted on another port, the agents cannot follow (the next test restarts on the same port).
    t.same((await client2.listNodes()).items.map((n) => n.id).sort(), nodesBefore, 'node records kept');
  });
}

t.test('agents reconnect to a controller restarted on the same port and keep their identity', async (t) => {
  const port = fixedPort();
  const controller = await startController(t, { store: 'pglite', port });
  const client = new BatchClient({ url: controller.url, token: controller.token });
  const { token } = await client.createRegistrationToken('local');
  await startAgent(t, { controllerUrl: controller.url, registrationToken: token, name: 'a0', cpu: 2 });
  await waitReadyNodes(client, 1);
  const before = (await client.listNodes()).items.map((n) => n.id);

  await controller.stop();
  const again = await startController(t, { store: 'pglite', port, dataDir: controller.dataDir });
  const client2 = new BatchClient({ url: again.url, token: again.token });
  await waitReadyNodes(client2, 1, 30_000);
  t.same(
    (await client2.listNodes()).items.map((n) => n.id),
    before,
    'the same node, not a new registration',
  );
  const job = await client2.submitJob({
    name: 'after',
    tasks: [{ name: 'a', instances: 3, command: 'echo after $BATCH_INSTANCE_INDEX' }],
  });
  t.equal((await waitJobFinished(client2, job.id)).state, 'SUCCEEDED');
  t.equal(await readLog(client2, job.id, 'a', 2), 'after 2\n');
});

t.test(
  'a restart with a BATCH_ADMIN_TOKEN the database does not know adds it, says so, and keeps the old one',
  async (t) => {
    const first = await startController(t, { store: 'pglite' });
    await first.stop();
    const other = 'bat_another-admin-token-987654321';
    const again = await startController(t, {
      store: 'pglite',
      dataDir: first.dataDir,
      env: { BATCH_ADMIN_TOKEN: other },
    });
    t.match(again.log(), /BATCH_ADMIN_TOKEN was not a token of this database: it was added as another admin token/);
    t.notMatch(again.log(), other, 'the token itself is not logged');
    for (const token of [first.token, other])
      t.equal((await new BatchClient({ url: again.url, token }).listUsers()).items.length, 1, 'both tokens work');
    await again.stop();
    const same = await startController(t, {
      store: 'pglite',
      dataDir: first.dataDir,
      env: { BATCH_ADMIN_TOKEN: other },
    });
    t.notMatch(same.log(), /was added as another admin token/, 'a known token adds nothing');
  },
);
