import net from 'node:net';
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import { STORES, startAgent, startController } from '../support/cluster.js';
import type { Teardown } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { readLog, waitJobFinished, waitReadyNodes } from './fixture.js';

const LINES = 400;
const command = `i=1; while [ $i -le ${LINES} ]; do echo "line $i"; i=$((i+1)); sleep 0.01; done`;
const expected = Array.from({ length: LINES }, (_, i) => `line ${i + 1}\n`).join('');

/** A TCP proxy in front of the controller whose connections the test can cut. */
async function startProxy(t: Teardown, target: URL): Promise<{ url: string; cut(): number }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  t.teardown(() => sockets.forEach((s) => s.destroy()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      const n = sockets.size / 2;
      for (const s of sockets) s.destroy();
      sockets.clear();
      return n;
    },
  };
}

for (const store of STORES) {
  t.test(
    `${store}: connections cut twice while an instance streams: it finishes once, its log has no gap or duplicate`,
    async (t) => {
      const controller = await startController(t, { store, env: { BATCH_NODE_LOST_AFTER_MS: '15000' } });
      const client = new BatchClient({ url: controller.url, token: controller.token });
      const proxy = await startProxy(t, new URL(controller.url));
      const { token } = await client.createRegistrationToken('local');
      await startAgent(t, { controllerUrl: proxy.url, registrationToken: token, cpu: 2 });
      await waitReadyNodes(client, 1);

      const job = await client.submitJob({ name: 'cut', tasks: [{ name: 'a', command, instances: 2 }] });
      await waitFor('output to flow', async () => (await readLog(client, job.id, 'a', 0)).includes('line 50'), {
        timeoutMs: 20_000,
        intervalMs: 20,
      });
      t.ok(proxy.cut() >= 1, 'cut the agent connection');
      await waitFor(
        'more output after reconnecting',
        async () => (await readLog(client, job.id, 'a', 0)).includes('line 200'),
        { timeoutMs: 20_000, intervalMs: 20 },
      );
      proxy.cut();

      const done = await waitJobFinished(client, job.id, 60_000);
      t.equal(done.state, 'SUCCEEDED');
      for (const index of [0, 1]) {
        const instance = await client.getInstance(job.id, 'a', index);
        t.equal(instance.attempts.length, 1, `instance ${index} ran once`);
        t.equal(
          await readLog(client, job.id, 'a', index),
          expected,
          `instance ${index}: log complete, in order, no duplicates`,
        );
      }
    },
  );
}

t.test('an agent paused (SIGSTOP) for less than the grace period keeps its instance', async (t) => {
  const controller = await startController(t, { store: 'pglite', env: { BATCH_NODE_LOST_AFTER_MS: '8000' } });
  const client = new BatchClient({ url: controller.url, token: controller.token });
  const { token } = await client.createRegistrationToken('local');
  const agent = await startAgent(t, { controllerUrl: controller.url, registrationToken: token, cpu: 1 });
  await waitReadyNodes(client, 1);
  const job = await client.submitJob({ name: 'pause', tasks: [{ name: 'a', command }] });
  await waitFor('output to flow', async () => (await readLog(client, job.id, 'a', 0)).includes('line 20'), {
    timeoutMs: 20_000,
    intervalMs: 20,
  });

  agent.process.kill('SIGSTOP');
  const pausedAt = Date.now();
  await waitFor('three seconds of silence', () => Date.now() - pausedAt >= 3000, { timeoutMs: 5000, intervalMs: 100 });
  t.not((await client.listNodes()).items[0]!.state, 'LOST', 'not lost within the grace period');
  agent.process.kill('SIGCONT');

  const done = await waitJobFinished(client, job.id, 60_000);
  t.equal(done.state, 'SUCCEEDED');
  const instance = await client.getInstance(job.id, 'a', 0);
  t.equal(instance.attempts.length, 1, 'ran once');
  t.equal(await readLog(client, job.id, 'a', 0), expected, 'log complete, in order, no duplicates');
});
