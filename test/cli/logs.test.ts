import t from 'tap';
import { startFakeHttpServer } from '../support/fake-http-server.js';
import { runBatchctl, startBatchctl } from '../support/batchctl.js';

const LOGS = 'GET /v1/jobs/j-1234/tasks/hello/instances/3/logs';

t.test('logs -f prints each chunk as it arrives and ends when the server ends the stream', async (t) => {
  const server = await startFakeHttpServer(t);
  let releaseSecondChunk!: () => void;
  const secondChunkAllowed = new Promise<void>((resolve) => (releaseSecondChunk = resolve));
  server.route(LOGS, async (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.write('first line\n');
    await secondChunkAllowed;
    res.end('second line\n');
  });

  const cli = startBatchctl(['logs', 'j-1234', 'hello', '3', '-f', '--stderr', '--attempt', '2'], { url: server.url });
  t.teardown(() => cli.kill());
  // The first chunk must show while the response is still open: the CLI streams, not buffers.
  await cli.waitForStdout('first line\n');
  t.notOk(cli.stdout.includes('second line'));
  releaseSecondChunk();
  const result = await cli.exited;
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, 'first line\nsecond line\n');

  const query = server.requests[0]!.query;
  t.equal(query.get('follow'), 'true');
  t.equal(query.get('stream'), 'stderr');
  t.equal(query.get('attempt'), '2');
});

t.test('logs defaults to instance 0, stdout, the latest attempt and no follow', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/jobs/j-1234/tasks/hello/instances/0/logs', { text: 'bytes \u00e9 as written' });
  const result = await runBatchctl(['logs', 'j-1234', 'hello'], { url: server.url });
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, 'bytes \u00e9 as written');
  const query = server.requests[0]!.query;
  t.same([...query.entries()], [['stream', 'stdout']]);
});

t.test('logs of an unknown instance fails with the API message', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route(LOGS, {
    status: 404,
    json: { error: { code: 'NOT_FOUND', message: 'instance 3 of task "hello" not found' } },
  });
  const result = await runBatchctl(['logs', 'j-1234', 'hello', '3'], { url: server.url });
  t.equal(result.code, 1);
  t.equal(result.stderr, 'batchctl: instance 3 of task "hello" not found\n');
});
