/** `envs list` and `envs show`. */
import type { ComputeEnvironment } from '../../sdk/index.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';
import { keyValues } from './key-values.js';

export function environmentsTable(envs: readonly ComputeEnvironment[], now = Date.now()): string {
  if (envs.length === 0) return 'No compute environments.';
  return formatTable(
    ['NAME', 'TYPE', 'PROVIDER', { header: 'DESIRED', align: 'right' }, 'NODES', 'SHARED', 'OWNER', 'CREATED'],
    envs.map((env) => [
      env.name,
      env.type,
      env.provider,
      String(env.desiredNodes),
      formatNodeCounts(env.nodes),
      env.shared ? 'yes' : 'no',
      env.owner,
      formatTime(env.createdAt, now),
    ]),
  );
}

export function environmentView(env: ComputeEnvironment, now = Date.now()): string {
  return keyValues([
    ['name', env.name],
    ['type', env.type],
    ['provider', env.provider],
    ['owner', env.owner],
    ['shared', env.shared ? 'yes' : 'no'],
    ['desired nodes', String(env.desiredNodes)],
    ['nodes', formatNodeCounts(env.nodes)],
    ['created', formatTime(env.createdAt, now)],
  ]);
}

function formatNodeCounts(nodes: Record<string, number>): string {
  const parts = Object.entries(nodes)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${state} ${n}`);
  return parts.join(', ') || '-';
}
