/**
 * Gauges of what the database holds — jobs, tasks and instances by state, PENDING instances by
 * reason, nodes by environment and state — and the agents connected to this controller. They are
 * computed when Prometheus scrapes, by the queries of state-counts.ts, and the result is kept
 * for GAUGE_CACHE_MS: however often anyone scrapes, the database answers those queries at most
 * once per window (concurrent scrapes share one read).
 */
import { Gauge } from 'prom-client';
import { INSTANCE_STATES, JOB_STATES, NODE_STATES, PENDING_REASONS, TASK_STATES } from '../../protocol/states.js';
import type { Database } from '../db/client.js';
import type { Metrics } from './instruments.js';
import {
  countInstancesByState,
  countJobsByState,
  countNodesByEnvironment,
  countPendingByReason,
  countTasksByState,
  type StateCount,
} from './state-counts.js';

export const GAUGE_CACHE_MS = 5000;
/**
 * Environment names are users' own: the gauge carries the ones with the most nodes, at most this
 * many, and sums the rest under `environment="(other)"`, so label cardinality stays bounded.
 */
export const MAX_ENVIRONMENT_LABELS = 50;
export const OTHER_ENVIRONMENTS = '(other)';

interface Snapshot {
  jobs: StateCount[];
  tasks: StateCount[];
  instances: StateCount[];
  pending: { reason: string | null; n: number }[];
  nodes: { environment: string; state: string; n: number }[];
}

export interface StateGaugeSources {
  store: Database;
  /** Agents with a live connection to this controller. */
  connectedAgents: () => number;
  now?: () => number;
}

export function registerStateGauges(metrics: Metrics, sources: StateGaugeSources): void {
  const now = sources.now ?? Date.now;
  let cached: { at: number; snapshot: Promise<Snapshot> } | undefined;
  const snapshot = (): Promise<Snapshot> => {
    if (cached && now() - cached.at < GAUGE_CACHE_MS) return cached.snapshot;
    const read = readSnapshot(sources.store);
    cached = { at: now(), snapshot: read };
    // A failed read is not kept: the next scrape tries again.
    read.catch(() => (cached = undefined));
    return read;
  };
  const registers = [metrics.registry];

  const byState = (name: string, help: string, states: readonly string[], pick: (s: Snapshot) => StateCount[]) =>
    new Gauge({
      name,
      help,
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = countsOf(pick(await snapshot()).map((r) => [r.state, r.n]));
        for (const state of states) this.set({ state }, counts.get(state) ?? 0);
      },
    });
  byState('batch_jobs', 'Jobs stored, by state', JOB_STATES, (s) => s.jobs);
  byState('batch_tasks', 'Tasks stored, by state', TASK_STATES, (s) => s.tasks);
  byState('batch_instances', 'Instances stored, by state', INSTANCE_STATES, (s) => s.instances);

  new Gauge({
    name: 'batch_pending_instances',
    help: 'PENDING instances by pending reason ("" while none is recorded yet)',
    labelNames: ['reason'],
    registers,
    async collect() {
      const counts = countsOf((await snapshot()).pending.map((r) => [r.reason ?? '', r.n]));
      for (const reason of [...PENDING_REASONS, '']) this.set({ reason }, counts.get(reason) ?? 0);
    },
  });

  new Gauge({
    name: 'batch_nodes',
    help: `Nodes by compute environment and state (the ${MAX_ENVIRONMENT_LABELS} largest environments; the rest as "${OTHER_ENVIRONMENTS}")`,
    labelNames: ['environment', 'state'],
    registers,
    async collect() {
      this.reset();
      for (const row of boundedEnvironments((await snapshot()).nodes)) this.set(row.labels, row.n);
    },
  });

  new Gauge({
    name: 'batch_connected_agents',
    help: 'Agents with a live WebSocket to this controller',
    registers,
    collect() {
      this.set(sources.connectedAgents());
    },
  });
}

async function readSnapshot(store: Database): Promise<Snapshot> {
  const [jobs, tasks, instances, pending, nodes] = await Promise.all([
    countJobsByState(store),
    countTasksByState(store),
    countInstancesByState(store),
    countPendingByReason(store),
    countNodesByEnvironment(store),
  ]);
  return { jobs, tasks, instances, pending, nodes };
}

function countsOf(entries: [string, number][]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, n] of entries) out.set(key, (out.get(key) ?? 0) + n);
  return out;
}

/** Pure: node counts per (environment, state), the largest environments by name, the rest summed. */
export function boundedEnvironments(
  rows: readonly { environment: string; state: string; n: number }[],
  max = MAX_ENVIRONMENT_LABELS,
): { labels: { environment: string; state: string }; n: number }[] {
  const totals = countsOf(rows.map((r) => [r.environment, r.n]));
  const kept = new Set(
    [...totals.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, max)
      .map(([name]) => name),
  );
  const counts = countsOf(
    rows.map((r) => [`${kept.has(r.environment) ? r.environment : OTHER_ENVIRONMENTS}\u0000${r.state}`, r.n]),
  );
  const environments = new Set([...counts.keys()].map((k) => k.split('\u0000')[0]!));
  const out: { labels: { environment: string; state: string }; n: number }[] = [];
  for (const environment of environments)
    for (const state of NODE_STATES)
      out.push({ labels: { environment, state }, n: counts.get(`${environment}\u0000${state}`) ?? 0 });
  return out;
}
