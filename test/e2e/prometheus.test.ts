/**
 * A real Prometheus (Debian's `prometheus` package) scrapes a running controller on loopback with
 * the scrape token, and its HTTP API answers for the instances a job finished; `promtool check
 * metrics` accepts the exposition. Skipped where Prometheus is not installed, except in CI
 * (CI=true), where .ci/run installs it and a skip would hide a missing install step.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { freePort } from '../support/free-port.js';
import path from 'node:path';
import t, { type Test } from 'tap';

import { BatchClient } from '../../sdk/client.js';
import { STORES, startController } from '../support/cluster.js';
import { tmpDir, type Teardown } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { waitJobFinished, waitReadyNodes } from './fixture.js';

const METRICS_TOKEN = 'prometheus-scrape-token-0123456789';
const INSTANCES = 4;

const installed = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
const missing = ['prometheus', 'promtool'].filter((tool) => !installed(tool));
if (missing.length > 0 && process.env.CI !== 'true') {
  t.plan(0, `${missing.join(' and ')} not installed: apt-get install prometheus`);
} else {
  for (const store of STORES) t.test(`${store}: Prometheus scrapes the controller`, (t) => scrape(t, store));
}

async function scrape(t: Test, store: (typeof STORES)[number]): Promise<void> {
  const controller = await startController(t, { store, localNodes: 1, env: { BATCH_METRICS_TOKEN: METRICS_TOKEN } });
  const client = new BatchClient({ url: controller.url, token: controller.token });
  await waitReadyNodes(client, 1);
  const prometheus = await startPrometheus(t, new URL(controller.url).host);

  const job = await client.submitJob({
    name: 'scraped',
    tasks: [{ name: 'a', instances: INSTANCES, command: 'true' }],
  });
  t.equal((await waitJobFinished(client, job.id)).state, 'SUCCEEDED');

  const finished = await waitFor(
    `Prometheus to have scraped ${INSTANCES} finished instances`,
    async () => {
      const value = await prometheus.query('sum(batch_instances_finished_total{outcome="SUCCEEDED"})');
      return value === INSTANCES ? value : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  t.equal(finished, INSTANCES, 'instances finished, as Prometheus stored them');
  t.equal(await prometheus.query('up{job="batch"}'), 1, 'the target is up: the bearer token was accepted');
  t.ok(((await prometheus.query('sum(batch_nodes{state="READY"})')) ?? 0) >= 1, 'nodes by state');

  const exposition = await fetch(`${controller.url}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  }).then((r) => r.text());
  const check = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  t.equal(check.status, 0, `promtool check metrics passes:\n${check.stdout}${check.stderr}`);
}

interface Prometheus {
  /** The value of an instant query with one result, or undefined when it has none yet. */
  query(promql: string): Promise<number | undefined>;
}

async function startPrometheus(t: Teardown, target: string): Promise<Prometheus> {
  const dir = tmpDir(t, 'batch-prometheus-');
  const tokenFile = path.join(dir, 'token');
  writeFileSync(tokenFile, METRICS_TOKEN, { mode: 0o600 });
  // The configuration docs/monitoring.md shows, with a short interval for the test.
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: batch',
      '    authorization:',
      `      credentials_file: ${tokenFile}`,
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (log += text));
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  });
  const api = `http://127.0.0.1:${port}`;
  await waitFor(
    'Prometheus to be ready',
    async () => (await fetch(`${api}/-/ready`).catch(() => undefined))?.ok === true,
    { timeoutMs: 30_000, intervalMs: 100, describe: () => log },
  );
  return {
    async query(promql) {
      const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
      const [first] = body.data.result;
      return first === undefined ? undefined : Number(first.value[1]);
    },
  };
}
