/** The `nodes` table: capacity, what is allocated of it, and the node's last reported load. */
import type { Node } from '../../sdk/index.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';

export function nodesTable(nodes: readonly Node[], now = Date.now()): string {
  if (nodes.length === 0) return 'No nodes.';
  return formatTable(
    [
      'ID',
      'NAME',
      'STATE',
      'ENVIRONMENT',
      { header: 'CPU', align: 'right' },
      { header: 'MEMORY MiB', align: 'right' },
      { header: 'GPU', align: 'right' },
      { header: 'LOAD', align: 'right' },
      'HEARTBEAT',
    ],
    nodes.map((node) => [
      node.id,
      node.name,
      node.state,
      node.environment,
      `${trim(node.allocated.cpu)}/${trim(node.capacity.cpu)}`,
      `${trim(node.allocated.memoryMiB)}/${trim(node.capacity.memoryMiB)}`,
      `${trim(node.allocated.gpu)}/${trim(node.capacity.gpu)}`,
      node.metrics?.load1 === undefined ? '-' : node.metrics.load1.toFixed(2),
      formatTime(node.lastHeartbeatAt, now),
    ]),
  );
}

/** 1.5 stays 1.5, 2 prints as 2, 0.3333 as 0.33. */
function trim(n: number): string {
  return String(Math.round(n * 100) / 100);
}
