/**
 * The monitoring chapter lists every metric the controller exposes, and the Grafana dashboard
 * queries only metrics that exist: renaming one without the docs or the dashboard fails here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { createMetrics } from '../../controller/metrics/instruments.js';
import { registerStateGauges } from '../../controller/metrics/state-gauges.js';
import type { Database } from '../../controller/db/client.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const metrics = createMetrics();
registerStateGauges(metrics, { store: {} as Database, connectedAgents: () => 0 });
const names = new Set(metrics.registry.getMetricsAsArray().map((m) => m.name));
const ours = [...names].filter((n) => n.startsWith('batch_'));

t.test('docs/monitoring.md names every batch_ metric', async (t) => {
  const doc = readFileSync(path.join(ROOT, 'docs/monitoring.md'), 'utf8');
  t.ok(ours.length >= 14, `${ours.length} metrics of our own`);
  for (const name of ours) t.ok(doc.includes(`\`${name}\``), name);
});

t.test('the Grafana dashboard queries only metrics that exist', async (t) => {
  const dashboard = readFileSync(path.join(ROOT, 'docs/grafana-dashboard.json'), 'utf8');
  const queried = new Set(
    [...dashboard.matchAll(/\b((?:batch|process|nodejs)_[a-z0-9_]+)/g)].map((m) =>
      m[1]!.replace(/_(bucket|count|sum)$/, ''),
    ),
  );
  t.ok(queried.size >= 12);
  for (const name of queried) t.ok(names.has(name), `${name} is exposed`);
  for (const name of ours) t.ok(queried.has(name), `${name} is on the dashboard`);
});
