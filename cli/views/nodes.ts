/**
 * The `nodes` table: what the scheduler has allocated of each node's capacity (ALLOC), then what
 * the node last measured of itself (its heartbeat's metrics: cpu busy, memory used, disk free).
 */
import type { Node } from '../../sdk/index.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';

/** `wide` adds labels, the agent's version, the provider's id, the creation time and the message. */
export function nodesTable(nodes: readonly Node[], now = Date.now(), options: { wide?: boolean } = {}): string {
  if (nodes.length === 0) return 'No nodes.';
  const wide = options.wide === true;
  // Why a node is as it is (a provider's error, a scale-in, a boot timeout), when any says.
  const messages = wide || nodes.some((n) => n.message);
  const table = formatTable(
    [
      'ID',
      'NAME',
      'STATE',
      'ENVIRONMENT',
      { header: 'CPU ALLOC', align: 'right' },
      { header: 'MEM ALLOC MiB', align: 'right' },
      { header: 'GPU ALLOC', align: 'right' },
      { header: 'CPU%', align: 'right' },
      { header: 'MEM USED MiB', align: 'right' },
      { header: 'DISK FREE MiB', align: 'right' },
      { header: 'LOAD', align: 'right' },
      'HEARTBEAT',
      ...(wide ? ['LABELS', 'AGENT', 'PROVIDER ID', 'CREATED'] : []),
      ...(messages ? ['MESSAGE'] : []),
    ],
    nodes.map((node) => [
      node.id,
      node.name,
      node.state,
      node.environment,
      `${trim(node.allocated.cpu)}/${trim(node.capacity.cpu)}`,
      `${trim(node.allocated.memoryMiB)}/${trim(node.capacity.memoryMiB)}`,
      `${trim(node.allocated.gpu)}/${trim(node.capacity.gpu)}`,
      metric(node, 'cpuPercent', (cpu) => cpu.toFixed(0)),
      metric(node, 'memoryUsedMiB', (used) => `${used}/${node.metrics?.memoryTotalMiB ?? '-'}`),
      metric(node, 'diskFreeMiB', String),
      metric(node, 'load1', (load) => load.toFixed(2)),
      formatTime(node.lastHeartbeatAt, now),
      ...(wide
        ? [
            Object.entries(node.labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(',') || '-',
            node.agentVersion ?? '-',
            node.providerId ?? '-',
            formatTime(node.createdAt, now),
          ]
        : []),
      ...(messages ? [node.message ?? ''] : []),
    ]),
  );
  return table;
}

/** A figure of the node's last heartbeat, or '-' when it has not sent one (or not this one). */
function metric(
  node: Node,
  name: Exclude<keyof NonNullable<Node['metrics']>, 'at'>,
  format: (value: number) => string,
): string {
  // A gone node's last figures are history, not its load.
  if (node.state === 'TERMINATED') return '-';
  const value = node.metrics?.[name];
  return value === undefined ? '-' : format(value);
}

/** 1.5 stays 1.5, 2 prints as 2, 0.3333 as 0.33. */
function trim(n: number): string {
  return String(Math.round(n * 100) / 100);
}
