/**
 * SPEC §2 `retries`, `retryOn`, `timeoutSeconds`: an application failure is retried while the
 * task's retries last and a `retryOn` rule (if any) matches; every attempt keeps its own exit code,
 * failure reason and log; retries wait out an exponential backoff, shown as pending reason BACKOFF.
 */
import t from 'tap';
import { STORES } from '../support/cluster.js';
import { startCluster, waitJobFinished } from './fixture.js';
import { gapMs, instancesOf, readAttemptLog, taskOf, waitInstance } from './instances.js';

/** Long enough that a test polling the API sees a retry waiting; jitter makes a delay 50-100 % of its step. */
const BACKOFF_MS = 1000;

/** What an attempt is, without the fields that differ from run to run. */
const summary = (a: { attempt: number; state: string; failureReason: string | null; exitCode: number | null }) => ({
  attempt: a.attempt,
  state: a.state,
  failureReason: a.failureReason,
  exitCode: a.exitCode,
});

for (const store of STORES) {
  // The cases are independent jobs on one cluster; running them side by side keeps the file quick.
  t.test(`${store}: retries`, { jobs: 6 }, async (t) => {
    const { client } = await startCluster(t, {
      store,
      agents: 1,
      cpu: 8,
      env: { BATCH_RETRY_BACKOFF_MS: String(BACKOFF_MS) },
    });

    t.test('an instance failing on attempts 1 and 2 succeeds on attempt 3 with retries: 2', async (t) => {
      const job = await client.submitJob({
        name: 'flaky',
        tasks: [
          {
            name: 'flaky',
            retries: 2,
            command:
              'echo "out of attempt $BATCH_ATTEMPT"; echo "err of attempt $BATCH_ATTEMPT" >&2; [ "$BATCH_ATTEMPT" -ge 3 ] || exit $((10 + BATCH_ATTEMPT))',
          },
        ],
      });
      const done = await waitJobFinished(client, job.id, 30_000);
      t.equal(done.state, 'SUCCEEDED');
      const [instance] = await instancesOf(client, job.id, 'flaky');
      t.equal(instance!.state, 'SUCCEEDED');
      t.same(instance!.attempts.map(summary), [
        { attempt: 1, state: 'FAILED', failureReason: 'EXIT_CODE', exitCode: 11 },
        { attempt: 2, state: 'FAILED', failureReason: 'EXIT_CODE', exitCode: 12 },
        { attempt: 3, state: 'SUCCEEDED', failureReason: null, exitCode: 0 },
      ]);

      const at = { jobId: job.id, task: 'flaky', index: 0 };
      for (const n of [1, 2, 3]) {
        t.equal(
          await readAttemptLog(client, at, n),
          `out of attempt ${n}\n`,
          `attempt ${n}'s stdout holds only its own output`,
        );
        t.equal(
          await readAttemptLog(client, at, n, 'stderr'),
          `err of attempt ${n}\n`,
          `attempt ${n}'s stderr holds only its own output`,
        );
      }

      // Jitter keeps each delay within [50 %, 100 %] of base × 2^(retry-1).
      const [a1, a2, a3] = instance!.attempts;
      t.ok(
        gapMs(a1!, a2!) >= 0.5 * BACKOFF_MS,
        `the first retry waited its backoff (${gapMs(a1!, a2!)} ms >= ${0.5 * BACKOFF_MS})`,
      );
      t.ok(
        gapMs(a2!, a3!) >= 0.5 * 2 * BACKOFF_MS,
        `the second retry waited a doubled backoff (${gapMs(a2!, a3!)} ms >= ${BACKOFF_MS})`,
      );
    });

    t.test('when the retries are spent the instance, task and job fail', async (t) => {
      const job = await client.submitJob({
        name: 'hopeless',
        tasks: [{ name: 'hopeless', instances: 2, retries: 2, command: 'echo "try $BATCH_ATTEMPT"; exit 5' }],
      });
      const done = await waitJobFinished(client, job.id, 30_000);
      t.equal(done.state, 'FAILED');
      t.equal(taskOf(done, 'hopeless').state, 'FAILED');
      t.same(done.counts, { FAILED: 2 });
      for (const instance of await instancesOf(client, job.id, 'hopeless')) {
        t.equal(instance.state, 'FAILED', `instance ${instance.index} FAILED`);
        t.same(
          instance.attempts.map(summary),
          [1, 2, 3].map((attempt) => ({ attempt, state: 'FAILED', failureReason: 'EXIT_CODE', exitCode: 5 })),
          `instance ${instance.index} ran retries + 1 = 3 attempts, each failing on its exit code`,
        );
      }
    });

    t.test('retryOn exit:3 retries exit code 3 and nothing else', async (t) => {
      const job = await client.submitJob({
        name: 'retry-on-exit',
        tasks: [
          { name: 'exits-4', retries: 2, retryOn: ['exit:3'], command: 'exit 4' },
          { name: 'exits-3-once', retries: 2, retryOn: ['exit:3'], command: '[ "$BATCH_ATTEMPT" -ge 2 ] || exit 3' },
        ],
      });
      const done = await waitJobFinished(client, job.id, 30_000);
      t.equal(done.state, 'FAILED', 'exits-4 failed the job');
      const [four] = await instancesOf(client, job.id, 'exits-4');
      t.equal(four!.state, 'FAILED');
      t.same(
        four!.attempts.map(summary),
        [{ attempt: 1, state: 'FAILED', failureReason: 'EXIT_CODE', exitCode: 4 }],
        'exit 4 is not retried',
      );
      const [three] = await instancesOf(client, job.id, 'exits-3-once');
      t.equal(three!.state, 'SUCCEEDED');
      t.same(
        three!.attempts.map(summary),
        [
          { attempt: 1, state: 'FAILED', failureReason: 'EXIT_CODE', exitCode: 3 },
          { attempt: 2, state: 'SUCCEEDED', failureReason: null, exitCode: 0 },
        ],
        'exit 3 is retried',
      );
    });

    t.test('retryOn TIMEOUT retries a timed-out attempt and not a failed exit', async (t) => {
      const job = await client.submitJob({
        name: 'retry-on-timeout',
        tasks: [
          { name: 'slow', retries: 1, retryOn: ['TIMEOUT'], timeoutSeconds: 1, command: 'sleep 30' },
          { name: 'fails', retries: 1, retryOn: ['TIMEOUT'], command: 'exit 1' },
        ],
      });
      const done = await waitJobFinished(client, job.id, 30_000);
      t.equal(done.state, 'FAILED');
      const [slow] = await instancesOf(client, job.id, 'slow');
      t.equal(slow!.state, 'FAILED');
      t.same(
        slow!.attempts.map((a) => ({ attempt: a.attempt, state: a.state, failureReason: a.failureReason })),
        [
          { attempt: 1, state: 'FAILED', failureReason: 'TIMEOUT' },
          { attempt: 2, state: 'FAILED', failureReason: 'TIMEOUT' },
        ],
        'the timed-out attempt was retried, and the retry timed out too',
      );
      for (const a of slow!.attempts) {
        const ran = Date.parse(a.endedAt!) - Date.parse(a.startedAt!);
        // Start and end are the controller's receive times of the reports; on a loaded host the RUNNING report can trail the spawn by a few hundred ms.
        t.ok(
          ran >= 500 && ran < 10_000,
          `attempt ${a.attempt} ran about its 1 s limit, not the 30 s sleep (${ran} ms)`,
        );
      }
      const [fails] = await instancesOf(client, job.id, 'fails');
      t.same(
        fails!.attempts.map(summary),
        [{ attempt: 1, state: 'FAILED', failureReason: 'EXIT_CODE', exitCode: 1 }],
        'an exit code is not a TIMEOUT',
      );
    });

    t.test('a retry waiting out its backoff is PENDING with reason BACKOFF', async (t) => {
      const job = await client.submitJob({
        name: 'backoff',
        tasks: [{ name: 'twice', retries: 2, command: '[ "$BATCH_ATTEMPT" -ge 3 ] || exit 1' }],
      });
      const at = { jobId: job.id, task: 'twice', index: 0 };
      // PENDING again after a failed attempt: a retry is queued. (Either retry will do; the second waits longer.)
      const waiting = await waitInstance(
        client,
        at,
        'to be PENDING after a failed attempt',
        (i) => i.state === 'PENDING' && i.attempts.length > 0,
      );
      t.equal(waiting.attempts.at(-1)!.state, 'FAILED');
      t.equal(waiting.pendingReason, 'BACKOFF');

      const done = await waitJobFinished(client, job.id, 30_000);
      t.equal(done.state, 'SUCCEEDED', 'the retries ran once their backoff ended');
      const [instance] = await instancesOf(client, job.id, 'twice');
      t.equal(instance!.attempts.length, 3);
      t.notOk(instance!.pendingReason, 'a finished instance has no pending reason');
    });

    t.test('stopping a job while a retry waits out its backoff stops the instance for good', async (t) => {
      const job = await client.submitJob({
        name: 'stop-in-backoff',
        tasks: [{ name: 'doomed', retries: 3, command: 'exit 1' }],
      });
      const at = { jobId: job.id, task: 'doomed', index: 0 };
      await waitInstance(
        client,
        at,
        'to wait for its first retry',
        (i) => i.state === 'PENDING' && i.pendingReason === 'BACKOFF' && i.attempts.length === 1,
      );
      await client.stopJob(job.id);
      const done = await waitJobFinished(client, job.id, 30_000);
      t.equal(done.state, 'STOPPED');
      const [instance] = await instancesOf(client, job.id, 'doomed');
      t.equal(instance!.state, 'STOPPED');
      t.equal(instance!.attempts.length, 1, 'the retry never ran');
    });
  });
}
