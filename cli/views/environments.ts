/** `envs list` and `envs show`. */
import type { ComputeEnvironment, Node } from '../../sdk/index.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';
import { keyValues } from './key-values.js';

/** `wide` adds the auto environments' limits and the node template. */
export function environmentsTable(
  envs: readonly ComputeEnvironment[],
  now = Date.now(),
  options: { wide?: boolean } = {},
): string {
  if (envs.length === 0) return 'No compute environments.';
  const wide = options.wide === true;
  return formatTable(
    [
      'NAME',
      'TYPE',
      'PROVIDER',
      { header: 'DESIRED', align: 'right' },
      ...(wide
        ? [
            { header: 'MAX', align: 'right' as const },
            { header: 'IDLE TIMEOUT', align: 'right' as const },
          ]
        : []),
      'NODES',
      'SHARED',
      'OWNER',
      'CREATED',
      ...(wide ? ['NODE TEMPLATE'] : []),
    ],
    envs.map((env) => [
      env.name,
      env.type,
      env.provider,
      String(env.desiredNodes),
      ...(wide
        ? [
            env.maxNodes === null ? '-' : String(env.maxNodes),
            env.idleTimeoutSeconds === null ? '-' : `${env.idleTimeoutSeconds}s`,
          ]
        : []),
      formatNodeCounts(env.nodes),
      env.shared ? 'yes' : 'no',
      env.owner,
      formatTime(env.createdAt, now),
      ...(wide ? [formatTemplate(env.template) || '-'] : []),
    ]),
  );
}

function formatTemplate(template: ComputeEnvironment['template']): string {
  return Object.entries(template)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

export function environmentView(env: ComputeEnvironment, nodes: readonly Node[] = [], now = Date.now()): string {
  const template = formatTemplate(env.template);
  const lines = keyValues([
    ['name', env.name],
    ['type', env.type],
    ['provider', env.provider],
    ['owner', env.owner],
    ['shared', env.shared ? 'yes' : 'no'],
    ...(env.type === 'managed' ? [['desired nodes', String(env.desiredNodes)] as [string, string]] : []),
    ...(env.maxNodes !== null ? [['max nodes', String(env.maxNodes)] as [string, string]] : []),
    ...(env.idleTimeoutSeconds !== null ? [['idle timeout', `${env.idleTimeoutSeconds}s`] as [string, string]] : []),
    ...(template ? [['node template', template] as [string, string]] : []),
    ...(env.command
      ? [
          ['create command', env.command.create.join(' ')] as [string, string],
          ['delete command', env.command.delete.join(' ')] as [string, string],
          ['list command', env.command.list?.join(' ') ?? '-'] as [string, string],
        ]
      : []),
    ...(env.deleting ? [['deleting', 'yes: its nodes finish their work and go'] as [string, string]] : []),
    ['nodes', formatNodeCounts(env.nodes)],
    ['created', formatTime(env.createdAt, now)],
  ]);
  if (nodes.length === 0) return lines;
  // Newest first: what the provider did last is what the reader is after.
  const recent = [...nodes].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 20);
  const table = formatTable(
    ['NODE', 'NAME', 'STATE', 'PROVIDER ID', 'CREATED', 'MESSAGE'],
    recent.map((n) => [n.id, n.name, n.state, n.providerId ?? '-', formatTime(n.createdAt, now), n.message ?? '']),
  );
  return `${lines}\n\n${table}`;
}

function formatNodeCounts(nodes: Record<string, number>): string {
  const parts = Object.entries(nodes)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${state} ${n}`);
  return parts.join(', ') || '-';
}
