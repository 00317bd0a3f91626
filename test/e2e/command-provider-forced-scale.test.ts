/**
 * A forced scale-in (`POST …/scale {"force": true}`) takes busy nodes at once: their running
 * instances are re-queued (their retries not spent) and the nodes are deleted, instead of
 * draining until the instances finish. The host is played by the test: an agent registered
 * with the token the provider program was handed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import { startAgent, startController } from '../support/cluster.js';
import { tmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { writeProgram } from './provider-hosts.js';

t.test('a forced scale-in deletes a busy node at once and re-queues its instance', async (t) => {
  const controller = await startController(t, { store: 'postgres' });
  const client = new BatchClient({ url: controller.url, token: controller.token });
  const dir = tmpDir(t, 'batch-forced-');
  const calls = path.join(dir, 'calls.log');
  const create = writeProgram(
    dir,
    'create.sh',
    `cat >'${dir}'/request.json\necho '{"providerId":"played-by-the-test"}'`,
  );
  const remove = writeProgram(dir, 'delete.sh', `cat >/dev/null\necho delete >>'${calls}'`);
  await client.createEnvironment({
    name: 'forced',
    type: 'managed',
    provider: 'command',
    desiredNodes: 1,
    command: { create: [create], delete: [remove], timeoutSeconds: 10 },
  });
  const request = await waitFor('the create request', () => {
    if (!readdirSync(dir).includes('request.json')) return undefined;
    try {
      return JSON.parse(readFileSync(path.join(dir, 'request.json'), 'utf8')) as {
        nodeId: string;
        registrationToken: string;
      };
    } catch {
      return undefined;
    }
  });
  await startAgent(t, { controllerUrl: controller.url, registrationToken: request.registrationToken, name: 'host' });
  await waitFor('the node to be READY', async () => (await client.getNode(request.nodeId)).state === 'READY');

  const job = await client.submitJob({
    name: 'long',
    tasks: [{ name: 'sleep', computeEnvironment: 'forced', command: 'sleep 300' }],
  });
  await waitFor(
    'the instance to run',
    async () => (await client.getInstance(job.id, 'sleep', 0)).attempts[0]?.state === 'RUNNING',
    { timeoutMs: 20_000, intervalMs: 100 },
  );

  const scaled = await fetch(`${controller.url}/v1/compute-environments/forced/scale`, {
    method: 'POST',
    headers: { authorization: `Bearer ${controller.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ desiredNodes: 0, force: true }),
  });
  t.equal(scaled.status, 200);
  let last = '';
  const node = await waitFor(
    'the busy node to be TERMINATED, not drained for five minutes',
    async () => {
      const n = await client.getNode(request.nodeId);
      last = `${n.state} (desired ${n.desired}): ${n.message}`;
      return n.state === 'TERMINATED' ? n : undefined;
    },
    {
      timeoutMs: 20_000,
      intervalMs: 100,
      describe: () =>
        `node: ${last}\n(controller/http/environments.ts wakes the pool with the environment's name; ` +
        `pool.ts keeps forced environments by name but looks them up by id)`,
    },
  ).catch((err: unknown) => {
    t.fail((err as Error).message);
    return undefined;
  });
  if (!node) return;
  t.equal(readFileSync(calls, 'utf8'), 'delete\n', 'the provider deleted its host');
  const instance = await client.getInstance(job.id, 'sleep', 0);
  t.equal(instance.attempts[0]?.state, 'FAILED', 'its attempt was ended');
  t.equal(instance.state, 'PENDING', 'the instance waits for a node again');
});
