import t from 'tap';
import { setTimeout as delay } from 'node:timers/promises';
import { BatchClient, RequestTimeoutError } from '../../sdk/index.js';
import { startFakeHttpServer } from '../support/fake-http-server.js';
import { job } from '../support/api-fixtures.js';

t.test('a call that gets no answer within timeoutMs throws RequestTimeoutError naming the request', async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/jobs/j-1', () => {
    // Never answers, like a controller stuck behind a black-holed network.
  });
  const client = new BatchClient({ url: server.url, token: 'x', timeoutMs: 50 });
  const error = await client.getJob('j-1').catch((e: unknown) => e);
  t.ok(error instanceof RequestTimeoutError, String(error));
  t.match(error, { method: 'GET', url: `${server.url}/v1/jobs/j-1`, timeoutMs: 50 });
  t.match((error as Error).message, `GET ${server.url}/v1/jobs/j-1: no answer within 50 ms`);
});

t.test("a call's timeoutMs overrides the client's; 0 means no limit", async (t) => {
  const server = await startFakeHttpServer(t);
  let answer!: () => void;
  server.route('GET /v1/jobs/slow', (_request, res) => {
    answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(job({ id: 'slow' })));
  });
  const client = new BatchClient({ url: server.url, token: 'x' });
  t.ok((await client.getJob('slow', { timeoutMs: 30 }).catch((e: unknown) => e)) instanceof RequestTimeoutError);

  const limited = new BatchClient({ url: server.url, token: 'x', timeoutMs: 30 });
  const pending = limited.getJob('slow', { timeoutMs: 0 });
  // Past the client's limit, then the answer: the call's "no limit" held.
  await delay(100);
  answer();
  t.equal((await pending).id, 'slow');
});

t.test("the caller's abort is an AbortError, not a timeout", async (t) => {
  const server = await startFakeHttpServer(t);
  server.route('GET /v1/jobs/j-1', () => undefined);
  const client = new BatchClient({ url: server.url, token: 'x', timeoutMs: 60_000 });
  const controller = new AbortController();
  const pending = client.getJob('j-1', { signal: controller.signal }).catch((e: unknown) => e);
  controller.abort();
  const error = await pending;
  t.notOk(error instanceof RequestTimeoutError);
  t.equal((error as Error).name, 'AbortError');
});

t.test('an abort during the wait between retries ends the call at once', async (t) => {
  const server = await startFakeHttpServer(t);
  let answered!: () => void;
  const firstAnswer = new Promise<void>((resolve) => (answered = resolve));
  server.route('GET /v1/jobs/j-1', (_request, res) => {
    res.on('finish', answered);
    return { status: 503, json: { error: { code: 'INTERNAL', message: 'busy' } } };
  });
  const controller = new AbortController();
  const client = new BatchClient({
    url: server.url,
    token: 'x',
    retries: { attempts: 5, baseMs: 60_000, maxMs: 60_000 },
  });
  const pending = client.getJob('j-1', { signal: controller.signal }).catch((e: unknown) => e);
  await firstAnswer;
  controller.abort();
  t.equal(((await pending) as Error).name, 'AbortError');
  t.equal(server.requests.length, 1);
});

t.test('the time limit of a stream covers only its start: a followed log may outlast it', async (t) => {
  const server = await startFakeHttpServer(t);
  let finish!: () => void;
  server.route('GET /v1/jobs/j-1/tasks/a/instances/0/logs', (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('one\n');
    finish = () => res.end('two\n');
  });
  // Room for a loaded machine to answer the start; the rest comes well after the limit.
  const client = new BatchClient({ url: server.url, token: 'x', timeoutMs: 1000 });
  const chunks = await client.logs('j-1', 'a', 0, { follow: true });
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of chunks) {
    text += decoder.decode(chunk);
    // Let the limit pass before the rest comes.
    if (text === 'one\n') void delay(1500).then(finish);
  }
  t.equal(text, 'one\ntwo\n');
});

t.test('a bad timeoutMs is refused before anything is sent', async (t) => {
  const server = await startFakeHttpServer(t);
  const client = new BatchClient({ url: server.url, token: 'x' });
  await t.rejects(client.getJob('j-1', { timeoutMs: -1 }), { name: 'RangeError', message: /timeoutMs: must be/ });
  t.equal(server.requests.length, 0);
});
