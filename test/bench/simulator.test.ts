/**
 * The fleet simulator against a real controller: its nodes register with a registration token,
 * validate every controller frame against the catalogue, complete every attempt at once, and
 * count what the controller acked — so the bench's "persisted" is the controller's own word.
 */
import t from 'tap';
import { Cleanup } from '../../bench/cleanup.js';
import { Deadline } from '../../bench/deadline.js';
import { SimulatorHandle } from '../../bench/simulator/handle.js';
import { BatchClient } from '../../sdk/index.js';
import { startController } from '../support/cluster.js';

t.test('simulated nodes run a job to SUCCEEDED over the real protocol', async (t) => {
  const controller = await startController(t, { store: 'pglite' });
  const client = new BatchClient({ url: controller.url, token: controller.token });
  const { token } = await client.createRegistrationToken('local');
  const cleanup = new Cleanup();
  t.teardown(() => cleanup.run());
  const deadline = new Deadline(60);
  const { sim } = await SimulatorHandle.start(cleanup, deadline, {
    url: controller.url,
    registrationToken: token,
    nodes: 3,
    cpu: 2,
    connectBatch: 2,
    logChunk: true,
    recordTimings: true,
    validate: true,
  });
  t.equal((await client.listNodes()).items.filter((n) => n.state === 'READY').length, 3, 'three nodes registered');

  const reached = sim.finalsAcked(20);
  const job = await client.submitJob({ name: 'sim', tasks: [{ name: 't', command: 'true', instances: 20 }] });
  await deadline.race(reached);
  const counters = await sim.counters();
  t.equal(counters.starts, 20);
  t.equal(counters.duplicateStarts, 0);
  t.equal(counters.runningAcked, 20);
  t.equal(counters.finalsAcked, 20);
  t.equal(counters.protocolErrors, 0);
  t.ok(counters.logAcks > 0, 'log chunks were acked');

  const timing = (await sim.timings())[job.id];
  t.ok(timing && timing.finalAcked! >= timing.startReceived, 'per-job timings recorded');
  await deadline.poll(async () => ((await client.getJob(job.id)).state === 'SUCCEEDED' ? true : undefined), 50);
  const chunks: Uint8Array[] = [];
  for await (const chunk of await client.logs(job.id, 't', 0)) chunks.push(chunk);
  t.equal(Buffer.concat(chunks).toString(), 'hello from a simulated node\n', 'the log chunk was stored');
});
