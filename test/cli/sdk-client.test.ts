import t from 'tap';
import { createServer, type AddressInfo } from 'node:net';
import { ApiRequestError, BatchClient, ConnectionError } from '../../sdk/index.js';
import { startFakeHttpServer } from '../support/fake-http-server.js';
import { job } from '../support/api-fixtures.js';

t.test('every request carries the bearer token; a trailing slash in the URL is harmless', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/jobs/j-1', { json: job({ id: 'j-1' }) });
  const client = new BatchClient({ url: `${server.url}/`, token: 'tok' });
  t.equal((await client.getJob('j-1')).id, 'j-1');
  t.equal(server.requests[0]!.headers.authorization, 'Bearer tok');
  t.equal(client.url, server.url);
});

t.test('without a token no authorization header is sent', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /healthz', { json: { ok: true } });
  t.same(await new BatchClient({ url: server.url }).health(), { ok: true });
  t.equal(server.requests[0]!.headers.authorization, undefined);
});

t.test('listAllJobs follows next until the last page, keeping the filter', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/jobs', (request) => {
    const cursor = request.query.get('cursor');
    if (cursor === null) return { json: { items: [job({ id: 'a' }), job({ id: 'b' })], next: 'c1' } };
    if (cursor === 'c1') return { json: { items: [job({ id: 'c' })], next: 'c2' } };
    return { json: { items: [] } };
  });
  const ids: string[] = [];
  for await (const found of new BatchClient({ url: server.url, token: 'x' }).listAllJobs({
    state: 'RUNNING',
    limit: 2,
  }))
    ids.push(found.id);
  t.same(ids, ['a', 'b', 'c']);
  t.same(
    server.requests.map((r) => r.query.toString()),
    ['state=RUNNING&limit=2', 'state=RUNNING&limit=2&cursor=c1', 'state=RUNNING&limit=2&cursor=c2'],
  );
});

t.test('path segments are encoded', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/jobs/j%2F1/tasks/my%20task/instances/2', {
    json: { index: 2, state: 'PENDING', attempts: [] },
  });
  const found = await new BatchClient({ url: server.url, token: 'x' }).getInstance('j/1', 'my task', 2);
  t.equal(found.index, 2);
});

t.test('an error response becomes an ApiRequestError with the body fields', async (t) => {
  const server = await startFakeHttpServer(t);
  const details = [
    { field: 'tasks[0].instances', message: 'must be at least 1' },
    { field: 'tasks[1].name', message: 'duplicate task name "a"' },
  ];
  server.route('POST /v1/jobs', {
    status: 422,
    json: {
      error: {
        code: 'VALIDATION',
        message: 'tasks[0].instances: must be at least 1',
        field: 'tasks[0].instances',
        details,
      },
    },
  });
  const client = new BatchClient({ url: server.url, token: 'x' });
  const error = await client.submitJob({ name: 'x', tasks: [] }).catch((e: unknown) => e);
  t.ok(error instanceof ApiRequestError);
  t.match(error, {
    status: 422,
    code: 'VALIDATION',
    message: 'tasks[0].instances: must be at least 1',
    field: 'tasks[0].instances',
    details,
  });
  t.same(JSON.parse(server.requests[0]!.body), { name: 'x', tasks: [] });
});

t.test('DELETE resolves with nothing on 204', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('DELETE /v1/templates/x', { status: 204 });
  await new BatchClient({ url: server.url, token: 'x' }).deleteTemplate('x');
  t.same(server.requestsTo('DELETE /v1/templates/x').length, 1, 'a 204 resolves with nothing to read');
});

t.test('an unreachable controller is a ConnectionError naming the URL and the system error', async (t) => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const error = await new BatchClient({ url, token: 'x' }).listNodes().catch((e: unknown) => e);
  t.ok(error instanceof ConnectionError);
  t.match(error, { url, causeCode: 'ECONNREFUSED' });
  t.match((error as Error).message, `cannot reach ${url}: connect ECONNREFUSED`);
});

t.test('a custom fetch is used for every request', async (t) => {
  const seen: string[] = [];
  const fakeFetch: typeof fetch = async (input) => {
    seen.push(input instanceof Request ? input.url : input.toString());
    return new Response(JSON.stringify({ items: [] }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  const client = new BatchClient({ url: 'http://controller.test', token: 'x', fetch: fakeFetch });
  t.same(await client.listTemplates({ limit: 5 }), { items: [] });
  t.same(seen, ['http://controller.test/v1/templates?limit=5']);
});

t.test('logs yields chunks as they arrive; leaving the loop early closes the request', async (t) => {
  const server = await startFakeHttpServer(t);
  let closed!: () => void;
  const requestClosed = new Promise<void>((resolve) => (closed = resolve));
  server.route('GET /v1/jobs/j-1/tasks/a/instances/0/logs', (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('one\n');
    res.on('close', closed);
    // Never ends by itself, like a followed attempt that is still running.
  });
  const client = new BatchClient({ url: server.url, token: 'x' });
  const decoder = new TextDecoder();
  for await (const chunk of await client.logs('j-1', 'a', 0, { follow: true })) {
    t.equal(decoder.decode(chunk), 'one\n');
    break;
  }
  await requestClosed;
  t.equal(server.requests[0]!.query.get('follow'), 'true');
});
