import t from 'tap';
import { join } from 'node:path';
import { startFakeHttpServer, type FakeHttpServer } from '../support/fake-http-server.js';
import type { Teardown } from '../support/tmp.js';
import { failedAttempt, instance, job, task } from '../support/api-fixtures.js';
import { runBatchctl } from '../support/batchctl.js';

const SPEC = 'name: helloworld\ntasks:\n  - { name: hello, command: echo hi, instances: 2 }\n';

const pending = job({ state: 'PENDING', tasks: [task({ state: 'PENDING', counts: { PENDING: 2 } })] });
const running = job({ state: 'RUNNING', tasks: [task({ counts: { RUNNING: 1, SUCCEEDED: 1 } })] });
const succeeded = job({ state: 'SUCCEEDED', tasks: [task({ state: 'SUCCEEDED', counts: { SUCCEEDED: 2 } })] });
const failed = job({ state: 'FAILED', tasks: [task({ state: 'FAILED', counts: { SUCCEEDED: 1, FAILED: 1 } })] });

async function serve(t: Teardown, states: ReturnType<typeof job>[]): Promise<FakeHttpServer> {
  const server = await startFakeHttpServer(t);
  server.route('POST /v1/jobs', { status: 201, json: pending });
  server.routeSequence(
    'GET /v1/jobs/j-1234',
    states.map((json) => ({ json })),
  );
  return server;
}

t.test('submit --wait prints a line per change and exits 0 when the job SUCCEEDED', async (t) => {
  const server = await serve(t, [running, running, succeeded]);
  const dir = t.testdir({ 'job.yaml': SPEC });
  const result = await runBatchctl(['submit', '-f', join(dir, 'job.yaml'), '--wait'], { url: server.url });
  t.equal(result.code, 0, result.stderr);
  t.equal(
    result.stdout,
    [
      'submitted job j-1234 (helloworld)',
      'job j-1234 PENDING  PENDING 2 / 2',
      'job j-1234 RUNNING  RUNNING 1  SUCCEEDED 1 / 2',
      'job j-1234 SUCCEEDED  SUCCEEDED 2 / 2',
      '',
    ].join('\n'),
    'not a TTY: one line per change, none for an unchanged poll',
  );
  t.equal(server.requestsTo('GET /v1/jobs/j-1234').length, 3);
});

t.test('submit --wait exits 5 when the job FAILED, naming failure reasons with counts per failed task', async (t) => {
  const failedThree = job({ state: 'FAILED', tasks: [task({ state: 'FAILED', instances: 3, counts: { FAILED: 3 } })] });
  const server = await serve(t, [running, failedThree]);
  const ended = (index: number, failureReason: 'EXIT_CODE' | 'TIMEOUT') =>
    instance({ index, state: 'FAILED', attempts: [{ ...failedAttempt('n-1', 1), failureReason }] });
  server.route('GET /v1/jobs/j-1234/tasks/hello/instances', {
    json: { items: [ended(0, 'EXIT_CODE'), ended(1, 'TIMEOUT'), ended(2, 'EXIT_CODE')] },
  });
  const dir = t.testdir({ 'job.yaml': SPEC });
  const result = await runBatchctl(['submit', '-f', join(dir, 'job.yaml'), '--wait'], { url: server.url });
  t.equal(result.code, 5, 'FAILED has an exit code of its own');
  t.match(result.stdout, /job j-1234 FAILED {2}FAILED 3 \/ 3\n/);
  t.match(
    result.stdout,
    /task hello: FAILED 3 \(2× EXIT_CODE, 1× TIMEOUT\); see: batchctl instances j-1234 hello --attempts\n$/,
  );
  t.equal(result.stderr, 'batchctl: job j-1234 ended FAILED\n');
});

t.test('submit --wait exits 6 when the job was STOPPED; -q prints only the id on stdout', async (t) => {
  const stopped = job({ state: 'STOPPED', tasks: [task({ state: 'STOPPED', counts: { STOPPED: 2 } })] });
  const server = await serve(t, [stopped]);
  const dir = t.testdir({ 'job.yaml': SPEC });
  const result = await runBatchctl(['submit', '-f', join(dir, 'job.yaml'), '--wait', '-q'], { url: server.url });
  t.equal(result.code, 6);
  t.equal(result.stdout, 'j-1234\n', 'progress went to stderr');
  t.match(result.stderr, /job j-1234 STOPPED {2}STOPPED 2 \/ 2\n/);
});

t.test('submit --wait --json prints only the final job on stdout, progress on stderr', async (t) => {
  const server = await serve(t, [succeeded]);
  const dir = t.testdir({ 'job.yaml': SPEC });
  const result = await runBatchctl(['submit', '-f', join(dir, 'job.yaml'), '--wait', '--json'], { url: server.url });
  t.equal(result.code, 0, result.stderr);
  t.same(JSON.parse(result.stdout), succeeded);
  t.match(result.stderr, /job j-1234 SUCCEEDED/);
});

t.test('submit --follow streams the stdout of each instance that started, prefixed [task/index]', async (t) => {
  const server = await serve(t, [running, failed]);
  const done = (index: number, state: 'SUCCEEDED' | 'FAILED') =>
    instance({ index, state, attempts: [{ ...failedAttempt('n-1', state === 'FAILED' ? 3 : 0), state }] });
  server.routeSequence('GET /v1/jobs/j-1234/tasks/hello/instances', [
    { json: { items: [done(0, 'SUCCEEDED'), instance({ index: 1, state: 'RUNNING' })] } },
    { json: { items: [done(0, 'SUCCEEDED'), done(1, 'FAILED')] } },
  ]);
  server.route('GET /v1/jobs/j-1234/tasks/hello/instances/0/logs', { text: 'hello from 0\nsecond line' });
  server.route('GET /v1/jobs/j-1234/tasks/hello/instances/1/logs', { text: 'hello from 1\n' });
  const dir = t.testdir({ 'job.yaml': SPEC });
  const result = await runBatchctl(['submit', '-f', join(dir, 'job.yaml'), '--follow'], { url: server.url });
  t.equal(result.code, 5);
  t.match(result.stdout, /\[hello\/0\] hello from 0\n\[hello\/0\] second line\n(.|\n)*\[hello\/1\] hello from 1\n/);
  t.equal(
    server.requestsTo('GET /v1/jobs/j-1234/tasks/hello/instances/0/logs').length,
    1,
    'each instance printed once',
  );
  const query = server.requestsTo('GET /v1/jobs/j-1234/tasks/hello/instances/0/logs')[0]!.query;
  t.equal(query.get('stream'), 'stdout');
  t.equal(query.get('follow'), 'true', 'followed: lines come as they are written, not once the attempt ended');
  t.equal(query.get('attempt'), '1', 'the attempt that was seen, so a retry is read on its own');
});
