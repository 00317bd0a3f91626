/**
 * SPEC §2 `timeoutSeconds`: an attempt that runs past its limit fails with failure reason TIMEOUT
 * and its whole process tree is killed — children, grandchildren, and those that ignore SIGTERM.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { sharedTmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { pidAlive, startCluster, waitJobFinished } from './fixture.js';
import { instancesOf } from './instances.js';

// Each `sh -c` child records its background grandchild, then becomes a long sleep itself; the
// second one ignores SIGTERM, as do its descendants.
const COMMAND = [
  `sh -c 'sleep 300 & echo $! >> "$PIDS"; exec sleep 300' &`,
  `echo "$$ $!" >> "$PIDS"`,
  `sh -c 'trap "" TERM; sleep 300 & echo $! >> "$PIDS"; exec sleep 300' &`,
  `echo $! >> "$PIDS"`,
  'wait',
].join('\n');
const PID_COUNT = 5;

t.test('an attempt past its timeoutSeconds fails with TIMEOUT and its whole process tree is killed', async (t) => {
  const { client } = await startCluster(t, { store: 'pglite', agents: 1, cpu: 2 });
  const pidsFile = path.join(sharedTmpDir(t, 'batch-timeout-'), 'pids');
  const job = await client.submitJob({
    name: 'timeout',
    tasks: [{ name: 'slow', timeoutSeconds: 1, env: { PIDS: pidsFile }, command: COMMAND }],
  });
  const recorded = () =>
    existsSync(pidsFile) ? readFileSync(pidsFile, 'utf8').split(/\s+/).filter(Boolean).map(Number) : [];
  const pids = await waitFor(`${PID_COUNT} pids in ${pidsFile}`, () => recorded().length === PID_COUNT && recorded(), {
    timeoutMs: 20_000,
    describe: () => JSON.stringify(recorded()),
  });
  t.teardown(() => {
    // Should the product leave any behind, the 300 s sleeps must not outlive the test.
    for (const pid of pids.filter(pidAlive)) process.kill(pid, 'SIGKILL');
  });
  t.ok(pids.every(pidAlive), 'the shell, its children and grandchildren run');

  const done = await waitJobFinished(client, job.id, 30_000);
  t.equal(done.state, 'FAILED');
  const [instance] = await instancesOf(client, job.id, 'slow');
  t.equal(instance!.state, 'FAILED');
  t.equal(instance!.attempts.length, 1, 'retries: 0, so no second attempt');
  const attempt = instance!.attempts[0]!;
  t.same({ state: attempt.state, failureReason: attempt.failureReason }, { state: 'FAILED', failureReason: 'TIMEOUT' });
  const ran = Date.parse(attempt.endedAt!) - Date.parse(attempt.startedAt!);
  t.ok(ran >= 900 && ran < 20_000, `the attempt ended after its 1 s limit, long before the 300 s sleeps (${ran} ms)`);

  // Those that ignore SIGTERM go at the kill grace period's SIGKILL (5 s by default).
  await waitFor('every process of the attempt to be gone', () => pids.every((p) => !pidAlive(p)), {
    timeoutMs: 15_000,
    describe: () => `still alive: ${pids.filter(pidAlive).join(' ')}`,
  });
  t.pass('no process of the attempt is left');
});
