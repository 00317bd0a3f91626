/**
 * Every BatchClient method reaches a route the controller serves: called against the real app,
 * none may get the router's "no route" 404 (a 404 for a missing resource is fine). The methods
 * are enumerated from the class prototype, so a method added later is called too.
 */
import t from 'tap';
import { BatchClient } from '../../sdk/client.js';
import { ADMIN, makeApi } from './api-harness.js';

/** Arguments for the methods that a plain `'x'` cannot reach the network with. */
const ARGUMENTS: Record<string, unknown[]> = {
  listObjects: ['oss://bucket/key'],
  putObject: ['oss://bucket/key', 'data'],
  getObject: ['oss://bucket/key'],
  // up to the present, then the iterator ends (following would wait for events for ever)
  events: [{ follow: false, since: 0 }],
};

/** A method that neither answers nor fails in this long is reported, not waited for (streams). */
const METHOD_TIMEOUT_MS = 15_000;

t.test('no SDK method calls a route the controller does not have', async (t) => {
  const api = await makeApi(t);
  const requests: { method: string; path: string; status: number; noRoute: boolean }[] = [];
  const client = new BatchClient({
    url: 'http://controller.test',
    token: ADMIN,
    fetch: async (input, init) => {
      const res = await api.fetch(input, init);
      // only a 404 can be the router's; other bodies may be streams that never end (events)
      const text = res.status === 404 ? await res.clone().text() : '';
      const url = new URL(input instanceof Request ? input.url : String(input));
      requests.push({
        method: init?.method ?? 'GET',
        path: url.pathname,
        status: res.status,
        noRoute: res.status === 404 && text.includes('"no route '),
      });
      return res;
    },
  });
  const methods = Object.getOwnPropertyNames(BatchClient.prototype).filter(
    (name) =>
      name !== 'constructor' &&
      typeof Object.getOwnPropertyDescriptor(BatchClient.prototype, name)?.value === 'function',
  );
  t.ok(methods.length > 40, `${methods.length} methods`);
  const received: unknown[] = [];
  for (const name of methods) {
    const before = requests.length;
    const fn = (client as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
    const call = async () => {
      const result = fn.apply(client, ARGUMENTS[name] ?? ['x', 'x', 0]);
      // Generators (listAll*, events) request only when iterated; streams are read and dropped.
      if (result && typeof result === 'object' && Symbol.asyncIterator in result)
        await (result as unknown as AsyncIterator<unknown>).next();
      else {
        const value = await result;
        if (value && typeof value === 'object' && Symbol.asyncIterator in value)
          for await (const chunk of value as AsyncIterable<unknown>) received.push(chunk);
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      call().then(
        () => 'answered',
        // Refusals (404 for a missing resource, 422 for a dummy body) are fine: the route exists.
        () => 'refused',
      ),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('hung'), METHOD_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    t.not(outcome, 'hung', `${name} answered or failed within ${METHOD_TIMEOUT_MS / 1000} s`);
    const made = requests.slice(before);
    t.ok(made.length > 0, `${name} made a request`);
    for (const r of made) t.notOk(r.noRoute, `${name}: ${r.method} ${r.path} is served (${r.status})`);
  }
});
