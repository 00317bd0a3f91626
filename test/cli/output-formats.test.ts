import t from 'tap';
import { parse } from 'yaml';
import { startFakeHttpServer } from '../support/fake-http-server.js';
import { failedAttempt, instance, job } from '../support/api-fixtures.js';
import { runBatchctl } from '../support/batchctl.js';

const page = { items: [job({ id: 'j-1', name: '渲染任务-夜间批处理' }), job({ id: 'j-2' })] };

t.test('-o json is --json, -o yaml the same document, -q the ids, -o wide more columns', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/jobs', { json: page });
  const run = (...args: string[]) => runBatchctl(['jobs', ...args], { url: server.url });
  const [json, dashO, yaml, quiet, wide, table] = await Promise.all([
    run('--json'),
    run('-o', 'json'),
    run('--output', 'yaml'),
    run('-q'),
    run('-o', 'wide'),
    run(),
  ]);
  t.same(JSON.parse(json.stdout), page);
  t.equal(dashO.stdout, json.stdout);
  t.same(parse(yaml.stdout), page);
  t.equal(quiet.stdout, 'j-1\nj-2\n');
  t.match(table.stdout, /^ID\s+NAME\s+STATE\s+PRIORITY\s+TASKS\s+SUCCEEDED\s+CREATED\n/);
  t.match(
    wide.stdout,
    /^ID\s+NAME\s+OWNER\s+STATE\s+PRIORITY\s+TASKS\s+SUCCEEDED\s+FAILED\s+CREATED\s+STARTED\s+ENDED\s+INSTANCES\n/,
  );
  t.notOk(table.stdout.includes('…'), 'not a terminal: nothing is cut');
  for (const r of [json, dashO, yaml, quiet, wide, table]) t.equal(r.code, 0, r.stderr);
});

t.test('a bad -o names the flag and the allowed values; contradictions are usage errors', async (t) => {
  const bad = await runBatchctl(['jobs', '-o', 'xml'], { url: 'http://127.0.0.1:9' });
  t.equal(bad.code, 2);
  t.match(
    bad.stderr,
    /^batchctl: option '-o, --output <FORMAT>'.*'xml' is invalid\. Allowed choices are table, wide, json, yaml/,
  );
  const both = await runBatchctl(['jobs', '--json', '-o', 'yaml'], { url: 'http://127.0.0.1:9' });
  t.equal(both.code, 2);
  t.equal(both.stderr, 'batchctl: --json and -o yaml disagree: give one of them\n');
  const quietJson = await runBatchctl(['jobs', '-q', '-o', 'json'], { url: 'http://127.0.0.1:9' });
  t.equal(quietJson.code, 2);
});

t.test('submit -q prints only the new job id', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('POST /v1/jobs', { status: 201, json: job({ id: 'j-77' }) });
  const dir = t.testdir({ 'job.yaml': 'name: x\ntasks: [{ name: a, command: "true" }]\n' });
  const result = await runBatchctl(['submit', '-f', `${dir}/job.yaml`, '-q'], { url: server.url });
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, 'j-77\n');
});

t.test('jobs filters become the query: states repeated or comma-separated, name, owner, since', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/jobs', { json: { items: [] } });
  const before = Date.now();
  const result = await runBatchctl(
    ['jobs', '--state', 'running,Pending', '--state', 'FAILED', '--name', 'nightly', '--owner', 'bob', '--since', '2h'],
    { url: server.url },
  );
  const after = Date.now();
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, 'No jobs.\n');
  const query = server.requestsTo('GET /v1/jobs')[0]!.query;
  t.equal(query.get('state'), 'RUNNING,PENDING,FAILED');
  t.equal(query.get('name'), 'nightly');
  t.equal(query.get('owner'), 'bob');
  const since = Date.parse(query.get('since')!);
  t.ok(since >= before - 7_200_000 && since <= after - 7_200_000, 'two hours before the CLI ran, as an ISO time');

  const iso = await runBatchctl(['jobs', '--since', '2026-11-30T02:00:00Z'], { url: server.url });
  t.equal(iso.code, 0);
  t.equal(server.requestsTo('GET /v1/jobs')[1]!.query.get('since'), '2026-11-30T02:00:00.000Z');
  const bad = await runBatchctl(['jobs', '--since', 'yesterday'], { url: server.url });
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--since.*must be a duration such as 30m, 2h or 7d, or an ISO time/);
  const both = await runBatchctl(['jobs', '-A', '--owner', 'bob'], { url: server.url });
  t.equal(both.code, 2);
});

t.test('instances --attempts shows every attempt with its node, exit code, reason and duration', async (t) => {
  const server = await startFakeHttpServer(t);
  const first = {
    ...failedAttempt('n-1', 3),
    startedAt: '2026-11-27T10:00:00.000Z',
    endedAt: '2026-11-27T10:01:05.000Z',
  };
  const second = {
    ...failedAttempt('n-2', 0),
    attempt: 2,
    state: 'SUCCEEDED' as const,
    failureReason: null,
    startedAt: '2026-11-27T10:02:00.000Z',
    endedAt: '2026-11-27T10:02:42.000Z',
  };
  server.route('GET /v1/jobs/j-1/tasks/hello/instances', {
    json: { items: [instance({ index: 0, state: 'SUCCEEDED', attempts: [first, second] })] },
  });
  const result = await runBatchctl(['instances', 'j-1', 'hello', '--attempts'], { url: server.url });
  t.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  t.match(lines[0], /^INDEX\s+ATTEMPT\s+NODE\s+STATE\s+EXIT\s+FAILURE\s+STARTED\s+ENDED\s+DURATION$/);
  t.match(lines[1], /^\s*0\s+1\s+n-1\s+FAILED\s+3\s+EXIT_CODE\s+.*\s+1m05s$/);
  t.match(lines[2], /^\s*0\s+2\s+n-2\s+SUCCEEDED\s+0\s+.*\s+42s$/);
  t.equal(lines.length, 3);
});
