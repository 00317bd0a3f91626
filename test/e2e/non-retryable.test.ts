/**
 * A failure the agent knows no other attempt can fix is not retried (protocol 2,
 * `attemptStatus.retryable`): a package with an unsafe entry fails its instance on the first
 * attempt with PACKAGE_ERROR although `retries: 3` is set, while an EXIT_CODE failure of the same
 * task shape is still retried.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { STORES } from '../support/cluster.js';
import { tmpDir } from '../support/tmp.js';
import { startCluster, waitJobFinished } from './fixture.js';
import { instancesOf } from './instances.js';

/** A zip whose one entry climbs out of the work dir (made with python3's zipfile, as users would). */
function unsafeZip(dir: string): Buffer {
  const file = path.join(dir, 'evil.zip');
  execFileSync('python3', [
    '-c',
    "import zipfile,sys\nz = zipfile.ZipFile(sys.argv[1], 'w')\nz.writestr('../evil.sh', 'echo pwned')\nz.close()",
    file,
  ]);
  return readFileSync(file);
}

for (const store of STORES) {
  t.test(`${store}: a non-retryable failure spends no retries`, async (t) => {
    const { client } = await startCluster(t, {
      store,
      agents: 1,
      env: { BATCH_RETRY_BACKOFF_MS: '50' },
    });
    await client.putObject('oss://packages/evil.zip', new Uint8Array(unsafeZip(tmpDir(t))));
    const job = await client.submitJob({
      name: 'unsafe-package',
      tasks: [
        { name: 'unsafe', retries: 3, package: 'oss://packages/evil.zip', command: 'sh evil.sh' },
        { name: 'flaky', retries: 3, command: '[ "$BATCH_ATTEMPT" -ge 2 ] || exit 7' },
      ],
    });
    const done = await waitJobFinished(client, job.id, 60_000);
    t.equal(done.state, 'FAILED');

    const [unsafe] = await instancesOf(client, job.id, 'unsafe');
    t.equal(unsafe!.state, 'FAILED');
    t.equal(unsafe!.attempts.length, 1, 'one attempt: retries are not spent on what cannot succeed');
    t.equal(unsafe!.attempts[0]!.failureReason, 'PACKAGE_ERROR');
    t.match(unsafe!.attempts[0]!.message, /\.\.\/evil\.sh/, 'the message names the entry');

    const [flaky] = await instancesOf(client, job.id, 'flaky');
    t.equal(flaky!.state, 'SUCCEEDED');
    t.same(
      flaky!.attempts.map((a) => [a.attempt, a.failureReason]),
      [
        [1, 'EXIT_CODE'],
        [2, null],
      ],
      'an exit code is still retried',
    );
  });
}
