/**
 * @batch/sdk is usable from another project: packed from the built sdk/ (npm pack), installed
 * offline into a fresh project outside the repository, type-checked there through its `exports`
 * map, and run as plain ESM against a real controller.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { BatchClient } from '../../sdk/index.js';
import { startController } from '../support/cluster.js';
import { tmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

t.test('the packed SDK installs into another project, type-checks and talks to a controller', async (t) => {
  const packs = tmpDir(t, 'batch-sdk-pack-');
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packs], { cwd: path.join(ROOT, 'sdk') });
  const [pack] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  const files = pack!.files.map((f) => f.path);
  t.ok(files.includes('dist/sdk/index.js') && files.includes('dist/sdk/index.d.ts'), 'the entry point is packed');
  t.ok(files.includes('dist/protocol/states.js'), 'with the protocol files it imports');
  t.notOk(
    files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    'no TypeScript sources',
  );

  const project = tmpDir(t, 'batch-sdk-user-');
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'uses-sdk', private: true, type: 'module' }),
  );
  // Offline: zod, its one dependency, comes from the npm cache that installing this repository filled.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(packs, pack!.filename)], {
    cwd: project,
  });

  writeFileSync(
    path.join(project, 'check.ts'),
    `import { BatchClient, WaitTimeoutError, type Job, type SubmittedJob } from '@batch/sdk';
const client = new BatchClient({ url: 'http://127.0.0.1:1', timeoutMs: 1000, retries: { attempts: 2 } });
const submitted: Promise<SubmittedJob> = client.submitJob({ name: 'x', tasks: [{ name: 'a', command: 'true' }] });
const waited: Promise<Job> = client.waitForJob('j-1', { timeoutMs: 10 });
export const uses = [submitted, waited, WaitTimeoutError];
`,
  );
  writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        types: [],
      },
      files: ['check.ts'],
    }),
  );
  const checked = await run(process.execPath, [TSC, '-p', project], { cwd: project }).then(
    () => 'ok',
    (error: unknown) => (error as { stdout?: string }).stdout || (error as Error).message,
  );
  t.equal(checked, 'ok', 'the installed types check');

  const controller = await startController(t, { store: 'pglite', localNodes: 1 });
  const admin = new BatchClient({ url: controller.url, token: controller.token });
  // Submitting before the node has said what it holds would be refused as unplaceable.
  await waitFor(
    'the local node to be READY',
    async () => (await admin.listNodes()).items.some((n) => n.state === 'READY'),
    {
      timeoutMs: 30_000,
      intervalMs: 50,
    },
  );
  writeFileSync(
    path.join(project, 'main.js'),
    `import { BatchClient } from '@batch/sdk';
const batch = new BatchClient({ url: process.env.BATCH_URL, token: process.env.BATCH_TOKEN, timeoutMs: 30000 });
const job = await batch.submitJob({ name: 'from-outside', clientToken: 'outside-1', tasks: [{ name: 'say', command: 'echo hi' }] });
const done = await batch.waitForJob(job.id, { timeoutMs: 60000 });
const again = await batch.submitJob({ name: 'from-outside', clientToken: 'outside-1', tasks: [{ name: 'say', command: 'echo hi' }] });
console.log(JSON.stringify({ state: done.state, created: job.created, again: again.created, same: again.id === job.id }));
`,
  );
  const out = await run(process.execPath, ['main.js'], {
    cwd: project,
    env: { ...process.env, BATCH_URL: controller.url, BATCH_TOKEN: controller.token, NODE_OPTIONS: '' },
  });
  t.same(JSON.parse(out.stdout), { state: 'SUCCEEDED', created: true, again: false, same: true });
});
