import { readFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { startAgent } from '../support/cluster.js';
import { sharedTmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { pidAlive, startCluster, waitJobFinished, waitReadyNodes } from './fixture.js';

t.test('SIGKILL of an agent: its attempts fail NODE_LOST and succeed elsewhere without spending retries', async (t) => {
  const { client, agents, controller, registrationToken } = await startCluster(t, {
    store: 'pglite',
    agents: 2,
    cpu: 2,
    env: { BATCH_NODE_LOST_AFTER_MS: '3000' },
  });
  const marks = sharedTmpDir(t, 'batch-loss-');
  // Instances on the node that will die record their pid and linger; elsewhere they finish at once.
  const job = await client.submitJob({
    name: 'loss',
    tasks: [
      {
        name: 'a',
        instances: 4,
        retries: 0,
        command: `case "$BATCH_WORK_DIR" in ${agents[0]!.dir}/*) echo $$ > ${marks}/$BATCH_INSTANCE_INDEX.pid; sleep 300;; esac; echo done on $BATCH_NODE_ID`,
      },
    ],
  });
  await waitFor(
    'two to linger on node-0, two to be done',
    async () => {
      const c = (await client.getJob(job.id)).counts;
      return c.RUNNING === 2 && c.SUCCEEDED === 2;
    },
    { timeoutMs: 20_000 },
  );
  const nodes = (await client.listNodes()).items;
  const victim = nodes.find((n) => n.name === 'node-0')!;
  const survivor = nodes.find((n) => n.name === 'node-1')!;
  const onVictim = (await client.listInstances(job.id, 'a')).items.filter((i) => i.attempts[0]!.nodeId === victim.id);
  t.equal(onVictim.length, 2, 'two instances ran on the node that dies');
  const orphanPids = onVictim.map((i) => Number(readFileSync(path.join(marks, `${i.index}.pid`), 'utf8')));

  await agents[0]!.kill('SIGKILL');
  await waitFor('the node to be LOST', async () => (await client.getNode(victim.id)).state === 'LOST', {
    timeoutMs: 15_000,
  });
  await waitFor(
    'the lost instances to succeed elsewhere',
    async () => {
      const items = (await client.listInstances(job.id, 'a')).items;
      return onVictim.every((v) => items[v.index]!.state === 'SUCCEEDED');
    },
    { timeoutMs: 20_000 },
  );
  for (const v of onVictim) {
    const instance = await client.getInstance(job.id, 'a', v.index);
    t.equal(instance.attempts.length, 2, `instance ${v.index}: one more attempt`);
    t.match(instance.attempts[0], { state: 'FAILED', failureReason: 'NODE_LOST', nodeId: victim.id });
    t.match(instance.attempts[1], { state: 'SUCCEEDED', nodeId: survivor.id, attempt: 2 });
  }
  t.ok(orphanPids.every(pidAlive), 'the dead agent left its commands running');

  // The agent comes back with the same identity: it kills what its previous life left behind.
  await startAgent(t, {
    controllerUrl: controller.url,
    dir: agents[0]!.dir,
    name: 'node-0',
    cpu: 2,
    registrationToken,
  });
  await waitReadyNodes(client, 2);
  t.equal((await client.getNode(victim.id)).state, 'READY', 'the same node is READY again');
  await waitFor('the orphans to be killed', () => orphanPids.every((p) => !pidAlive(p)), { timeoutMs: 10_000 });
  const groups = path.join(agents[0]!.dir, 'process-groups');
  t.ok(!existsSync(groups) || readdirSync(groups).length === 0, 'no stale process-group records');

  const done = await waitJobFinished(client, job.id);
  t.equal(done.state, 'SUCCEEDED', 'the job succeeded with retries: 0');
});
