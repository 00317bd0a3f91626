import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import { fixedPort, STORES, startAgent, startController } from '../support/cluster.js';
import { sharedTmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { readLog, waitJobFinished, waitReadyNodes } from './fixture.js';

const PER_TASK = 100;
const LINES = 20;

for (const store of STORES) {
  t.test(`${store}: SIGKILL of the controller in the middle of a 200-instance job loses nothing`, async (t) => {
    const port = fixedPort();
    const controller = await startController(t, { store, port });
    const client = new BatchClient({ url: controller.url, token: controller.token });
    const { token } = await client.createRegistrationToken('local');
    for (let i = 0; i < 2; i++)
      await startAgent(t, { controllerUrl: controller.url, registrationToken: token, name: `n${i}`, cpu: 4 });
    await waitReadyNodes(client, 2);

    const marks = sharedTmpDir(t, 'batch-crash-');
    const runs = path.join(marks, 'runs');
    // Every run of every instance leaves a line in `runs`; its log is LINES numbered lines.
    const command = `echo "$BATCH_TASK_NAME/$BATCH_INSTANCE_INDEX" >> ${runs}; i=1; while [ $i -le ${LINES} ]; do echo "$BATCH_TASK_NAME/$BATCH_INSTANCE_INDEX line $i"; i=$((i+1)); sleep 0.01; done`;
    const job = await client.submitJob({
      name: 'crash',
      tasks: [
        { name: 'first', instances: PER_TASK, command },
        { name: 'second', instances: PER_TASK, command },
      ],
    });
    await waitFor(
      'a quarter of the job to be done',
      async () => ((await client.getJob(job.id)).counts.SUCCEEDED ?? 0) >= 50,
      { timeoutMs: 60_000, intervalMs: 20 },
    );

    await controller.kill();
    const again = await startController(t, {
      store,
      port,
      dataDir: controller.dataDir,
      ...(controller.databaseUrl ? { databaseUrl: controller.databaseUrl } : {}),
    });
    const client2 = new BatchClient({ url: again.url, token: again.token });
    const done = await waitJobFinished(client2, job.id, 120_000);
    t.equal(done.state, 'SUCCEEDED', 'the job succeeds after the crash');
    t.same(done.counts, { SUCCEEDED: 2 * PER_TASK });

    const lines = readFileSync(runs, 'utf8').trim().split('\n');
    const seen = new Map<string, number>();
    for (const line of lines) seen.set(line, (seen.get(line) ?? 0) + 1);
    t.equal(seen.size, 2 * PER_TASK, 'every instance ran');
    t.same(
      [...seen.values()].filter((n) => n !== 1),
      [],
      'no instance ran twice',
    );

    let complete = 0;
    for (const task of ['first', 'second']) {
      for (const instance of (await client2.listInstances(job.id, task, { limit: PER_TASK })).items) {
        const expected = Array.from({ length: LINES }, (_, i) => `${task}/${instance.index} line ${i + 1}\n`).join('');
        if ((await readLog(client2, job.id, task, instance.index)) === expected && instance.attempts.length === 1)
          complete += 1;
        else t.fail(`${task}/${instance.index}: ${instance.attempts.length} attempt(s), log differs`);
      }
    }
    t.equal(complete, 2 * PER_TASK, 'every log is complete and in order, every instance has one attempt');
  });
}
