/**
 * The seed walkthrough with data: a zip package from object storage, inputs staged in, outputs
 * staged out per `uploadOn`, and logs written to OSS prefixes — once against the local directory
 * store and once against a real S3-compatible server (s3rver, through the AWS SDK).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import { runBatchctl } from '../support/batchctl.js';
import { startAgent, startController } from '../support/cluster.js';
import { startS3, type TestS3 } from '../support/s3-server.js';
import { tmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { readLog, waitJobFinished, waitReadyNodes } from './fixture.js';

async function text(client: BatchClient, url: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const c of await client.getObject(url)) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

/** hello.zip: a script and a data file in a subdirectory, made with python3's zipfile. */
function makePackage(dir: string): string {
  const zip = path.join(dir, 'hello.zip');
  execFileSync('python3', [
    '-c',
    `import zipfile,sys
z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)
z.writestr('hello.sh', 'echo "$(cat data/greeting.txt) from instance $BATCH_INSTANCE_INDEX"\\nmkdir -p output\\necho "result $BATCH_INSTANCE_INDEX" > output/result-$BATCH_INSTANCE_INDEX.txt\\ncat input/numbers.txt | wc -l > output/lines-$BATCH_INSTANCE_INDEX.txt\\n')
z.writestr('data/greeting.txt', 'hello')
z.close()`,
    zip,
  ]);
  return zip;
}

for (const backend of ['local', 's3'] as const) {
  t.test(`${backend} store: package, inputs, outputs and logs in object storage`, async (t) => {
    let s3: TestS3 | undefined;
    const env: NodeJS.ProcessEnv = {};
    if (backend === 's3') {
      s3 = await startS3(t, ['batch-input-1', 'batch-output-1']);
      Object.assign(env, {
        BATCH_OSS_ENDPOINT: s3.endpoint,
        BATCH_OSS_ACCESS_KEY_ID: s3.accessKeyId,
        BATCH_OSS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        BATCH_OSS_FORCE_PATH_STYLE: 'true',
      });
    }
    const controller = await startController(t, { store: 'pglite', env });
    const client = new BatchClient({ url: controller.url, token: controller.token });
    const { token } = await client.createRegistrationToken('local');
    const agent = await startAgent(t, { controllerUrl: controller.url, registrationToken: token, cpu: 2 });
    await waitReadyNodes(client, 1);

    const work = tmpDir(t, 'batch-data-');
    const zip = makePackage(work);
    const cli = { url: controller.url, token: controller.token };
    const cp = await runBatchctl(['oss', 'cp', zip, 'oss://batch-input-1/gx-test/'], cli);
    t.equal(cp.code, 0, cp.stderr);
    t.match(cp.stdout, /uploaded .*hello\.zip to oss:\/\/batch-input-1\/gx-test\/hello\.zip/);
    const numbers = path.join(work, 'numbers.txt');
    writeFileSync(numbers, '1\n2\n3\n');
    t.equal((await runBatchctl(['oss', 'cp', numbers, 'oss://batch-input-1/gx-test/in/numbers.txt'], cli)).code, 0);
    const ls = await runBatchctl(['oss', 'ls', 'oss://batch-input-1/gx-test/'], cli);
    t.match(ls.stdout, /oss:\/\/batch-input-1\/gx-test\/hello\.zip/);
    t.match(ls.stdout, /oss:\/\/batch-input-1\/gx-test\/in\/numbers\.txt/);

    const job = await client.submitJob({
      name: 'hello-data',
      tasks: [
        {
          name: 'hello',
          instances: 2,
          package: 'oss://batch-input-1/gx-test/hello.zip',
          command: 'sh hello.sh',
          inputs: { 'oss://batch-input-1/gx-test/in/': 'input/' },
          outputs: { 'output/': 'oss://batch-output-1/results/' },
          stdout: 'oss://batch-input-1/gx-test/batch-hello-stdout/',
          stderr: 'oss://batch-input-1/gx-test/batch-hello-stderr/',
        },
        // uploadOn: failure/always upload after a failed command; the default (success) does not.
        ...(['success', 'failure', 'always'] as const).map((uploadOn) => ({
          name: `fail-${uploadOn}`,
          command: 'mkdir -p output && echo partial > output/partial.txt && exit 3',
          outputs: { 'output/': `oss://batch-output-1/${uploadOn}/` },
          uploadOn,
        })),
      ],
    });
    const done = await waitJobFinished(client, job.id, 60_000);
    t.equal(done.tasks.find((x) => x.name === 'hello')?.state, 'SUCCEEDED', JSON.stringify(done));

    for (const index of [0, 1]) {
      const stdout = await readLog(client, job.id, 'hello', index);
      t.equal(stdout, `hello from instance ${index}\n`, `instance ${index} ran the packaged script with its data`);
      t.equal(
        await text(client, `oss://batch-output-1/results/result-${index}.txt`),
        `result ${index}\n`,
        'output uploaded',
      );
      t.equal(
        (await text(client, `oss://batch-output-1/results/lines-${index}.txt`)).trim(),
        '3',
        'input staged before the command',
      );
      // Logs reach their prefixes as <prefix><jobId>/<task>/<index>/<attempt>.log, complete.
      const stdoutKey = `oss://batch-input-1/gx-test/batch-hello-stdout/${job.id}/hello/${index}/1.log`;
      const archived = await waitForObject(client, stdoutKey);
      t.equal(archived, stdout, `stdout of instance ${index} archived in full`);
      const stderr = await waitForObject(
        client,
        `oss://batch-input-1/gx-test/batch-hello-stderr/${job.id}/hello/${index}/1.log`,
      );
      t.equal(stderr, await readLog(client, job.id, 'hello', index, 'stderr'));
      t.match(stderr, /\[batch\].*hello\.zip/, 'setup steps are logged into the stream');
    }

    const failures = await Promise.all(
      (['success', 'failure', 'always'] as const).map(async (uploadOn) => ({
        uploadOn,
        state: done.tasks.find((x) => x.name === `fail-${uploadOn}`)?.state,
        uploaded: (await client.listObjects(`oss://batch-output-1/${uploadOn}/`)).items.map((o) => o.key),
      })),
    );
    t.same(failures, [
      { uploadOn: 'success', state: 'FAILED', uploaded: [] },
      { uploadOn: 'failure', state: 'FAILED', uploaded: ['failure/partial.txt'] },
      { uploadOn: 'always', state: 'FAILED', uploaded: ['always/partial.txt'] },
    ]);
    const failed = await client.getInstance(job.id, 'fail-always', 0);
    t.match(failed.attempts[0], { failureReason: 'EXIT_CODE', exitCode: 3 }, 'a failed command keeps its own failure');

    if (s3) {
      const downloads = s3.requests.filter((r) => r === 'GET /batch-input-1/gx-test/hello.zip');
      t.equal(downloads.length, 1, 'the package was downloaded once for both instances on the node');
    }
    t.match(agent.log(), /hello\.zip/, 'the agent logged the package');
  });
}

/** Logs are archived right after the attempt ends, asynchronously: wait for the object. */
async function waitForObject(client: BatchClient, url: string): Promise<string> {
  return waitFor(
    `${url} to exist`,
    async () => {
      try {
        return await text(client, url);
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
}
