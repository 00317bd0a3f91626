/**
 * A managed environment of the local provider, end to end: kept at its desired count; a
 * scale-in while a job runs lets the busy nodes finish their instances (none fails) and takes
 * the idle ones first; `--force` takes busy nodes at once and their instances are re-queued;
 * `nodes delete` and `envs delete` drain, then delete.
 */
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import { ApiRequestError, type Node } from '../../sdk/index.js';
import { runBatchctl } from '../support/batchctl.js';
import { startController } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';

const live = (nodes: readonly Node[]) => nodes.filter((n) => n.state !== 'TERMINATED');

t.test('scale, drain-then-delete, force, nodes delete and envs delete', async (t) => {
  const controller = await startController(t, { store: 'pglite', localNodes: 0 });
  const env = { url: controller.url, token: controller.token };
  const client = new BatchClient(env);
  const nodesOf = async () => (await client.listNodes({ environment: 'pool', all: true })).items;
  const ready = (n: number) =>
    waitFor(
      `${n} READY node(s) in pool`,
      async () => {
        const nodes = await nodesOf();
        return nodes.filter((x) => x.state === 'READY').length === n && live(nodes).length === n && nodes;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );

  const created = await runBatchctl(
    ['envs', 'create', 'pool', '--type', 'managed', '--provider', 'local', '--desired', '2', '--cpu', '1'],
    env,
  );
  t.equal(created.code, 0, created.stderr);
  const two = await ready(2);
  t.same(
    two.map((n) => n.capacity.cpu),
    [1, 1],
    'the template sizes the nodes',
  );

  // Both nodes busy with one instance each; scale to 1: one drains, finishes, then goes.
  const job = await client.submitJob({
    name: 'busy',
    tasks: [{ name: 'sleep', command: 'sleep 4', instances: 2, computeEnvironment: 'pool', resources: { cpu: 1 } }],
  });
  await waitFor('both instances RUNNING', async () => (await client.getJob(job.id)).tasks[0]!.counts.RUNNING === 2, {
    timeoutMs: 20_000,
  });
  await client.scaleEnvironment('pool', 1);
  const draining = await waitFor('one node DRAINING', async () =>
    (await nodesOf()).find((n) => n.state === 'DRAINING'),
  );
  t.equal(draining.desired, 'terminate');
  t.match(draining.message, /scale-in/);
  await waitFor(
    'the job to finish',
    async () => ['SUCCEEDED', 'FAILED'].includes((await client.getJob(job.id)).state),
    {
      timeoutMs: 30_000,
    },
  );
  t.equal((await client.getJob(job.id)).state, 'SUCCEEDED', 'the running instances finished');
  const attempts = (await client.listInstances(job.id, 'sleep')).items.flatMap((i) => i.attempts);
  t.equal(attempts.length, 2, 'no instance was run twice');
  await waitFor(
    'the drained node TERMINATED',
    async () => (await nodesOf()).find((n) => n.id === draining.id)?.state === 'TERMINATED',
    {
      timeoutMs: 20_000,
    },
  );
  await ready(1);

  // A terminating node cannot be undrained.
  await client.scaleEnvironment('pool', 2);
  await ready(2);

  // --force: busy nodes go at once; their instances are re-queued and run elsewhere.
  const long = await client.submitJob({
    name: 'long',
    tasks: [{ name: 'sleep', command: 'sleep 3', instances: 2, computeEnvironment: 'pool', resources: { cpu: 1 } }],
  });
  await waitFor(
    'both long instances RUNNING',
    async () => (await client.getJob(long.id)).tasks[0]!.counts.RUNNING === 2,
    {
      timeoutMs: 20_000,
    },
  );
  const forced = await runBatchctl(['envs', 'scale', 'pool', '1', '--force'], env);
  t.equal(forced.code, 0, forced.stderr);
  await waitFor(
    'the long job to finish',
    async () => ['SUCCEEDED', 'FAILED'].includes((await client.getJob(long.id)).state),
    {
      timeoutMs: 60_000,
    },
  );
  t.equal((await client.getJob(long.id)).state, 'SUCCEEDED');
  const longAttempts = (await client.listInstances(long.id, 'sleep')).items.flatMap((i) => i.attempts);
  t.ok(
    longAttempts.some((a) => a.failureReason === 'NODE_LOST'),
    'the forced node’s instance was re-queued (NODE_LOST, retries not spent)',
  );
  const [survivor] = await ready(1).then((nodes) => live(nodes));

  // nodes delete: the last node goes; the environment then makes a new one (desired 1).
  const deleted = await runBatchctl(['nodes', 'delete', survivor!.name], env);
  t.equal(deleted.code, 0, deleted.stderr);
  await waitFor(
    'the deleted node TERMINATED',
    async () => (await nodesOf()).find((n) => n.id === survivor!.id)?.state === 'TERMINATED',
    {
      timeoutMs: 20_000,
    },
  );
  const refused = await client.undrainNode(survivor!.id).catch((err: unknown) => err);
  t.ok(refused instanceof ApiRequestError && refused.code === 'CONFLICT', 'a terminated node is not undrained');
  await ready(1);

  // envs delete: its nodes go, then it does.
  t.equal((await runBatchctl(['envs', 'delete', 'pool'], env)).code, 0);
  await waitFor(
    'the environment to be gone',
    async () => {
      const gone = await client.getEnvironment('pool').catch((err: unknown) => err);
      return gone instanceof ApiRequestError && gone.code === 'NOT_FOUND';
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  t.same(live(await nodesOf()), [], 'no node of it is left');
  const again = await client.createEnvironment({ name: 'pool', type: 'managed', provider: 'local', desiredNodes: 0 });
  t.equal(again.name, 'pool', 'its name is free again');
});
