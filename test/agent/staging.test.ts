/**
 * The real agent stages data through signed URLs served by a local object server: the package
 * (cached per node), inputs before the command, outputs after it. Setup steps are told in the
 * attempt's stderr as `[batch]` lines, ahead of the command's own output.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { StartAttempt } from '../../protocol/messages.js';
import { tmpDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { FakeController, startAttempt, type FakeConnection } from './fake-controller.js';
import { grantFor, uploadRequestOf, uploadRequestsOf } from './grants.js';
import { ObjectServer, SIGNATURE, sha256Of } from './object-server.js';
import { writeZip } from './zips.js';

type TapTest = Parameters<Parameters<typeof t.test>[0]>[0];

interface Setup {
  conn: FakeConnection;
  objects: ObjectServer;
  agent: AgentProcess;
  dir: string;
  scratch: string;
}

async function setup(t: TapTest): Promise<Setup> {
  const controller = await FakeController.start(t);
  const objects = await ObjectServer.start(t);
  const dir = tmpDir(t);
  const agent = startAgent(t, { controllerUrl: controller.url, dir, registrationToken: 'tok' });
  const conn = await controller.connection(0);
  await agent.waitForLog('connected to');
  return { conn, objects, agent, dir, scratch: tmpDir(t) };
}

/** No signed URL, or its signature, in anything the user or the operator reads. */
function checkNoSignature(t: TapTest, s: Setup): void {
  const seen = JSON.stringify(
    s.conn.received.map((m) => (m.kind === 'logChunk' ? Buffer.from(m.data).toString('utf8') : m)),
  );
  t.notMatch(seen, SIGNATURE, 'no signature in log chunks or statuses');
  t.notMatch(s.agent.stderr, SIGNATURE, "no signature in the agent's own log");
}

t.test('a package is downloaded once per node, also for two instances starting together, and unpacked', async (t) => {
  const s = await setup(t);
  const zip = writeZip(join(s.scratch, 'hello.zip'), [
    { name: 'hello.txt', text: 'hello from the package' },
    { name: 'lib/', mode: 0o040755 },
  ]);
  const pkg = {
    source: 'oss://batch-input-1/gx-test/hello.zip',
    url: s.objects.put('/pkg/hello.zip', zip),
    digest: sha256Of(zip),
    size: zip.byteLength,
  };
  const instance = (id: number, index: number): StartAttempt =>
    startAttempt(id, 'cat hello.txt', { index, count: 2, package: pkg });
  s.conn.send(instance(1, 0), instance(2, 1));

  for (const id of [1, 2]) {
    t.match(await s.conn.waitForFinal(id), { state: 'SUCCEEDED', exitCode: 0 });
    t.equal(s.conn.output(id), 'hello from the package', `instance ${id - 1} reads the unpacked file`);
  }
  t.equal(s.objects.count('GET', '/pkg/hello.zip'), 1, 'one download for both instances');
  const lines = [s.conn.output(1, 'stderr'), s.conn.output(2, 'stderr')].sort().join('');
  t.match(
    lines,
    `[batch] package oss://batch-input-1/gx-test/hello.zip: downloaded ${zip.byteLength} B, sha256 ok, 1 file unpacked`,
  );
  t.match(
    lines,
    `[batch] package oss://batch-input-1/gx-test/hello.zip: downloaded ${zip.byteLength} B once for this and another attempt on the node, sha256 ok`,
  );
  t.same(
    readdirSync(join(s.dir, 'cache', 'packages')),
    [`sha256-${sha256Of(zip).slice('sha256:'.length)}.zip`],
    'cached by digest',
  );

  s.conn.send(startAttempt(3, 'cat hello.txt', { jobId: 'j-later', package: pkg }));
  t.match(await s.conn.waitForFinal(3), { state: 'SUCCEEDED' });
  t.equal(s.conn.output(3), 'hello from the package');
  t.match(
    s.conn.output(3, 'stderr'),
    `[batch] package oss://batch-input-1/gx-test/hello.zip: ${zip.byteLength} B from the node's cache, sha256 ok`,
  );
  t.equal(s.objects.count('GET', '/pkg/hello.zip'), 1, 'a later instance uses the cache');
  checkNoSignature(t, s);
});

t.test('a package whose sha256 does not match fails with PACKAGE_ERROR and is not cached', async (t) => {
  const s = await setup(t);
  const zip = writeZip(join(s.scratch, 'p.zip'), [{ name: 'a.txt', text: 'a' }]);
  const other = sha256Of(Buffer.from('something else'));
  const url = s.objects.put('/pkg/p.zip', zip);
  s.conn.send(
    startAttempt(4, 'touch ran', { package: { source: 'oss://b/p.zip', url, digest: other, size: zip.byteLength } }),
  );
  const final = await s.conn.waitForFinal(4);
  t.match(final, { state: 'FAILED', failureReason: 'PACKAGE_ERROR', exitCode: null });
  t.equal(
    final.message,
    `package oss://b/p.zip: sha256 mismatch: expected ${other.slice(7)}, downloaded ${sha256Of(zip).slice(7)}`,
  );
  t.equal(s.conn.output(4, 'stderr'), `[batch] PACKAGE_ERROR: ${final.message}\n`);
  t.same(readdirSync(join(s.dir, 'cache', 'packages')), [], 'nothing cached, no partial file left');
  t.equal(s.conn.statuses(4).length, 1, 'the command never started');

  s.conn.send(
    startAttempt(5, 'true', {
      jobId: 'j-404',
      package: { source: 'oss://b/gone.zip', url: s.objects.url('/pkg/gone.zip'), digest: other, size: 10 },
    }),
  );
  const missing = await s.conn.waitForFinal(5);
  t.match(missing, {
    failureReason: 'PACKAGE_ERROR',
    message: 'package oss://b/gone.zip: download failed: HTTP 404 Not Found',
  });
  checkNoSignature(t, s);
});

t.test('inputs are staged into the work dir before the command; setup lines come first', async (t) => {
  const s = await setup(t);
  const inputs = [
    { source: 'oss://b/in/a.txt', url: s.objects.put('/in/a.txt', 'hello input\n'), path: 'input/a.txt', size: 12 },
    { source: 'oss://b/in/deep/b.txt', url: s.objects.put('/in/deep/b.txt', 'deeper\n'), path: 'input/deep/b.txt' },
  ];
  s.conn.send(startAttempt(6, 'cat input/a.txt input/deep/b.txt; echo "command stderr" >&2', { inputs }));
  t.match(await s.conn.waitForFinal(6), { state: 'SUCCEEDED' });
  t.equal(s.conn.output(6), 'hello input\ndeeper\n');
  const stderr = s.conn.output(6, 'stderr');
  const [setupPart, commandPart] = stderr.split(/(?<=\n)(?!\[batch\])/);
  t.same(
    setupPart!.split('\n').filter(Boolean).sort(),
    [
      '[batch] input oss://b/in/a.txt -> input/a.txt (12 B)',
      '[batch] input oss://b/in/deep/b.txt -> input/deep/b.txt (7 B)',
    ],
    'one line per input',
  );
  t.equal(commandPart, 'command stderr\n', "the command's stderr follows the setup lines");
  const firstSetup = s.conn.received.findIndex(
    (m) => m.kind === 'logChunk' && m.attemptId === 6 && m.stream === 'stderr',
  );
  const firstOutput = s.conn.received.findIndex(
    (m) => m.kind === 'logChunk' && m.attemptId === 6 && m.stream === 'stdout',
  );
  t.ok(firstSetup >= 0 && firstSetup < firstOutput, 'the setup lines reach the controller before any command output');
  checkNoSignature(t, s);
});

t.test('a kill during a download stops the attempt before its command', async (t) => {
  const s = await setup(t);
  s.objects.hold.add('/pkg/slow.zip');
  const pkg = {
    source: 'oss://b/slow.zip',
    url: s.objects.url('/pkg/slow.zip'),
    digest: sha256Of(Buffer.from('x')),
    size: 1,
  };
  s.conn.send(startAttempt(9, 'touch ran', { package: pkg }));
  await waitFor('the package request', () => s.objects.count('GET', '/pkg/slow.zip') === 1);
  s.conn.send({ kind: 'killAttempt', attemptId: 9, reason: 'STOPPED' });
  t.match(await s.conn.waitForFinal(9), {
    state: 'STOPPED',
    exitCode: null,
    message: 'stopped (STOPPED) before the command started',
  });
  t.equal(s.conn.statuses(9).length, 1, 'never RUNNING');
});

t.test('an input that cannot be downloaded fails with STAGE_IN_ERROR naming it and the HTTP status', async (t) => {
  const s = await setup(t);
  s.objects.failWith.set('/in/secret.txt', 403);
  const inputs = [{ source: 'oss://b/in/secret.txt', url: s.objects.url('/in/secret.txt'), path: 'secret.txt' }];
  s.conn.send(startAttempt(7, 'touch ran', { inputs }));
  const final = await s.conn.waitForFinal(7);
  t.match(final, {
    state: 'FAILED',
    failureReason: 'STAGE_IN_ERROR',
    message: 'input oss://b/in/secret.txt: download failed: HTTP 403 Forbidden',
  });
  t.match(s.conn.output(7, 'stderr'), '[batch] STAGE_IN_ERROR: input oss://b/in/secret.txt: download failed: HTTP 403');

  s.conn.send(
    startAttempt(8, 'true', {
      jobId: 'j-escape',
      inputs: [{ source: 'oss://b/x', url: s.objects.put('/x', 'x'), path: '../../x' }],
    }),
  );
  t.match(await s.conn.waitForFinal(8), {
    failureReason: 'STAGE_IN_ERROR',
    message: 'input oss://b/x: the path "../../x" would be written outside the work dir',
  });
  t.equal(s.objects.count('GET', '/x'), 0, 'refused before downloading');
  checkNoSignature(t, s);
});

const WRITE_OUTPUTS =
  'mkdir -p output/sub && printf aaa > output/a.txt && printf bb > output/sub/b.txt && printf r > result.txt';
const OUTPUTS = [
  { path: 'output/', destination: 'oss://out-bucket/output/' },
  { path: 'result.txt', destination: 'oss://out-bucket/result.txt' },
];

t.test('after success the outputs are uploaded: a directory recursively, and a file', async (t) => {
  const s = await setup(t);
  s.conn.send(startAttempt(10, WRITE_OUTPUTS, { outputs: OUTPUTS }));
  const request = await uploadRequestOf(s.conn, 10);
  t.same(request.files, [
    { path: 'output/a.txt', size: 3 },
    { path: 'output/sub/b.txt', size: 2 },
    { path: 'result.txt', size: 1 },
  ]);
  t.notOk(s.conn.final(10), 'the attempt waits for its upload URLs');
  s.conn.send(grantFor(request, s.objects));
  t.match(await s.conn.waitForFinal(10), { state: 'SUCCEEDED', exitCode: 0 });
  t.same(Object.fromEntries([...s.objects.received].map(([k, v]) => [k, v.toString()])), {
    '/out/output/a.txt': 'aaa',
    '/out/output/sub/b.txt': 'bb',
    '/out/result.txt': 'r',
  });
  const put = s.objects.requests.find((r) => r.method === 'PUT' && r.path === '/out/output/a.txt')!;
  t.equal(put.headers['content-length'], '3', 'the length is declared (presigned PUTs refuse chunked bodies)');
  t.notOk(put.headers['transfer-encoding']);
  t.match(s.conn.output(10, 'stderr'), '[batch] output output/a.txt -> oss://out-bucket/output/a.txt (3 B)');
  checkNoSignature(t, s);
});

t.test('uploadOn decides whether outputs go up after success or failure', async (t) => {
  const s = await setup(t);
  const cases: { id: number; uploadOn?: 'success' | 'failure' | 'always'; exit: number; uploads: boolean }[] = [
    { id: 11, exit: 3, uploads: false },
    { id: 12, uploadOn: 'failure', exit: 3, uploads: true },
    { id: 13, uploadOn: 'always', exit: 3, uploads: true },
    { id: 14, uploadOn: 'always', exit: 0, uploads: true },
    { id: 15, uploadOn: 'failure', exit: 0, uploads: false },
  ];
  for (const c of cases) {
    const what = `uploadOn ${c.uploadOn ?? 'default'}, exit ${c.exit}`;
    s.objects.received.clear();
    const outputs = [{ path: 'out.txt', destination: 'oss://out-bucket/out.txt' }];
    s.conn.send(
      startAttempt(c.id, `printf ${c.id} > out.txt; exit ${c.exit}`, {
        jobId: `j-${c.id}`,
        outputs,
        ...(c.uploadOn ? { uploadOn: c.uploadOn } : {}),
      }),
    );
    if (c.uploads) s.conn.send(grantFor(await uploadRequestOf(s.conn, c.id), s.objects));
    const final = await s.conn.waitForFinal(c.id);
    if (c.exit === 0) t.match(final, { state: 'SUCCEEDED' }, `${what}: SUCCEEDED`);
    else
      t.match(
        final,
        { state: 'FAILED', failureReason: 'EXIT_CODE', exitCode: c.exit },
        `${what}: the command's failure stands`,
      );
    t.equal(
      s.objects.received.get('/out/out.txt')?.toString(),
      c.uploads ? String(c.id) : undefined,
      `${what}: ${c.uploads ? 'uploaded' : 'not uploaded'}`,
    );
    if (!c.uploads) {
      t.same(uploadRequestsOf(s.conn, c.id), [], `${what}: no upload URLs asked for`);
      t.match(
        s.conn.output(c.id, 'stderr'),
        `[batch] outputs not uploaded: the command ${c.exit === 0 ? 'succeeded' : 'failed'} and uploadOn is ${c.uploadOn ?? 'success'}`,
      );
    }
  }
});

t.test('a failed PUT fails a succeeded command with STAGE_OUT_ERROR naming the destination and status', async (t) => {
  const s = await setup(t);
  s.objects.failWith.set('/out/output/sub/b.txt', 500);
  s.conn.send(startAttempt(20, WRITE_OUTPUTS, { outputs: OUTPUTS }));
  s.conn.send(grantFor(await uploadRequestOf(s.conn, 20), s.objects));
  const final = await s.conn.waitForFinal(20);
  t.match(final, {
    state: 'FAILED',
    failureReason: 'STAGE_OUT_ERROR',
    exitCode: 0,
    message:
      'output output/sub/b.txt -> oss://out-bucket/output/sub/b.txt: upload failed: HTTP 500 Internal Server Error',
  });
  t.match(s.conn.output(20, 'stderr'), `[batch] STAGE_OUT_ERROR: ${final.message}`);
  checkNoSignature(t, s);
});

t.test('a failed command keeps EXIT_CODE when its upload fails too', async (t) => {
  const s = await setup(t);
  s.objects.failWith.set('/out/out.txt', 503);
  s.conn.send(
    startAttempt(21, 'printf x > out.txt; exit 4', {
      outputs: [{ path: 'out.txt', destination: 'oss://out-bucket/out.txt' }],
      uploadOn: 'always',
    }),
  );
  s.conn.send(grantFor(await uploadRequestOf(s.conn, 21), s.objects));
  const final = await s.conn.waitForFinal(21);
  t.match(final, { state: 'FAILED', failureReason: 'EXIT_CODE', exitCode: 4 });
  t.match(
    final.message,
    /^exited with code 4; output out\.txt -> oss:\/\/out-bucket\/out\.txt: upload failed: HTTP 503/,
  );
});

t.test('a grant with an error fails the attempt with STAGE_OUT_ERROR carrying it', async (t) => {
  const s = await setup(t);
  s.conn.send(startAttempt(22, WRITE_OUTPUTS, { outputs: OUTPUTS }));
  const request = await uploadRequestOf(s.conn, 22);
  s.conn.send({
    kind: 'uploadGrant',
    attemptId: 22,
    requestId: request.requestId,
    uploads: [],
    error: 'bucket out-bucket is not writable by this job',
  });
  t.match(await s.conn.waitForFinal(22), {
    state: 'FAILED',
    failureReason: 'STAGE_OUT_ERROR',
    message: 'outputs: the controller granted no upload URLs: bucket out-bucket is not writable by this job',
  });
  t.equal(s.objects.requests.filter((r) => r.method === 'PUT').length, 0);
});

t.test('a missing file output is STAGE_OUT_ERROR naming it; an empty directory uploads nothing', async (t) => {
  const s = await setup(t);
  s.conn.send(
    startAttempt(23, 'true', { outputs: [{ path: 'report.csv', destination: 'oss://out-bucket/report.csv' }] }),
  );
  t.match(await s.conn.waitForFinal(23), {
    failureReason: 'STAGE_OUT_ERROR',
    exitCode: 0,
    message: 'output report.csv (to oss://out-bucket/report.csv) does not exist',
  });

  s.conn.send(
    startAttempt(24, 'mkdir -p output', {
      jobId: 'j-empty',
      outputs: [{ path: 'output/', destination: 'oss://out-bucket/o/' }],
    }),
  );
  t.match(await s.conn.waitForFinal(24), { state: 'SUCCEEDED' });
  t.same(uploadRequestsOf(s.conn, 24), [], 'nothing to ask URLs for');
  t.match(s.conn.output(24, 'stderr'), '[batch] outputs: no files to upload');
});

t.test('a kill while the attempt waits for upload URLs stops it', async (t) => {
  const s = await setup(t);
  s.conn.send(startAttempt(25, WRITE_OUTPUTS, { outputs: OUTPUTS }));
  await uploadRequestOf(s.conn, 25);
  s.conn.send({ kind: 'killAttempt', attemptId: 25, reason: 'STOPPED' });
  t.match(await s.conn.waitForFinal(25), {
    state: 'STOPPED',
    message: 'stopped (STOPPED) while its outputs were uploaded',
  });
  t.notOk(existsSync(join(s.dir, 'mounts', '25.json')));
});
