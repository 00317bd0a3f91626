/**
 * The recent metrics of each node, kept in the browser: the API has only a node's latest
 * heartbeat metrics, so a page that polls the node list collects them into a short history
 * (the last HISTORY_SAMPLES heartbeats per node) for as long as it stays open.
 */
import { useState } from 'react';
import type { Node } from '../../sdk/index.js';

/** About five minutes at the default 5 s heartbeat. */
export const HISTORY_SAMPLES = 60;

export interface MetricsSample {
  /** When the agent measured (ms since the epoch): a sample seen again at the next poll is not a new one. */
  at: number;
  cpuPercent?: number;
  memoryUsedMiB?: number;
  memoryTotalMiB?: number;
  diskFreeMiB?: number;
  diskTotalMiB?: number;
}

export type MetricsHistory = ReadonlyMap<string, readonly MetricsSample[]>;

function sampleOf(metrics: Node['metrics']): MetricsSample | undefined {
  // The API gives an ISO time; as a number it orders samples and places them on the chart.
  const at = metrics ? Date.parse(metrics.at) : NaN;
  if (!metrics || Number.isNaN(at)) return undefined;
  return {
    at,
    cpuPercent: metrics.cpuPercent,
    memoryUsedMiB: metrics.memoryUsedMiB,
    memoryTotalMiB: metrics.memoryTotalMiB,
    diskFreeMiB: metrics.diskFreeMiB,
    diskTotalMiB: metrics.diskTotalMiB,
  };
}

/**
 * The history with each node's latest sample appended when it is new. Nodes no longer listed are
 * dropped, so a long-open page holds at most HISTORY_SAMPLES samples per listed node. Returns the
 * same map when nothing changed.
 */
export function withLatestSamples(history: MetricsHistory, nodes: readonly Node[]): MetricsHistory {
  let changed = nodes.length !== history.size;
  const next = new Map<string, readonly MetricsSample[]>();
  for (const node of nodes) {
    const samples = history.get(node.id) ?? [];
    const sample = sampleOf(node.metrics);
    const last = samples[samples.length - 1];
    if (sample && (!last || sample.at > last.at)) {
      next.set(node.id, [...samples, sample].slice(-HISTORY_SAMPLES));
      changed = true;
    } else {
      if (!history.has(node.id)) changed = true;
      next.set(node.id, samples);
    }
  }
  return changed ? next : history;
}

/** The metrics history of the nodes a page lists, grown at each new list the page polls. */
export function useMetricsHistory(nodes: readonly Node[]): MetricsHistory {
  const [seen, setSeen] = useState(nodes);
  const [history, setHistory] = useState<MetricsHistory>(() => withLatestSamples(new Map(), nodes));
  // Adjusting state while rendering when the input changed (React's "storing information from
  // previous renders"): no effect, no extra paint with a stale chart.
  if (seen !== nodes) {
    setSeen(nodes);
    setHistory((previous) => withLatestSamples(previous, nodes));
  }
  return history;
}
