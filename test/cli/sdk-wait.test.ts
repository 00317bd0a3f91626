import t from 'tap';
import type { ServerResponse } from 'node:http';
import { ApiRequestError, BatchClient, WaitTimeoutError, type Job } from '../../sdk/index.js';
import { startFakeHttpServer, type FakeHttpServer } from '../support/fake-http-server.js';
import { job } from '../support/api-fixtures.js';
import type { Teardown } from '../support/tmp.js';

/** A controller whose job is in `state` until the test changes it, and whose events the test sends. */
async function jobServer(t: Teardown, state: Job['state']) {
  const server = await startFakeHttpServer(t);
  const current = { state };
  server.route('GET /v1/jobs/j-1', () => ({ json: job({ id: 'j-1', state: current.state }) }));
  return { server, current };
}

/** Serves `/v1/events` as a stream the test writes to; resolves with its response once opened. */
function eventStream(server: FakeHttpServer): Promise<ServerResponse> {
  return new Promise((resolve) => {
    server.route('GET /v1/events', (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: open\ndata: ${JSON.stringify({ after: 0 })}\n\n`);
      resolve(res);
    });
  });
}

const NEVER = 600_000;

t.test('an event wakes the waiter: it resolves with the finished job, reporting each change', async (t) => {
  const { server, current } = await jobServer(t, 'PENDING');
  const opened = eventStream(server);
  const client = new BatchClient({ url: server.url, token: 'x' });
  const seen: string[] = [];
  const reached = new Map<string, () => void>();
  const seenIn = (state: string) => new Promise<void>((resolve) => reached.set(state, resolve));
  const isPending = seenIn('PENDING');
  const isRunning = seenIn('RUNNING');
  // No poll in this test's lifetime: only the events can end the wait.
  const waiting = client.waitForJob('j-1', {
    pollMs: NEVER,
    onProgress: (j) => {
      seen.push(j.state);
      reached.get(j.state)?.();
    },
  });
  const stream = await opened;
  await isPending;
  t.equal(server.requestsTo('GET /v1/events')[0]!.query.get('job'), 'j-1');
  t.equal(server.requestsTo('GET /v1/events')[0]!.query.get('kind'), 'job,task');
  current.state = 'RUNNING';
  stream.write(`id: 1\nevent: job\ndata: ${JSON.stringify({ id: 1, kind: 'job', job: 'j-1', state: 'RUNNING' })}\n\n`);
  await isRunning;
  current.state = 'SUCCEEDED';
  stream.write(
    `id: 2\nevent: job\ndata: ${JSON.stringify({ id: 2, kind: 'job', job: 'j-1', state: 'SUCCEEDED' })}\n\n`,
  );
  t.equal((await waiting).state, 'SUCCEEDED');
  t.same(seen, ['PENDING', 'RUNNING', 'SUCCEEDED']);
});

t.test('without events (an older controller) the poll alone finishes the wait', async (t) => {
  const server = await startFakeHttpServer(t);
  server.routeSequence('GET /v1/jobs/j-1', [
    { json: job({ id: 'j-1', state: 'RUNNING' }) },
    { json: job({ id: 'j-1', state: 'RUNNING' }) },
    { json: job({ id: 'j-1', state: 'FAILED' }) },
  ]);
  const client = new BatchClient({ url: server.url, token: 'x' });
  t.equal((await client.waitForJob('j-1', { pollMs: 5 })).state, 'FAILED');
  t.equal(server.requestsTo('GET /v1/jobs/j-1').length, 3);
});

t.test('a wait that runs out throws WaitTimeoutError naming the job and its last state', async (t) => {
  const { server } = await jobServer(t, 'RUNNING');
  const client = new BatchClient({ url: server.url, token: 'x' });
  const error = await client.waitForJob('j-1', { timeoutMs: 50, pollMs: 10 }).catch((e: unknown) => e);
  t.ok(error instanceof WaitTimeoutError, String(error));
  t.match(error, { jobId: 'j-1', lastState: 'RUNNING', timeoutMs: 50 });
  t.equal((error as Error).message, 'job j-1 did not finish within 50 ms; it was last seen RUNNING');
});

t.test('until: the wait ends as soon as the job meets it', async (t) => {
  const { server } = await jobServer(t, 'RUNNING');
  const client = new BatchClient({ url: server.url, token: 'x' });
  const found = await client.waitForJob('j-1', { pollMs: NEVER, until: (j) => j.state === 'RUNNING' });
  t.equal(found.state, 'RUNNING');
});

t.test('a job that is gone ends the wait with the API error; an abort with the AbortError', async (t) => {
  const { server } = await jobServer(t, 'RUNNING');
  server.route('GET /v1/jobs/j-2', {
    status: 404,
    json: { error: { code: 'NOT_FOUND', message: 'job "j-2" not found' } },
  });
  const client = new BatchClient({ url: server.url, token: 'x' });
  const gone = await client.waitForJob('j-2').catch((e: unknown) => e);
  t.ok(gone instanceof ApiRequestError);
  t.match(gone, { status: 404, code: 'NOT_FOUND' });

  const controller = new AbortController();
  const waiting = client.waitForJob('j-1', {
    signal: controller.signal,
    pollMs: NEVER,
    onProgress: () => controller.abort(),
  });
  t.equal(((await waiting.catch((e: unknown) => e)) as Error).name, 'AbortError');
});
