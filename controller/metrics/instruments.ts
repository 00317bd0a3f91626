/**
 * The controller's Prometheus instruments (prom-client), one registry per controller. Counters
 * and histograms are fed where the code already knows the figure (a pass's report, a write's
 * result, a response's status): they cost no query. Gauges of what is stored are computed at
 * scrape time (state-gauges.ts). docs/monitoring.md lists every metric.
 *
 * Labels take only closed sets — states, reasons, HTTP methods and status codes, route patterns
 * — or names bounded by a cap (environments, see state-gauges.ts): never ids or raw paths.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { PassReport, PassRequest } from '../scheduler/loop.js';

/** Seconds, from 1 ms to 10 s: passes, writes and requests are milliseconds when healthy. */
const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export interface Metrics {
  registry: Registry;
  instancesStarted: Counter;
  instancesFinished: Counter<'outcome' | 'failure_reason'>;
  passDuration: Histogram;
  dispatchLatency: Histogram;
  reportWriteDuration: Histogram;
  logBytesStored: Counter;
  httpRequests: Histogram<'method' | 'route' | 'status'>;
  quotaRefusals: Counter<'quota'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges that prom-client names like counters, which `promtool check metrics` rejects; their
  // per-type twins (nodejs_active_handles{type}, …) carry the same figures.
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  const registers = [registry];
  return {
    registry,
    instancesStarted: new Counter({
      name: 'batch_instances_started_total',
      help: 'Instance attempts handed to a node (a retry starts its instance again)',
      registers,
    }),
    instancesFinished: new Counter({
      name: 'batch_instances_finished_total',
      help: 'Instance attempts that ended, by outcome (SUCCEEDED, FAILED, STOPPED) and failure reason ("" when none)',
      labelNames: ['outcome', 'failure_reason'],
      registers,
    }),
    passDuration: new Histogram({
      name: 'batch_scheduling_pass_duration_seconds',
      help: 'Duration of one scheduling pass (snapshot, reconcile, place, apply, send)',
      buckets: FAST_BUCKETS,
      registers,
    }),
    dispatchLatency: new Histogram({
      name: 'batch_dispatch_latency_seconds',
      help: 'From the wake that asked for a pass to the end of that pass, for passes that started instances',
      buckets: FAST_BUCKETS,
      registers,
    }),
    reportWriteDuration: new Histogram({
      name: 'batch_report_write_duration_seconds',
      help: "Duration of one batched write of agents' statuses and log chunks",
      buckets: FAST_BUCKETS,
      registers,
    }),
    logBytesStored: new Counter({
      name: 'batch_log_bytes_stored_total',
      help: 'Bytes of instance stdout and stderr written to the database',
      registers,
    }),
    httpRequests: new Histogram({
      name: 'batch_http_request_duration_seconds',
      help: 'HTTP API requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: FAST_BUCKETS,
      registers,
    }),
    quotaRefusals: new Counter({
      name: 'batch_quota_refusals_total',
      help: 'Requests refused because they would exceed a quota, by quota',
      labelNames: ['quota'],
      registers,
    }),
  };
}

/**
 * The scheduler loop's `onPass`: a pass's duration, the instances it started (as its claim
 * returned them), and for a pass that started some, the time since the wake that asked for it.
 */
export function observePass(metrics: Metrics, now: () => number) {
  return (request: PassRequest, report: PassReport, durationMs: number): void => {
    metrics.passDuration.observe(durationMs / 1000);
    if (report.changed.started === 0) return;
    metrics.instancesStarted.inc(report.changed.started);
    metrics.dispatchLatency.observe((now() - request.wokenAt) / 1000);
  };
}
