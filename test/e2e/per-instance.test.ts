/**
 * SPEC §2 ★ `dependsOn: [{ task, per: instance }]`: instance i of the downstream task waits only
 * for instance i of the upstream task, not for the whole task; while it waits it is PENDING with
 * pending reason DEPENDENCY, and an upstream instance that fails skips only its own counterpart.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { sharedTmpDir } from '../support/tmp.js';
import { startCluster, waitJobFinished } from './fixture.js';
import { gapMs, instancesOf, waitForFile, waitInstance } from './instances.js';

const COUNT = 8;

t.test('per: instance dependencies', { jobs: 2 }, async (t) => {
  const { client } = await startCluster(t, { store: 'pglite', agents: 2, cpu: 8 });

  t.test('a downstream instance runs as soon as its own upstream instance succeeds', async (t) => {
    const marker = path.join(sharedTmpDir(t, 'batch-per-instance-'), 'release-7');
    const job = await client.submitJob({
      name: 'per-instance',
      tasks: [
        {
          name: 'split',
          instances: COUNT,
          env: { MARKER: marker },
          command: `if [ "$BATCH_INSTANCE_INDEX" = 7 ]; then ${waitForFile('$MARKER')}; fi; echo split $BATCH_INSTANCE_INDEX`,
        },
        {
          name: 'work',
          instances: COUNT,
          dependsOn: [{ task: 'split', per: 'instance' }],
          command: 'echo work $BATCH_INSTANCE_INDEX',
        },
      ],
    });
    const at = (task: string, index: number) => ({ jobId: job.id, task, index });

    await waitInstance(client, at('split', 7), 'to be RUNNING', (i) => i.state === 'RUNNING');
    await waitInstance(client, at('work', 3), 'to succeed', (i) => i.state === 'SUCCEEDED');
    t.equal(
      (await client.getInstance(job.id, 'split', 7)).state,
      'RUNNING',
      'work/3 succeeded while split/7 is still RUNNING',
    );

    for (let index = 0; index < 7; index++) {
      await waitInstance(client, at('work', index), 'to succeed', (i) => i.state === 'SUCCEEDED');
    }
    const waiting = await client.getInstance(job.id, 'work', 7);
    t.same(
      { state: waiting.state, pendingReason: waiting.pendingReason, attempts: waiting.attempts.length },
      { state: 'PENDING', pendingReason: 'DEPENDENCY', attempts: 0 },
      'work/7 waits for split/7',
    );
    t.equal((await client.getInstance(job.id, 'split', 7)).state, 'RUNNING', 'split/7 is still RUNNING');

    writeFileSync(marker, '');
    const done = await waitJobFinished(client, job.id, 30_000);
    t.equal(done.state, 'SUCCEEDED');
    t.same(done.counts, { SUCCEEDED: 2 * COUNT });
    const split = await instancesOf(client, job.id, 'split');
    const work = await instancesOf(client, job.id, 'work');
    for (let index = 0; index < COUNT; index++) {
      const gap = gapMs(split[index]!.attempts[0]!, work[index]!.attempts[0]!);
      t.ok(gap >= 0, `work/${index} started after split/${index} ended (${gap} ms)`);
    }
    const lastSplitEnd = Math.max(...split.map((i) => Date.parse(i.attempts[0]!.endedAt!)));
    t.ok(
      work.slice(0, 7).every((i) => Date.parse(i.attempts[0]!.endedAt!) < lastSplitEnd),
      'work/0..6 all finished before the last split instance did',
    );
  });

  t.test('an upstream instance that fails skips only its own downstream instance', async (t) => {
    const job = await client.submitJob({
      name: 'per-instance-failure',
      tasks: [
        { name: 'split', instances: COUNT, command: '[ "$BATCH_INSTANCE_INDEX" != 5 ]' },
        {
          name: 'work',
          instances: COUNT,
          dependsOn: [{ task: 'split', per: 'instance' }],
          command: 'echo work $BATCH_INSTANCE_INDEX',
        },
      ],
    });
    const done = await waitJobFinished(client, job.id, 30_000);
    t.equal(done.state, 'FAILED', 'a failed instance fails the job');
    const states = async (task: string) => (await instancesOf(client, job.id, task)).map((i) => i.state);
    const expected = (at5: string) => Array.from({ length: COUNT }, (_, i) => (i === 5 ? at5 : 'SUCCEEDED'));
    t.same(await states('split'), expected('FAILED'));
    t.same(await states('work'), expected('SKIPPED'), 'work/5 is SKIPPED, the others ran');
    const [skipped] = (await instancesOf(client, job.id, 'work')).filter((i) => i.index === 5);
    t.equal(skipped!.attempts.length, 0, 'a skipped instance never started');
  });
});
