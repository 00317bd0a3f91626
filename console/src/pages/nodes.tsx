/**
 * Nodes: state, environment, labels, capacity in use and the agent's metrics with their recent
 * history (kept while the page is open); drain and undrain.
 */
import type { Node } from '../../../sdk/index.js';
import { ErrorMessage } from '../components/error-message.js';
import { NodeMetricsCharts } from '../components/node-metrics-charts.js';
import { PageTitle } from '../components/page-title.js';
import { StateBadge } from '../components/state-badge.js';
import { formatTime } from '../format.js';
import { useI18n, type Translate } from '../i18n/i18n.js';
import { useMetricsHistory } from '../metrics-history.js';
import { byEnvironmentAndName } from '../node-order.js';
import { useSession } from '../session.js';
import { useAction, useApi } from '../use-api.js';

export function NodesPage() {
  const { t } = useI18n();
  const { mayManage } = useSession();
  const nodes = useApi('nodes', (c) => c.listNodes({ limit: 1000 }), { pollMs: 5000 });
  // Who owns each environment: only its owner (or an admin) may drain its nodes.
  const environments = useApi('environments', (c) => c.listEnvironments({ limit: 1000 }));
  const owners = new Map((environments.data?.items ?? []).map((env) => [env.name, env.owner]));
  return (
    <section>
      <PageTitle title={t('nodes.title')} />
      <ErrorMessage error={nodes.error} />
      <NodeTable
        nodes={nodes.data?.items ?? []}
        onChanged={nodes.reload}
        mayDrain={(node) => {
          const owner = owners.get(node.environment);
          return owner !== undefined && mayManage(owner);
        }}
      />
      {nodes.data?.items.length === 0 && <p className="empty">{t('nodes.empty')}</p>}
    </section>
  );
}

/** The metrics an agent reports (README, "Node metrics"), as "used of total". */
function metricsText(node: Node, t: Translate): string {
  const m = node.metrics;
  if (!m) return '—';
  return [
    t('nodes.cpuUse', { n: m.cpuPercent }),
    t('nodes.memoryUse', { used: m.memoryUsedMiB, total: m.memoryTotalMiB }),
    t('nodes.diskUse', { used: m.diskTotalMiB - m.diskFreeMiB, total: m.diskTotalMiB }),
  ].join(' · ');
}

export function NodeTable({
  nodes: unsorted,
  onChanged,
  mayDrain,
}: {
  nodes: readonly Node[];
  onChanged: () => void;
  /** Whether the API lets this user drain the node (its environment's owner, or an admin). */
  mayDrain: (node: Node) => boolean;
}) {
  const { t, locale } = useI18n();
  const nodes = [...unsorted].sort(byEnvironmentAndName);
  const action = useAction();
  // The props' array, whose identity tells the history a new list arrived (the sorted copy is new each render).
  const history = useMetricsHistory(unsorted);
  return (
    <>
      <ErrorMessage error={action.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">{t('nodes.name')}</th>
            <th scope="col">{t('jobs.state')}</th>
            <th scope="col">{t('nodes.environment')}</th>
            <th scope="col">{t('nodes.labels')}</th>
            <th scope="col">{t('nodes.allocated')}</th>
            <th scope="col">{t('nodes.metrics')}</th>
            <th scope="col">{t('nodes.heartbeat')}</th>
            <th scope="col">{t('jobs.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((node) => (
            <tr key={node.id}>
              <td className="nowrap">
                {node.name}
                <div className="id">{node.id}</div>
              </td>
              <td>
                <StateBadge state={node.state} />
              </td>
              <td>{node.environment}</td>
              <td>
                {Object.entries(node.labels).map(([k, v]) => (
                  <code key={k} className="label">
                    {k}={v}
                  </code>
                ))}
              </td>
              <td>
                {t('nodes.allocation', {
                  cpu: node.allocated.cpu,
                  cpuTotal: node.capacity.cpu,
                  mem: node.allocated.memoryMiB,
                  memTotal: node.capacity.memoryMiB,
                })}
              </td>
              <td>
                {metricsText(node, t)}
                <NodeMetricsCharts samples={history.get(node.id) ?? []} />
              </td>
              <td>{formatTime(node.lastHeartbeatAt, locale)}</td>
              <td>
                {node.state === 'READY' && mayDrain(node) && (
                  <button
                    type="button"
                    disabled={action.busy}
                    onClick={() => {
                      void action.run((c) => c.drainNode(node.id)).then(onChanged);
                    }}
                  >
                    {t('nodes.drain')}
                  </button>
                )}
                {node.state === 'DRAINING' && mayDrain(node) && (
                  <button
                    type="button"
                    disabled={action.busy}
                    onClick={() => {
                      void action.run((c) => c.undrainNode(node.id)).then(onChanged);
                    }}
                  >
                    {t('nodes.undrain')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
