/**
 * batchctl against a real controller with one local node (as `make run` starts): --follow streams
 * while the instance runs, stop says STOPPING and is a no-op on a finished job, --wait exit codes
 * and failure reasons, jobs --watch redraws on a change and Ctrl-C ends it with 0.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import { runBatchctl, startBatchctl } from '../support/batchctl.js';
import { startController } from '../support/cluster.js';
import { sharedTmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

const finished = (client: BatchClient, id: string) =>
  waitFor(
    `job ${id} to finish`,
    async () => {
      const job = await client.getJob(id);
      return ['SUCCEEDED', 'FAILED', 'STOPPED'].includes(job.state) ? job : undefined;
    },
    { timeoutMs: 20_000 },
  );

t.test('batchctl habits against a real controller', async (t) => {
  const controller = await startController(t, { store: 'pglite', localNodes: 1 });
  const env = { url: controller.url, token: controller.token };
  const client = new BatchClient(env);
  await waitFor(
    'the local node to be READY',
    async () => (await client.listNodes()).items.some((n) => n.state === 'READY'),
    { timeoutMs: 20_000 },
  );
  const gates = sharedTmpDir(t, 'batchctl-gates-');
  /** A command that prints `first`, waits until the gate file exists, prints `second`. */
  const gated = (gate: string) =>
    `echo first; while [ ! -e ${path.join(gates, gate)} ]; do sleep 0.05; done; echo second`;

  t.test('submit --follow prints output while the instance is still running', async (t) => {
    const spec = JSON.stringify({ name: 'follow', tasks: [{ name: 'a', command: gated('follow') }] });
    const follow = startBatchctl(['submit', '-f', '-', '--follow'], { ...env, stdin: spec });
    await follow.waitForStdout('[a/0] first', 20_000);
    t.notOk(existsSync(path.join(gates, 'follow')), 'the instance cannot have ended: its gate is still shut');
    writeFileSync(path.join(gates, 'follow'), '');
    const result = await follow.exited;
    t.equal(result.code, 0, result.stderr);
    t.match(result.stdout, /\[a\/0\] first\n(.|\n)*\[a\/0\] second\n/);
  });

  t.test('stop of a running job prints STOPPING; of a finished one, that it already ended, and exits 0', async (t) => {
    const job = await client.submitJob({ name: 'stoppable', tasks: [{ name: 'a', command: gated('never') }] });
    await waitFor('the instance to run', async () => (await client.getJob(job.id)).counts.RUNNING === 1, {
      timeoutMs: 20_000,
    });
    const stop = await runBatchctl(['stop', job.id], env);
    t.equal(stop.code, 0, stop.stderr);
    t.equal(stop.stdout, `job ${job.id} STOPPING\n`, 'the state the scheduler derived from the stop intent');
    t.equal((await finished(client, job.id)).state, 'STOPPED');

    const done = await client.submitJob({ name: 'quick', tasks: [{ name: 'a', command: 'true' }] });
    await finished(client, done.id);
    const again = await runBatchctl(['stop', done.id], env);
    t.equal(again.code, 0, again.stderr);
    t.equal(again.stdout, `job ${done.id} already SUCCEEDED; nothing to stop\n`);
    const json = await runBatchctl(['stop', done.id, '-o', 'json'], env);
    t.equal(JSON.parse(json.stdout).state, 'SUCCEEDED', 'the job, unchanged');
    t.equal((await runBatchctl(['delete', done.id], env)).code, 0, 'stop JOB && delete JOB works');
  });

  t.test('status --wait exits 5 for a FAILED job and names the failure reasons', async (t) => {
    const job = await client.submitJob({ name: 'failing', tasks: [{ name: 'a', command: 'exit 3', instances: 2 }] });
    const status = await runBatchctl(['status', job.id, '--wait'], env);
    t.equal(status.code, 5, status.stderr);
    t.match(
      status.stdout,
      new RegExp(`task a: FAILED 2 \\(2× EXIT_CODE\\); see: batchctl instances ${job.id} a --attempts`),
    );
    const attempts = await runBatchctl(['instances', job.id, 'a', '--attempts'], env);
    t.match(attempts.stdout, /^INDEX\s+ATTEMPT\s+NODE\s+STATE\s+EXIT\s+FAILURE/);
    t.match(attempts.stdout, /\n\s*1\s+1\s+\S+\s+FAILED\s+3\s+EXIT_CODE/);
  });

  t.test('jobs --watch redraws when a job is submitted and Ctrl-C ends it with exit 0', async (t) => {
    const watch = startBatchctl(['jobs', '--watch', '-q'], env);
    await watch.waitForStdout('\n', 10_000);
    const job = await client.submitJob({ name: 'watched', tasks: [{ name: 'a', command: 'true' }] });
    await watch.waitForStdout(job.id, 10_000);
    watch.signal('SIGINT');
    const result = await watch.exited;
    t.equal(result.code, 0, result.stderr);
  });
});
