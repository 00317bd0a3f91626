/**
 * SPEC §2 `dependsOn` conditions and §3 SKIPPED: when an upstream task fails, tasks that needed
 * its success are SKIPPED (transitively, and at once — the job does not hang), while tasks waiting
 * `on: failure` or `on: any` run; when it succeeds, an `on: failure` task is SKIPPED instead.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Job } from '../../protocol/api.js';
import { sharedTmpDir } from '../support/tmp.js';
import { startCluster, waitJobFinished } from './fixture.js';
import { instancesOf, taskOf } from './instances.js';

/** A fails (one of its two instances) or succeeds; the rest of the DAG reacts to that. */
function dag(aFails: boolean, marks: string) {
  return {
    name: aFails ? 'upstream-fails' : 'upstream-succeeds',
    tasks: [
      { name: 'A', instances: 2, command: aFails ? '[ "$BATCH_INSTANCE_INDEX" != 1 ]' : 'true' },
      { name: 'B', instances: 2, dependsOn: ['A'], command: `touch ${marks}/B-$BATCH_INSTANCE_INDEX` },
      { name: 'C', dependsOn: ['B'], command: `touch ${marks}/C` },
      { name: 'D', dependsOn: [{ task: 'A', on: 'failure' as const }], command: `touch ${marks}/D` },
      { name: 'E', dependsOn: [{ task: 'A', on: 'any' as const }], command: `touch ${marks}/E` },
    ],
  };
}

const taskStates = (job: Job) => Object.fromEntries(job.tasks.map((task) => [task.name, task.state]));

t.test('dependency conditions', { jobs: 2 }, async (t) => {
  const { client } = await startCluster(t, { store: 'pglite', agents: 1, cpu: 4 });

  t.test('a failed upstream skips what needed its success and runs what waited for its failure', async (t) => {
    const marks = sharedTmpDir(t, 'batch-depfail-');
    const job = await client.submitJob(dag(true, marks));
    // Everything here takes milliseconds: a job still unfinished after 15 s is hanging.
    const done = await waitJobFinished(client, job.id, 15_000);
    t.equal(done.state, 'FAILED');
    t.same(taskStates(done), { A: 'FAILED', B: 'SKIPPED', C: 'SKIPPED', D: 'SUCCEEDED', E: 'SUCCEEDED' });
    for (const name of ['B', 'C']) {
      const instances = await instancesOf(client, job.id, name);
      t.same(
        instances.map((i) => [i.state, i.attempts.length]),
        instances.map(() => ['SKIPPED', 0]),
        `every instance of ${name} SKIPPED, none started`,
      );
      t.same(taskOf(done, name).counts, { SKIPPED: taskOf(done, name).instances }, `${name} counts`);
    }
    t.notOk(existsSync(path.join(marks, 'B-0')) || existsSync(path.join(marks, 'C')), 'B and C never ran');
    t.ok(existsSync(path.join(marks, 'D')), 'the on: failure cleanup ran');
    t.ok(existsSync(path.join(marks, 'E')), 'the on: any task ran');

    const aEnded = Math.max(
      ...(await instancesOf(client, job.id, 'A')).map((i) => Date.parse(i.attempts[0]!.endedAt!)),
    );
    const settled = Date.parse(done.endedAt!) - aEnded;
    t.ok(settled < 5_000, `the job settled ${settled} ms after A failed`);
  });

  t.test('a succeeded upstream skips the on: failure task and the job succeeds', async (t) => {
    const marks = sharedTmpDir(t, 'batch-depok-');
    const job = await client.submitJob(dag(false, marks));
    const done = await waitJobFinished(client, job.id, 15_000);
    t.equal(done.state, 'SUCCEEDED', 'a skipped on: failure task does not fail the job');
    t.same(taskStates(done), { A: 'SUCCEEDED', B: 'SUCCEEDED', C: 'SUCCEEDED', D: 'SKIPPED', E: 'SUCCEEDED' });
    const [d] = await instancesOf(client, job.id, 'D');
    t.same([d!.state, d!.attempts.length], ['SKIPPED', 0], 'D never started');
    t.notOk(existsSync(path.join(marks, 'D')), 'the cleanup did not run');
    t.ok(
      ['B-0', 'B-1', 'C', 'E'].every((f) => existsSync(path.join(marks, f))),
      'B, C and E ran',
    );
  });
});
