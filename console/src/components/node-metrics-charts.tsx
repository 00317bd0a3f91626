/** A node's CPU, memory and disk over its recent heartbeats, as three sparklines. */
import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/en.js';
import type { MetricsSample } from '../metrics-history.js';
import { Sparkline } from './sparkline.js';

interface Chart {
  kind: string;
  label: MessageKey;
  value: (s: MetricsSample) => number | undefined;
  /** The top of the scale for the latest sample. */
  max: (s: MetricsSample) => number | undefined;
}

const CHARTS: Chart[] = [
  { kind: 'cpu', label: 'nodes.cpuHistory', value: (s) => s.cpuPercent, max: () => 100 },
  { kind: 'memory', label: 'nodes.memoryHistory', value: (s) => s.memoryUsedMiB, max: (s) => s.memoryTotalMiB },
  {
    kind: 'disk',
    label: 'nodes.diskHistory',
    // Used rather than free, so that for every chart up means fuller.
    value: (s) =>
      s.diskTotalMiB === undefined || s.diskFreeMiB === undefined ? undefined : s.diskTotalMiB - s.diskFreeMiB,
    max: (s) => s.diskTotalMiB,
  },
];

export function NodeMetricsCharts({ samples }: { samples: readonly MetricsSample[] }) {
  const { t } = useI18n();
  const latest = samples[samples.length - 1];
  if (!latest) return null;
  return (
    <div className="node-charts">
      {CHARTS.map((chart) => {
        const values = samples.map(chart.value).filter((v): v is number => v !== undefined);
        const max = chart.max(latest);
        const now = values[values.length - 1];
        if (now === undefined || max === undefined) return null;
        const label = t(chart.label, {
          now: Math.round(now),
          min: Math.round(Math.min(...values)),
          max: Math.round(Math.max(...values)),
          count: values.length,
        });
        return <Sparkline key={chart.kind} className={`chart-${chart.kind}`} values={values} max={max} label={label} />;
      })}
    </div>
  );
}
