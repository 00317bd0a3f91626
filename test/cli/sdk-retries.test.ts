import t from 'tap';
import { ApiRequestError, BatchClient, ConnectionError } from '../../sdk/index.js';
import { startFakeHttpServer, type FakeHttpServer } from '../support/fake-http-server.js';
import { job } from '../support/api-fixtures.js';
import type { Teardown } from '../support/tmp.js';
import { backoffMs, retryAfterMs } from '../../sdk/retry.js';

/** The error a call fails with, for t.match (tap's `rejects` types want a message or a class). */
const failure = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (error: unknown) => error,
  );

const busy = { status: 503, json: { error: { code: 'INTERNAL', message: 'busy' } } };
const fast = { attempts: 4, baseMs: 1, maxMs: 5 };

t.test('a GET answered 503, 502, 504 is tried again until it succeeds', async (t) => {
  const server = await startFakeHttpServer(t);
  server.routeSequence('GET /v1/jobs/j-1', [
    busy,
    { ...busy, status: 502 },
    { ...busy, status: 504 },
    { json: job({ id: 'j-1' }) },
  ]);
  const client = new BatchClient({ url: server.url, token: 'x', retries: fast });
  t.equal((await client.getJob('j-1')).id, 'j-1');
  t.equal(server.requests.length, 4);
});

t.test('after the last attempt the last error is thrown', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/jobs/j-1', busy);
  const client = new BatchClient({ url: server.url, token: 'x', retries: { ...fast, attempts: 3 } });
  t.match(await failure(client.getJob('j-1')), { name: 'ApiRequestError', status: 503, code: 'INTERNAL' });
  t.equal(server.requests.length, 3);
});

t.test('a 429 with Retry-After is waited out; one asking longer than maxMs is thrown at once', async (t) => {
  const server = await startFakeHttpServer(t);
  let calls = 0;
  server.route('GET /v1/templates', (_request, res) => {
    if (++calls > 1) return { json: { items: [] } };
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
    res.end(JSON.stringify({ error: { code: 'TOO_MANY_REQUESTS', message: 'slow down' } }));
  });
  const client = new BatchClient({ url: server.url, token: 'x', retries: fast });
  t.same(await client.listTemplates(), { items: [] });
  t.equal(calls, 2);

  server.route('GET /v1/nodes', (_request, res) => {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3600' });
    res.end(JSON.stringify({ error: { code: 'TOO_MANY_REQUESTS', message: 'come back in an hour' } }));
  });
  t.match(await failure(client.listNodes()), { status: 429, code: 'TOO_MANY_REQUESTS' });
  t.equal(server.requestsTo('GET /v1/nodes').length, 1);
});

t.test('answers that can never succeed are not retried', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/jobs/gone', { status: 404, json: { error: { code: 'NOT_FOUND', message: 'no' } } });
  server.route('GET /v1/jobs/broken', { status: 500, json: { error: { code: 'INTERNAL', message: 'bug' } } });
  const client = new BatchClient({ url: server.url, token: 'x', retries: fast });
  t.match(await failure(client.getJob('gone')), { status: 404 });
  t.match(await failure(client.getJob('broken')), { status: 500 });
  t.equal(server.requests.length, 2);
});

t.test('a submit is retried only when its clientToken makes a resend harmless', async (t) => {
  const server = await startFakeHttpServer(t);
  server.routeSequence('POST /v1/jobs', [busy, { status: 201, json: job({ id: 'j-1' }) }]);
  const client = new BatchClient({ url: server.url, token: 'x', retries: fast });
  t.match(await failure(client.submitJob({ name: 'once', tasks: [{ name: 'a', command: 'true' }] })), { status: 503 });
  t.equal(server.requests.length, 1, 'without a clientToken: sent once');

  server.routeSequence('POST /v1/jobs', [busy, { status: 201, json: job({ id: 'j-2' }) }]);
  const spec = { name: 'safe', clientToken: 'nightly-1', tasks: [{ name: 'a', command: 'true' }] };
  t.equal((await client.submitJob(spec)).id, 'j-2');
  t.equal(server.requests.length, 3, 'with one: sent again');
  t.same(JSON.parse(server.requests[2]!.body), spec, 'the same body both times');
});

t.test('a POST that acts each time (restart) is not retried; one that sets a state (stop) is', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('POST /v1/jobs/j-1/restart', busy);
  server.routeSequence('POST /v1/jobs/j-1/stop', [busy, { json: job({ id: 'j-1', state: 'STOPPING' }) }]);
  const client = new BatchClient({ url: server.url, token: 'x', retries: fast });
  t.match(await failure(client.restartJob('j-1')), { status: 503 });
  t.equal((await client.stopJob('j-1')).state, 'STOPPING');
  t.same(
    server.requests.map((r) => r.path),
    ['/v1/jobs/j-1/restart', '/v1/jobs/j-1/stop', '/v1/jobs/j-1/stop'],
  );
});

t.test('retries: false, on the client or on one call, sends once', async (t) => {
  const server = await startFakeHttpServer(t);
  server.routeSequence('GET /v1/jobs/j-1', [busy, { json: job({ id: 'j-1' }) }]);
  const off = new BatchClient({ url: server.url, token: 'x', retries: false });
  t.match(await failure(off.getJob('j-1')), { status: 503 });
  t.equal(server.requests.length, 1);

  server.routeSequence('GET /v1/jobs/j-1', [busy, { json: job({ id: 'j-1' }) }]);
  const on = new BatchClient({ url: server.url, token: 'x', retries: fast });
  t.match(await failure(on.getJob('j-1', { retries: false })), { status: 503 });
  t.equal((await on.getJob('j-1', { retries: { attempts: 2 } })).id, 'j-1');
});

t.test('a refused connection is retried: a controller that comes up in between answers', async (t) => {
  const { server, port } = await notYetListening(t);
  server.route('GET /v1/jobs/j-1', { json: job({ id: 'j-1' }) });
  let tries = 0;
  const client = new BatchClient({
    url: `http://127.0.0.1:${port}`,
    token: 'x',
    retries: fast,
    // The server starts listening only after the first try was refused.
    fetch: async (input, init) => {
      if (++tries === 2) await server.listen(port);
      return fetch(input, init);
    },
  });
  t.equal((await client.getJob('j-1')).id, 'j-1');
  t.equal(tries, 2);
  t.equal(server.requests.length, 1);
});

t.test('a refused connection is not retried for a POST without clientToken', async (t) => {
  const url = `http://127.0.0.1:${(await notYetListening(t)).port}`;
  let tries = 0;
  const client = new BatchClient({
    url,
    token: 'x',
    retries: fast,
    fetch: (input, init) => {
      tries++;
      return fetch(input, init);
    },
  });
  const error = await client.createToken({ name: 't' }).catch((e: unknown) => e);
  t.ok(error instanceof ConnectionError);
  t.equal(tries, 1);
  const again = await client.getJob('j-1').catch((e: unknown) => e);
  t.ok(again instanceof ConnectionError, 'a GET still fails in the end, as a ConnectionError');
  t.notOk(again instanceof ApiRequestError);
  t.equal(tries, 1 + fast.attempts);
});

t.test('bad retry settings are refused when the client is made', async (t) => {
  t.throws(() => new BatchClient({ url: 'http://x', retries: { attempts: -1 } }), {
    name: 'RangeError',
    message: /retries\.attempts: must be a number >= 0/,
  });
});

t.test('backoff grows exponentially up to maxMs, with full jitter; Retry-After reads seconds and dates', async (t) => {
  const policy = { attempts: 10, baseMs: 100, maxMs: 1000 };
  t.same(
    [1, 2, 3, 4, 5].map((n) => backoffMs(policy, n, () => 1)),
    [100, 200, 400, 800, 1000],
  );
  t.equal(
    backoffMs(policy, 3, () => 0),
    0,
  );
  t.equal(
    backoffMs(policy, 3, () => 0.5),
    200,
  );
  t.equal(retryAfterMs('7'), 7000);
  t.equal(retryAfterMs(null), undefined);
  t.equal(retryAfterMs('soon'), undefined);
  const now = Date.parse('2026-11-30T00:00:00Z');
  t.equal(retryAfterMs('Mon, 30 Nov 2026 00:00:03 GMT', now), 3000);
});

/** A server that is not listening yet, and the port it will listen on when told to. */
async function notYetListening(t: Teardown): Promise<{ server: FakeHttpServer; port: number }> {
  const server = await startFakeHttpServer(t);
  const port = Number(new URL(server.url).port);
  await server.close();
  return { server, port };
}
