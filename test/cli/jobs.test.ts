import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFakeHttpServer } from '../support/fake-http-server.js';
import { instance, job, task } from '../support/api-fixtures.js';
import { EXAMPLES, runBatchctl, TOKEN } from '../support/batchctl.js';

const YAML_SPEC = `
name: helloworld
priority: 3
tasks:
  - name: hello
    command: echo "hi $BATCH_INSTANCE_INDEX"
    instances: 2
    env: { GREETING: hello }
  - name: goodbye
    dependsOn: [hello]
    command: echo bye
`;
const JSON_SPEC = JSON.stringify({
  name: 'helloworld',
  priority: 3,
  tasks: [
    { name: 'hello', command: 'echo "hi $BATCH_INSTANCE_INDEX"', instances: 2, env: { GREETING: 'hello' } },
    { name: 'goodbye', dependsOn: ['hello'], command: 'echo bye' },
  ],
});

t.test('a submit whose clientToken made a job before says it is that job (200), not a new one', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('POST /v1/jobs', { status: 200, json: job({ state: 'RUNNING' }) });
  const again = await runBatchctl(['submit', '-f', '-'], { url: server.url, stdin: `clientToken: t-1\n${YAML_SPEC}` });
  t.equal(again.code, 0, again.stderr);
  t.equal(again.stdout, 'already submitted with this clientToken: job j-1234 (helloworld, RUNNING)\n');
});

t.test('submit sends the parsed spec with the bearer token, from YAML, JSON or stdin alike', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('POST /v1/jobs', { status: 201, json: job() });
  const dir = t.testdir({ 'job.yaml': YAML_SPEC, 'job.json': JSON_SPEC });

  const fromYaml = await runBatchctl(['submit', '-f', join(dir, 'job.yaml')], { url: server.url });
  const fromJson = await runBatchctl(['submit', '--file', join(dir, 'job.json')], { url: server.url });
  const fromStdin = await runBatchctl(['submit', '-f', '-'], { url: server.url, stdin: YAML_SPEC });

  for (const result of [fromYaml, fromJson, fromStdin]) {
    t.equal(result.code, 0, result.stderr);
    t.equal(result.stdout, 'submitted job j-1234 (helloworld)\n');
  }
  const bodies = server.requestsTo('POST /v1/jobs').map((r) => JSON.parse(r.body));
  t.equal(bodies.length, 3);
  t.same(bodies[0], JSON.parse(JSON_SPEC), 'the YAML body is the same object as the JSON file');
  t.same(bodies[1], bodies[0]);
  t.same(bodies[2], bodies[0]);
  for (const request of server.requests) {
    t.equal(request.headers.authorization, `Bearer ${TOKEN}`);
    t.match(request.headers['content-type'], /^application\/json/);
  }
});

t.test('submit --json prints exactly the created job', async (t) => {
  const server = await startFakeHttpServer(t);
  const created = job({ state: 'PENDING', clientToken: 'nightly' });
  server.route('POST /v1/jobs', { status: 201, json: created });
  const dir = t.testdir({ 'job.yaml': YAML_SPEC });
  const result = await runBatchctl(['submit', '-f', join(dir, 'job.yaml'), '--json'], { url: server.url });
  t.equal(result.code, 0, result.stderr);
  t.same(JSON.parse(result.stdout), created);
});

t.test('--url and --token flags override BATCH_URL and BATCH_TOKEN', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/jobs/j-1234', { json: job() });
  const result = await runBatchctl(['--url', server.url, 'status', 'j-1234', '--token', 'flag-token', '--json'], {
    url: 'http://127.0.0.1:1',
  });
  t.equal(result.code, 0, result.stderr);
  t.equal(server.requests[0]?.headers.authorization, 'Bearer flag-token');
});

t.test('a submit file that cannot be read or parsed is a usage error, and nothing is sent', async (t) => {
  const server = await startFakeHttpServer(t);
  const dir = t.testdir({ 'bad.yaml': 'name: [unclosed\n', 'list.yaml': '- a\n- b\n' });
  const missing = await runBatchctl(['submit', '-f', join(dir, 'nope.yaml')], { url: server.url });
  t.equal(missing.code, 2);
  t.match(missing.stderr, /^batchctl: cannot read .*nope\.yaml: no such file\n$/);
  const bad = await runBatchctl(['submit', '-f', join(dir, 'bad.yaml')], { url: server.url });
  t.equal(bad.code, 2);
  t.match(bad.stderr, /bad\.yaml is not valid YAML or JSON/);
  const list = await runBatchctl(['submit', '-f', join(dir, 'list.yaml')], { url: server.url });
  t.equal(list.code, 2);
  t.match(list.stderr, /must contain one object/);
  t.equal(server.requests.length, 0);
});

t.test('the examples submit as they are', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('POST /v1/jobs', { status: 201, json: job() });
  const result = await runBatchctl(['submit', '-f', join(EXAMPLES, 'helloworld.yaml')], { url: server.url });
  t.equal(result.code, 0, result.stderr);
  const body = JSON.parse(server.requests[0]!.body);
  t.equal(body.name, 'helloworld');
  t.same(body.tasks[0], { name: 'hello', template: 'batch-hello', instances: 2 });
  t.same(body, (await import('yaml')).parse(await readFile(join(EXAMPLES, 'helloworld.yaml'), 'utf8')));
});

t.test('jobs lists every page, passing next back as cursor', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/jobs', (request) => {
    if (request.query.get('cursor') === 'page2')
      return { json: { items: [job({ id: 'j-2', name: 'second', state: 'SUCCEEDED' })] } };
    return { json: { items: [job({ id: 'j-1', name: 'first' })], next: 'page2' } };
  });
  const result = await runBatchctl(['jobs'], { url: server.url });
  t.equal(result.code, 0, result.stderr);
  t.same(
    server.requests.map((r) => r.query.get('cursor')),
    [null, 'page2'],
  );
  const lines = result.stdout.trimEnd().split('\n');
  t.equal(lines.length, 3);
  t.match(lines[0], /^ID\s+NAME\s+STATE\s+PRIORITY\s+TASKS\s+SUCCEEDED\s+CREATED$/);
  t.match(lines[1], /^j-1\s+first\s+RUNNING\s+0\s+1\s+1\/2\s+/);
  t.match(lines[2], /^j-2\s+second\s+SUCCEEDED\s+/);

  const all = await runBatchctl(['jobs', '--json'], { url: server.url });
  t.same(
    JSON.parse(all.stdout).items.map((j: { id: string }) => j.id),
    ['j-1', 'j-2'],
  );
});

t.test('jobs --limit asks for one page and --json prints it exactly, next included', async (t) => {
  const server = await startFakeHttpServer(t);
  const page = { items: [job({ id: 'j-1' })], next: 'page2' };
  server.route('GET /v1/jobs', { json: page });
  const result = await runBatchctl(['jobs', '--limit', '1', '--state', 'running', '--json'], { url: server.url });
  t.equal(result.code, 0, result.stderr);
  t.same(JSON.parse(result.stdout), page);
  t.equal(server.requests.length, 1);
  t.equal(server.requests[0]!.query.get('limit'), '1');
  t.equal(server.requests[0]!.query.get('state'), 'RUNNING');

  const everyone = await runBatchctl(['jobs', '--all', '--limit', '1'], { url: server.url });
  t.equal(server.requests[1]!.query.get('owner'), 'all', '--all asks for every user');
  t.match(everyone.stdout, /^ID\s+NAME\s+OWNER\s+STATE\s+PRIORITY/, 'and the table names the owners');

  const badState = await runBatchctl(['jobs', '--state', 'DONE'], { url: server.url });
  t.equal(badState.code, 2);
  t.match(badState.stderr, /--state: "DONE" is not one of PENDING, RUNNING/);
});

t.test('status shows the header, a task table with counts per state, and pending reasons', async (t) => {
  const server = await startFakeHttpServer(t);
  const shown = job({
    tasks: [
      task({ name: 'hello', state: 'RUNNING', instances: 3, counts: { PENDING: 2, SUCCEEDED: 1 } }),
      task({
        name: 'goodbye',
        state: 'WAITING',
        instances: 1,
        counts: { PENDING: 1 },
        dependsOn: [{ task: 'hello', on: 'success', per: 'task' }],
      }),
    ],
  });
  server.route('GET /v1/jobs/j-1234', { json: shown });
  server.route('GET /v1/jobs/j-1234/tasks/hello/instances', {
    json: {
      items: [
        instance({ index: 0, state: 'PENDING', pendingReason: 'NO_CAPACITY' }),
        instance({ index: 1, state: 'PENDING', pendingReason: 'NO_CAPACITY' }),
        instance({ index: 2, state: 'SUCCEEDED' }),
      ],
    },
  });
  server.route('GET /v1/jobs/j-1234/tasks/goodbye/instances', {
    json: { items: [instance({ index: 0, state: 'PENDING', pendingReason: 'DEPENDENCY' })] },
  });
  const result = await runBatchctl(['status', 'j-1234'], { url: server.url });
  t.equal(result.code, 0, result.stderr);
  const [header, table] = result.stdout.split('\n\n');
  t.match(header, /^job\s+j-1234\nname\s+helloworld\nstate\s+RUNNING\npriority\s+0\n/);
  t.match(header, /instances\s+PENDING 3 {2}SUCCEEDED 1 {2}\/ 4/);
  t.equal(
    table,
    [
      'TASK     STATE    INSTANCES  PENDING  SUCCEEDED  DEPENDS ON  PENDING REASONS',
      'hello    RUNNING          3        2          1  -           NO_CAPACITY 2',
      'goodbye  WAITING          1        1          0  hello       DEPENDENCY 1',
      '',
    ].join('\n'),
  );

  const json = await runBatchctl(['status', 'j-1234', '--json'], { url: server.url });
  t.same(JSON.parse(json.stdout), shown);
});

t.test('stop, restart and delete call their endpoints', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/jobs/j-1234', { json: job({ state: 'RUNNING' }) });
  server.route('POST /v1/jobs/j-1234/stop', { json: job({ state: 'STOPPING' }) });
  server.route('POST /v1/jobs/j-1234/restart', { json: job({ state: 'PENDING' }) });
  server.route('DELETE /v1/jobs/j-1234', { status: 204 });

  const stop = await runBatchctl(['stop', 'j-1234'], { url: server.url });
  t.equal(stop.stdout, 'job j-1234 STOPPING\n');
  const restart = await runBatchctl(['restart', 'j-1234', '--json'], { url: server.url });
  t.same(JSON.parse(restart.stdout), job({ state: 'PENDING' }));
  const del = await runBatchctl(['delete', 'j-1234'], { url: server.url });
  t.equal(del.stdout, 'deleted job j-1234\n');
  const delJson = await runBatchctl(['delete', 'j-1234', '--json'], { url: server.url });
  t.equal(delJson.code, 0);
  t.equal(delJson.stdout, '', 'a 204 has no JSON to print');

  t.same(
    server.requests.map((r) => `${r.method} ${r.path}`),
    [
      'GET /v1/jobs/j-1234',
      'POST /v1/jobs/j-1234/stop',
      'POST /v1/jobs/j-1234/restart',
      'DELETE /v1/jobs/j-1234',
      'DELETE /v1/jobs/j-1234',
    ],
  );
});

t.test('stop of a job that already finished says so, whatever it ended as, and succeeds', async (t) => {
  for (const state of ['SUCCEEDED', 'FAILED', 'STOPPED'] as const) {
    const server = await startFakeHttpServer(t);
    server.route('GET /v1/jobs/j-1234', { json: job({ state }) });
    const stop = await runBatchctl(['stop', 'j-1234'], { url: server.url });
    t.equal(stop.code, 0);
    t.equal(stop.stdout, `job j-1234 already ${state}; nothing to stop\n`);
    t.same(
      server.requests.map((r) => `${r.method} ${r.path}`),
      ['GET /v1/jobs/j-1234'],
      'nothing to send',
    );
  }
});
