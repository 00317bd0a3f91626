import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { sharedTmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { pidAlive, startCluster, waitJobFinished } from './fixture.js';

t.test('stopping a running job kills its whole process trees and stops the rest', async (t) => {
  const { client } = await startCluster(t, { store: 'pglite', agents: 1, cpu: 2 });
  const marks = sharedTmpDir(t, 'batch-stop-');
  // Each instance starts a background grandchild and records both pids.
  const job = await client.submitJob({
    name: 'long',
    tasks: [
      { name: 'sleepy', instances: 4, command: `sleep 300 & echo "$$ $!" > ${marks}/$BATCH_INSTANCE_INDEX.pids; wait` },
    ],
  });
  const pidFiles = [0, 1].map((i) => path.join(marks, `${i}.pids`));
  await waitFor(
    'two instances to be running',
    () => pidFiles.every((f) => existsSync(f) && readFileSync(f, 'utf8').includes(' ')),
    { timeoutMs: 20_000 },
  );
  const pids = pidFiles.flatMap((f) => readFileSync(f, 'utf8').trim().split(' ').map(Number));
  t.ok(pids.every(pidAlive), 'shells and grandchildren are running');
  const running = await waitFor('the controller to see two RUNNING', async () => {
    const j = await client.getJob(job.id);
    return j.counts.RUNNING === 2 ? j : undefined;
  });
  t.same(running.counts, { RUNNING: 2, PENDING: 2 }, 'cpu 2 runs two at a time');

  await client.stopJob(job.id);
  const done = await waitJobFinished(client, job.id, 30_000);
  t.equal(done.state, 'STOPPED');
  t.same(done.counts, { STOPPED: 4 });
  await waitFor('every process of the job to be gone', () => pids.every((p) => !pidAlive(p)), { timeoutMs: 15_000 });
  t.pass('no process of the job is left');
  const attempts = (await client.listInstances(job.id, 'sleepy')).items.map((i) => i.attempts.length);
  t.same(attempts, [1, 1, 0, 0], 'pending instances never started');
  await client.deleteJob(job.id);
  t.same((await client.listJobs()).items, [], 'a finished job can be deleted');
});
