import t from 'tap';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startFakeHttpServer } from '../support/fake-http-server.js';
import { runBatchctl } from '../support/batchctl.js';

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

t.test('an unreachable controller: exit 3, naming the URL and the cause', async (t) => {
  const url = `http://127.0.0.1:${await closedPort()}`;
  const result = await runBatchctl(['jobs'], { url });
  t.equal(result.code, 3);
  t.equal(
    result.stderr,
    `batchctl: cannot reach the controller at ${url}: connection refused (is batch-controller running? set BATCH_URL)\n`,
  );
  t.equal(result.stdout, '');
});

t.test('a rejected token: exit 4', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/nodes', {
    status: 401,
    json: { error: { code: 'UNAUTHENTICATED', message: 'invalid token' } },
  });
  const result = await runBatchctl(['nodes'], { url: server.url });
  t.equal(result.code, 4);
  t.equal(
    result.stderr,
    "batchctl: the controller rejected the token (set BATCH_TOKEN to a token from 'make run' or 'batchctl tokens create')\n",
  );
});

t.test('no token at all: exit 4 before any request', async (t) => {
  const server = await startFakeHttpServer(t);
  const result = await runBatchctl(['jobs'], { url: server.url, token: null });
  t.equal(result.code, 4);
  t.match(result.stderr, /^batchctl: no API token: set BATCH_TOKEN \(or pass --token\)/);
  t.equal(server.requests.length, 0);
});

t.test('an API error: exit 1 with its message, its field, and every further problem', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('POST /v1/compute-environments', {
    status: 409,
    json: { error: { code: 'QUOTA_EXCEEDED', message: 'compute environments quota is 10, 10 in use', field: 'name' } },
  });
  server.route('POST /v1/jobs', {
    status: 422,
    json: {
      error: {
        code: 'VALIDATION',
        message: 'tasks[0].command: must not be empty',
        field: 'tasks[0].command',
        details: [
          { field: 'tasks[0].command', message: 'must not be empty' },
          { field: 'tasks[1].instances', message: 'must be at least 1' },
        ],
      },
    },
  });
  const quota = await runBatchctl(['envs', 'create', 'pool'], { url: server.url });
  t.equal(quota.code, 1);
  t.equal(quota.stderr, 'batchctl: compute environments quota is 10, 10 in use (field: name)\n');

  const dir = t.testdir({ 'job.yaml': 'name: x\ntasks: [{ name: a }]\n' });
  const invalid = await runBatchctl(['submit', '-f', `${dir}/job.yaml`], { url: server.url });
  t.equal(invalid.code, 1);
  t.equal(invalid.stderr, 'batchctl: tasks[0].command: must not be empty\n  tasks[1].instances: must be at least 1\n');
});

t.test('a non-API error body (a proxy page) still gives one clear line', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/nodes', { status: 502, text: '<html>Bad Gateway</html>' });
  const result = await runBatchctl(['nodes'], { url: server.url });
  t.equal(result.code, 1);
  t.equal(result.stderr, 'batchctl: HTTP 502 Bad Gateway: <html>Bad Gateway</html>\n');
});

t.test('usage errors exit 2', async (t) => {
  for (const args of [
    ['frobnicate'],
    ['logs', 'j-1', 'hello', 'two'],
    ['envs', 'scale', 'pool', '-1'],
    ['submit'],
    ['jobs', '--limit', '0'],
    [],
  ]) {
    const result = await runBatchctl(args, { url: 'http://127.0.0.1:1' });
    t.equal(result.code, 2, `batchctl ${args.join(' ')}: ${result.stderr}`);
    t.notMatch(result.stderr, /\n\s+at /, 'no stack trace');
  }
  const help = await runBatchctl(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /Exit codes:/);
});

t.test('oss cp refuses what it cannot copy with a usage error', async (t) => {
  for (const [args, why] of [
    [['oss', 'cp', 'a.txt', 'b.txt'], /exactly one of SRC and DST/],
    [['oss', 'cp', 'oss://b/a', 'oss://b/c'], /exactly one of SRC and DST/],
    [['oss', 'cp', '/nonexistent/file', 'oss://bucket/a.txt'], /is not a file/],
    [['oss', 'ls', 'http://x/y'], /not an oss:\/\/ URL/],
  ] as const) {
    const result = await runBatchctl(args, { url: 'http://127.0.0.1:1' });
    t.equal(result.code, 2, args.join(' '));
    t.match(result.stderr, why);
    t.equal(result.stdout, '');
  }
});
