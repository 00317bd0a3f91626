import t from 'tap';
import { STORES } from '../support/cluster.js';
import { readLog, startCluster, waitJobFinished } from './fixture.js';

const LINES = 300;

for (const store of STORES) {
  t.test(`${store}: a 3-task DAG of 10 instances each runs in order with complete logs`, async (t) => {
    const { client } = await startCluster(t, { store, agents: 2, cpu: 4 });
    // Each instance prints numbered lines to stdout and stderr; the log must hold all, in order.
    const command = `i=0; while [ $i -lt ${LINES} ]; do echo "$BATCH_TASK_NAME/$BATCH_INSTANCE_INDEX/$BATCH_INSTANCE_COUNT line $i"; echo "err $i" >&2; i=$((i+1)); done; date +%s%N > /dev/null`;
    const job = await client.submitJob({
      name: 'dag',
      tasks: [
        { name: 'extract', command, instances: 10 },
        { name: 'transform', command, instances: 10, dependsOn: ['extract'] },
        { name: 'load', command, instances: 10, dependsOn: ['transform'] },
      ],
    });
    const done = await waitJobFinished(client, job.id, 90_000);
    t.equal(done.state, 'SUCCEEDED');
    t.same(done.counts, { SUCCEEDED: 30 });

    const expected = (task: string, index: number) =>
      Array.from({ length: LINES }, (_, i) => `${task}/${index}/10 line ${i}\n`).join('');
    const expectedErr = Array.from({ length: LINES }, (_, i) => `err ${i}\n`).join('');
    for (const task of ['extract', 'transform', 'load']) {
      for (let index = 0; index < 10; index++) {
        t.equal(
          await readLog(client, job.id, task, index),
          expected(task, index),
          `${task}/${index} stdout complete and in order`,
        );
        t.equal(await readLog(client, job.id, task, index, 'stderr'), expectedErr, `${task}/${index} stderr`);
      }
    }

    // Dependencies: no downstream instance started before every upstream instance ended.
    const span = async (task: string) => {
      const items = (await client.listInstances(job.id, task)).items;
      const starts = items.map((i) => Date.parse(i.attempts[0]!.startedAt!));
      const ends = items.map((i) => Date.parse(i.attempts[0]!.endedAt!));
      return { firstStart: Math.min(...starts), lastEnd: Math.max(...ends) };
    };
    const [e, tr, l] = [await span('extract'), await span('transform'), await span('load')];
    t.ok(tr.firstStart >= e.lastEnd, 'transform started after extract finished');
    t.ok(l.firstStart >= tr.lastEnd, 'load started after transform finished');
  });
}
