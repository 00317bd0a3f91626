/**
 * /metrics, /healthz and /readyz through the app: who may scrape, what the exposition holds
 * after a submit, and labels that carry route patterns, never ids. On PGlite and PostgreSQL.
 */
import t from 'tap';
import { readConfig } from '../../controller/config.js';
import { readinessCheck } from '../../controller/health/readiness.js';
import { healthRoutes } from '../../controller/http/health.js';
import { createMetrics } from '../../controller/metrics/instruments.js';
import { boundedEnvironments, registerStateGauges } from '../../controller/metrics/state-gauges.js';
import { freshDatabase } from '../support/postgres.js';
import { ADMIN, makeApi } from './api-harness.js';

const METRICS_TOKEN = 'metrics-scrape-token-0123456789';

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`${store}: the scrape token or an admin token reads /metrics; nothing else does`, async (t) => {
    const api = await makeApi(t, {
      metricsToken: METRICS_TOKEN,
      ...(store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {}),
    });
    const alice = await api.request('POST', '/v1/users', { name: 'alice' });
    const aliceToken = alice.body.token as string;

    t.equal((await api.request('GET', '/metrics', undefined, null)).status, 401, 'no token');
    t.equal((await api.request('GET', '/metrics', undefined, 'bat_wrong')).status, 401, 'an unknown token');
    // Gauges are kept for 5 s from the first scrape: nothing scrapes before the job is in.
    const user = await api.request('GET', '/metrics', undefined, aliceToken);
    t.equal(user.status, 403, "a user's token");
    t.equal(user.body.error.code, 'FORBIDDEN');
    t.equal(
      (await api.request('GET', '/v1/jobs', undefined, METRICS_TOKEN)).status,
      401,
      'the scrape token opens nothing else',
    );

    const submitted = await api.request(
      'POST',
      '/v1/jobs',
      { name: 'm', tasks: [{ name: 'a', command: 'true' }] },
      aliceToken,
    );
    t.equal(submitted.status, 201);
    const jobId = submitted.body.id as string;
    await api.request('GET', `/v1/jobs/${jobId}`, undefined, aliceToken);
    const scrape = await api.rawRequest('GET', '/metrics', undefined, METRICS_TOKEN);
    t.equal(scrape.status, 200, 'the scrape token');
    t.match(
      scrape.text,
      /^batch_http_request_duration_seconds_count\{method="POST",route="\/v1\/jobs",status="201"\} 1$/m,
    );
    t.match(
      scrape.text,
      /^batch_http_request_duration_seconds_count\{method="GET",route="\/v1\/jobs\/:id",status="200"\} 1$/m,
      'the route pattern',
    );
    t.notMatch(scrape.text, jobId, 'no job id in any label');
    t.match(scrape.text, /^batch_jobs\{state="PENDING"\} 1$/m, 'jobs by state, read at scrape time');
    t.match(scrape.text, /^batch_instances\{state="PENDING"\} 1$/m);
    t.match(scrape.text, /^batch_tasks\{state="SUCCEEDED"\} 0$/m, 'every state has a series, zero or not');
    t.match(scrape.text, /^batch_connected_agents 0$/m);
    t.match(scrape.text, /^process_cpu_user_seconds_total /m, 'process metrics');
    t.equal((await api.request('GET', '/metrics', undefined, ADMIN)).status, 200, 'an admin token');

    const big = await api.request(
      'POST',
      '/v1/jobs',
      { name: 'big', tasks: [{ name: 'a', instances: 101, command: 'true' }] },
      aliceToken,
    );
    t.equal(big.status, 403);
    const after = await api.rawRequest('GET', '/metrics', undefined, METRICS_TOKEN);
    t.match(after.text, /^batch_quota_refusals_total\{quota="instancesPerTask"\} 1$/m, 'a quota refusal, by quota');
  });

  t.test(`${store}: /healthz answers without the database, /readyz checks it and the scheduler`, async (t) => {
    const api = await makeApi(t, store === 'postgres' ? { databaseUrl: await freshDatabase(t) } : {});
    t.same((await api.request('GET', '/readyz', undefined, null)).body, { ready: true, problems: [] });

    let lastPass: number | undefined;
    const ready = readinessCheck({ store: api.store, lastPassAt: () => lastPass });
    t.same(await ready(), { ready: false, problems: ['scheduler: no pass has completed yet'] });
    lastPass = Date.now() - 60_000;
    t.same(await ready(), { ready: false, problems: ['scheduler: last completed pass 60 s ago'] });
    lastPass = Date.now();
    t.same(await ready(), { ready: true, problems: [] });

    const failing = readinessCheck({
      store: { ...api.store, rows: () => Promise.reject(new Error('connection refused')) },
      lastPassAt: () => Date.now(),
    });
    t.same(await failing(), { ready: false, problems: ['database: connection refused'] });
    const hanging = readinessCheck({
      store: { ...api.store, rows: () => new Promise<never>(() => {}) },
      lastPassAt: () => Date.now(),
    });
    const [first, second] = await Promise.all([hanging(), hanging()]);
    t.same(first.problems, ['database: no answer to select 1 within 2000 ms'], 'a database that hangs: bounded');
    t.same(second, first, 'concurrent probes share one check');

    const probes = healthRoutes(failing);
    t.equal((await probes.request('/healthz')).status, 200, 'liveness asks nothing of the database');
    const probe = await probes.request('/readyz');
    t.equal(probe.status, 503, '/readyz says 503 …');
    t.same(await probe.json(), { ready: false, problems: ['database: connection refused'] }, '… and what is wrong');
  });
}

t.test('gauges read the database at most once per cache window', async (t) => {
  const api = await makeApi(t);
  const metrics = createMetrics();
  let now = 1_000_000;
  let reads = 0;
  const counting = {
    ...api.store,
    rows: <T>(q: Parameters<typeof api.store.rows>[0]) => (reads++, api.store.rows<T>(q)),
  };
  registerStateGauges(metrics, { store: counting, connectedAgents: () => 3, now: () => now });
  await metrics.registry.metrics();
  const perScrape = reads;
  t.equal(perScrape, 5, 'one query per figure');
  await Promise.all([metrics.registry.metrics(), metrics.registry.metrics(), metrics.registry.metrics()]);
  t.equal(reads, perScrape, 'scrapes within the window share the first read');
  now += 5001;
  await metrics.registry.metrics();
  t.equal(reads, 2 * perScrape, 'a scrape after the window reads again');
});

t.test('nodes by environment: the largest environments by name, the rest as "(other)"', async (t) => {
  const rows = [
    { environment: 'big', state: 'READY', n: 10 },
    { environment: 'mid', state: 'READY', n: 5 },
    { environment: 'mid', state: 'LOST', n: 1 },
    { environment: 'small', state: 'READY', n: 1 },
    { environment: 'tiny', state: 'DRAINING', n: 1 },
  ];
  const out = boundedEnvironments(rows, 2);
  const environments = new Set(out.map((r) => r.labels.environment));
  t.same([...environments].sort(), ['(other)', 'big', 'mid']);
  const value = (environment: string, state: string) =>
    out.find((r) => r.labels.environment === environment && r.labels.state === state)?.n;
  t.equal(value('mid', 'LOST'), 1);
  t.equal(value('(other)', 'READY'), 1);
  t.equal(value('(other)', 'DRAINING'), 1);
  t.equal(value('big', 'TERMINATED'), 0, 'every state of a kept environment has a series');
});

t.test('BATCH_METRICS_TOKEN and BATCH_LOG_LEVEL are checked at start', async (t) => {
  const base = { BATCH_DATA_DIR: '/tmp/unused' };
  t.throws(() => readConfig({ ...base, BATCH_METRICS_TOKEN: 'short' }), {
    message: 'BATCH_METRICS_TOKEN: must be at least 16 characters',
  });
  t.equal(readConfig({ ...base, BATCH_METRICS_TOKEN: METRICS_TOKEN }).metricsToken, METRICS_TOKEN);
  t.throws(() => readConfig({ ...base, BATCH_LOG_LEVEL: 'verbose' }), {
    message: 'BATCH_LOG_LEVEL=verbose: must be one of debug, info, warn, error',
  });
  t.equal(readConfig({ ...base, BATCH_LOG_LEVEL: 'DEBUG' }).logLevel, 'debug');
  t.equal(readConfig(base).logLevel, 'info');
});
