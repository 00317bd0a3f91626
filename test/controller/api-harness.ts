/** The HTTP app over a real embedded database, called with `app.request()`: no sockets. */
import { openDatabase, type Database } from '../../controller/db/client.js';
import { bootstrap } from '../../controller/bootstrap.js';
import { readConfig } from '../../controller/config.js';
import { SessionRegistry } from '../../controller/gateway/registry.js';
import { EventHub } from '../../controller/events/hub.js';
import { createApp } from '../../controller/http/app.js';
import { silentLogger, type Logger } from '../../controller/log.js';
import { LogBus } from '../../controller/logs/bus.js';
import { createMetrics } from '../../controller/metrics/instruments.js';
import { registerStateGauges } from '../../controller/metrics/state-gauges.js';
import { schedulingPass } from '../../controller/scheduler/pass.js';
import { LocalObjectStore } from '../../controller/storage/local-store.js';
import { tmpDir, type Teardown } from '../support/tmp.js';

export const ADMIN = 'bat_api-test-admin-token-000000';

export interface Api {
  store: Database;
  events: EventHub;
  objects: LocalObjectStore;
  wakes: string[];
  /** The app as a `fetch` (for a BatchClient's `fetch` option): no socket. */
  fetch: typeof fetch;
  request(
    method: string,
    path: string,
    body?: unknown,
    token?: string | null,
    // The one `any` of the suite: tests reach into whatever JSON came back and assert on it.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; body: any; text: string }>;
  /** A GET whose response is returned unread (a stream to follow). */
  open(path: string, token?: string, headers?: Record<string, string>): Promise<Response>;
  /** A request with a raw (non-JSON) body and extra headers. */
  rawRequest(
    method: string,
    path: string,
    body?: string,
    token?: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; text: string }>;
}

/** Over the embedded PGlite, or over PostgreSQL when `databaseUrl` is given. */
export async function makeApi(
  t: Teardown & { teardown(fn: () => unknown): void },
  options: { databaseUrl?: string; log?: Logger; metricsToken?: string; env?: Record<string, string> } = {},
): Promise<Api> {
  const dataDir = tmpDir(t, 'batch-api-');
  const store = await openDatabase({ dataDir, ...(options.databaseUrl ? { url: options.databaseUrl } : {}) });
  t.teardown(() => store.close());
  await bootstrap(store, { ...readConfig({ BATCH_DATA_DIR: dataDir, BATCH_LOCAL_NODES: '0' }), adminToken: ADMIN });
  const wakes: string[] = [];
  const objects = new LocalObjectStore(dataDir, () => 'http://controller.test', 1024 * 1024 * 1024);
  const pass = schedulingPass({
    store,
    connectedNodes: () => new Set(),
    delivery: { starts: async () => {}, kills: () => {} },
  });
  const metrics = createMetrics();
  const registry = new SessionRegistry();
  registerStateGauges(metrics, { store, connectedAgents: () => registry.connected().size });
  const config = readConfig({ BATCH_DATA_DIR: dataDir, ...options.env });
  const events = new EventHub(store, { ...config.events, log: silentLogger });
  await events.start();
  t.teardown(() => events.stop());
  const app = createApp({
    metrics,
    store,
    objects,
    registry,
    logBus: new LogBus(),
    events,
    log: options.log ?? silentLogger,
    ...(options.metricsToken ? { metricsToken: options.metricsToken } : {}),
    defaultEnvironment: 'local',
    // No loop runs here: wakes are recorded, and a command that waits for a pass gets one real
    // pass over the store (no node is connected, so nothing is placed or sent).
    scheduler: {
      wake: (reason) => wakes.push(reason),
      settle: async (reason, jobs = 'all') => {
        wakes.push(reason);
        await pass({ reasons: [reason], reconcile: jobs, wokenAt: Date.now() });
      },
    },
  });
  return {
    store,
    events,
    objects,
    wakes,
    fetch: async (input, init) => app.request(input instanceof Request ? input : String(input), init),
    open: async (path, token = ADMIN, headers = {}) =>
      app.request(path, { headers: { authorization: `Bearer ${token}`, ...headers } }),
    async rawRequest(method, path, body, token = ADMIN, headers = {}) {
      const res = await app.request(path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...headers },
        ...(body !== undefined ? { body } : {}),
      });
      return { status: res.status, text: await res.text() };
    },
    async request(method, path, body, token = ADMIN) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let payload: string | undefined;
      if (body !== undefined) {
        payload = typeof body === 'string' ? body : JSON.stringify(body);
        headers['content-type'] = 'application/json';
      }
      const res = await app.request(path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed, text };
    },
  };
}
