/**
 * SPEC §4 ★ restart of a FAILED or STOPPED job: only the instances that did not succeed run
 * again, as a new attempt of the same instance (earlier attempts and their logs are kept);
 * downstream tasks are re-armed and run once; a job that is running or succeeded cannot be
 * restarted (409).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { STORES } from '../support/cluster.js';
import { sharedTmpDir } from '../support/tmp.js';
import { readLog, startCluster, waitJobFinished } from './fixture.js';
import { instancesOf, readAttemptLog, taskOf, waitForFile, waitInstance } from './instances.js';

/** The lines of a file the instances append to, sorted: who ran, in any order. */
const linesOf = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).sort() : [];

const attemptSummary = (a: {
  attempt: number;
  state: string;
  failureReason: string | null;
  exitCode: number | null;
}) => ({
  attempt: a.attempt,
  state: a.state,
  failureReason: a.failureReason,
  exitCode: a.exitCode,
});

for (const store of STORES) {
  t.test(`${store}: restarting a job`, { jobs: 4 }, async (t) => {
    const { client } = await startCluster(t, { store, agents: 1, cpu: 16, env: { BATCH_RETRY_BACKOFF_MS: '200' } });

    t.test('a FAILED job re-runs only its failed instances, then its downstream task', async (t) => {
      const dir = sharedTmpDir(t, 'batch-restart-');
      const files = {
        RUNS: path.join(dir, 'runs'),
        AFTER_RUNS: path.join(dir, 'after-runs'),
        FLAG: path.join(dir, 'flag'),
      };
      const job = await client.submitJob({
        name: 'restart-failed',
        tasks: [
          {
            name: 'work',
            instances: 6,
            env: files,
            // Instances 1 and 4 fail until the flag file exists.
            command: [
              'echo "$BATCH_INSTANCE_INDEX $BATCH_ATTEMPT" >> "$RUNS"',
              'echo "index $BATCH_INSTANCE_INDEX attempt $BATCH_ATTEMPT"',
              'case $BATCH_INSTANCE_INDEX in 1|4) [ -e "$FLAG" ] || exit 9 ;; esac',
            ].join('\n'),
          },
          { name: 'after', dependsOn: ['work'], env: files, command: 'echo "after $BATCH_ATTEMPT" >> "$AFTER_RUNS"' },
        ],
      });

      const failed = await waitJobFinished(client, job.id, 30_000);
      t.equal(failed.state, 'FAILED');
      t.equal(taskOf(failed, 'work').state, 'FAILED');
      t.same(taskOf(failed, 'work').counts, { SUCCEEDED: 4, FAILED: 2 });
      t.equal(taskOf(failed, 'after').state, 'SKIPPED', 'the downstream task is SKIPPED');
      t.same(linesOf(files.AFTER_RUNS), [], 'and did not run');

      writeFileSync(files.FLAG, '');
      const restarted = await client.restartJob(job.id);
      t.equal(restarted.id, job.id, 'restart answers with the same job');
      t.not(restarted.state, 'FAILED', 'the job is no longer FAILED once restarted');

      const done = await waitJobFinished(client, job.id, 30_000);
      t.equal(done.state, 'SUCCEEDED');
      t.same(done.counts, { SUCCEEDED: 7 });
      t.same(
        linesOf(files.RUNS),
        ['0 1', '1 1', '1 2', '2 1', '3 1', '4 1', '4 2', '5 1'],
        'instances 0, 2, 3, 5 ran once; 1 and 4 ran again, as attempt 2',
      );
      t.same(linesOf(files.AFTER_RUNS), ['after 1'], 'the downstream task ran once, after the restart');

      const work = await instancesOf(client, job.id, 'work');
      for (const instance of work) {
        const expected = [1, 4].includes(instance.index)
          ? [
              { attempt: 1, state: 'FAILED', failureReason: 'EXIT_CODE', exitCode: 9 },
              { attempt: 2, state: 'SUCCEEDED', failureReason: null, exitCode: 0 },
            ]
          : [{ attempt: 1, state: 'SUCCEEDED', failureReason: null, exitCode: 0 }];
        t.same(instance.attempts.map(attemptSummary), expected, `work/${instance.index} attempts`);
      }
      for (const index of [1, 4]) {
        const at = { jobId: job.id, task: 'work', index };
        t.equal(
          await readAttemptLog(client, at, 1),
          `index ${index} attempt 1\n`,
          `work/${index}: the failed attempt's log is kept`,
        );
        t.equal(
          await readAttemptLog(client, at, 2),
          `index ${index} attempt 2\n`,
          `work/${index}: the re-run has its own log`,
        );
        t.equal(
          await readLog(client, job.id, 'work', index),
          `index ${index} attempt 2\n`,
          `work/${index}: the latest attempt's log by default`,
        );
      }
      const [after] = await instancesOf(client, job.id, 'after');
      t.same(
        after!.attempts.map((a) => a.state),
        ['SUCCEEDED'],
        'one attempt of the downstream task',
      );

      await t.rejects(
        client.restartJob(job.id),
        { status: 409, code: 'CONFLICT' },
        'a SUCCEEDED job cannot be restarted',
      );
      t.equal((await client.getJob(job.id)).state, 'SUCCEEDED', 'and stays SUCCEEDED');
      t.equal((await client.stopJob(job.id)).state, 'SUCCEEDED', 'stopping a finished job is a no-op, not an error');
    });

    t.test('a STOPPED job re-runs only its stopped instances; a RUNNING one cannot be restarted', async (t) => {
      const dir = sharedTmpDir(t, 'batch-restart-stopped-');
      const files = {
        RUNS: path.join(dir, 'runs'),
        AFTER_RUNS: path.join(dir, 'after-runs'),
        GATE: path.join(dir, 'gate'),
      };
      const job = await client.submitJob({
        name: 'restart-stopped',
        tasks: [
          {
            name: 'mixed',
            instances: 4,
            env: files,
            // 0 and 1 finish at once; 2 and 3 run until the gate file exists.
            command: `echo "$BATCH_INSTANCE_INDEX $BATCH_ATTEMPT" >> "$RUNS"; if [ "$BATCH_INSTANCE_INDEX" -ge 2 ]; then ${waitForFile('$GATE')}; fi`,
          },
          { name: 'after', dependsOn: ['mixed'], env: files, command: 'echo "after $BATCH_ATTEMPT" >> "$AFTER_RUNS"' },
        ],
      });
      const at = (index: number) => ({ jobId: job.id, task: 'mixed', index });
      for (const index of [0, 1]) await waitInstance(client, at(index), 'to succeed', (i) => i.state === 'SUCCEEDED');
      for (const index of [2, 3]) await waitInstance(client, at(index), 'to be RUNNING', (i) => i.state === 'RUNNING');

      await t.rejects(
        client.restartJob(job.id),
        { status: 409, code: 'CONFLICT' },
        'a RUNNING job cannot be restarted',
      );
      t.equal((await client.getJob(job.id)).state, 'RUNNING', 'and keeps running');

      await client.stopJob(job.id);
      const stopped = await waitJobFinished(client, job.id, 30_000);
      t.equal(stopped.state, 'STOPPED');
      t.same(taskOf(stopped, 'mixed').counts, { SUCCEEDED: 2, STOPPED: 2 });
      t.same(linesOf(files.AFTER_RUNS), [], 'the downstream task did not run');

      writeFileSync(files.GATE, '');
      await client.restartJob(job.id);
      const done = await waitJobFinished(client, job.id, 30_000);
      t.equal(done.state, 'SUCCEEDED');
      t.same(done.counts, { SUCCEEDED: 5 });
      t.same(
        linesOf(files.RUNS),
        ['0 1', '1 1', '2 1', '2 2', '3 1', '3 2'],
        'only the stopped instances 2 and 3 ran again',
      );
      t.same(linesOf(files.AFTER_RUNS), ['after 1'], 'the downstream task ran once');
      const mixed = await instancesOf(client, job.id, 'mixed');
      t.same(
        mixed.map((i) => i.attempts.map((a) => a.state)),
        [['SUCCEEDED'], ['SUCCEEDED'], ['STOPPED', 'SUCCEEDED'], ['STOPPED', 'SUCCEEDED']],
        'a stopped attempt is kept and followed by a new one',
      );
    });

    t.test('a restart re-runs a failed upstream instance and its skipped per: instance counterpart only', async (t) => {
      const dir = sharedTmpDir(t, 'batch-restart-per-instance-');
      const files = { RUNS: path.join(dir, 'runs'), FLAG: path.join(dir, 'flag') };
      const job = await client.submitJob({
        name: 'restart-per-instance',
        tasks: [
          {
            name: 'split',
            instances: 4,
            env: files,
            command:
              'echo "split $BATCH_INSTANCE_INDEX $BATCH_ATTEMPT" >> "$RUNS"; [ "$BATCH_INSTANCE_INDEX" != 2 ] || [ -e "$FLAG" ]',
          },
          {
            name: 'work',
            instances: 4,
            env: files,
            dependsOn: [{ task: 'split', per: 'instance' }],
            command: 'echo "work $BATCH_INSTANCE_INDEX $BATCH_ATTEMPT" >> "$RUNS"',
          },
        ],
      });
      const failed = await waitJobFinished(client, job.id, 30_000);
      t.equal(failed.state, 'FAILED');
      t.same(
        (await instancesOf(client, job.id, 'work')).map((i) => i.state),
        ['SUCCEEDED', 'SUCCEEDED', 'SKIPPED', 'SUCCEEDED'],
      );

      writeFileSync(files.FLAG, '');
      await client.restartJob(job.id);
      const done = await waitJobFinished(client, job.id, 30_000);
      t.equal(done.state, 'SUCCEEDED');
      t.same(done.counts, { SUCCEEDED: 8 });
      t.same(
        linesOf(files.RUNS),
        [
          'split 0 1',
          'split 1 1',
          'split 2 1',
          'split 2 2',
          'split 3 1',
          'work 0 1',
          'work 1 1',
          'work 2 1',
          'work 3 1',
        ],
        'split/2 ran again and work/2 ran for the first time; nothing else re-ran',
      );
    });

    t.test("a restarted instance gets the task's retries afresh", async (t) => {
      // retries: 1 — attempts 1 and 2 fail the first run; after the restart attempt 3 fails and is retried.
      const job = await client.submitJob({
        name: 'restart-retries',
        tasks: [{ name: 'stubborn', retries: 1, command: '[ "$BATCH_ATTEMPT" -ge 4 ]' }],
      });
      t.equal((await waitJobFinished(client, job.id, 30_000)).state, 'FAILED');
      t.equal(
        (await instancesOf(client, job.id, 'stubborn'))[0]!.attempts.length,
        2,
        'retries + 1 attempts before the restart',
      );
      await client.restartJob(job.id);
      const done = await waitJobFinished(client, job.id, 30_000);
      t.equal(done.state, 'SUCCEEDED', 'the re-run failed once and its retry succeeded');
      const [instance] = await instancesOf(client, job.id, 'stubborn');
      t.same(
        instance!.attempts.map((a) => [a.attempt, a.state]),
        [
          [1, 'FAILED'],
          [2, 'FAILED'],
          [3, 'FAILED'],
          [4, 'SUCCEEDED'],
        ],
      );
    });
  });
}
