/** `status JOB`: the job header, then one row per task with its instances per state. */
import type { Job, TaskView } from '../../sdk/index.js';
import { formatTable, type Column } from '../table.js';
import { formatTime } from '../time.js';
import { formatCounts, orderedStates } from './counts.js';
import { totalInstances } from './jobs.js';
import { keyValues } from './key-values.js';

/** Pending instances of one task, counted by pending reason. */
export type PendingReasons = ReadonlyMap<string, Record<string, number>>;

export function jobStatusView(job: Job, pendingReasons: PendingReasons, now = Date.now()): string {
  const header = keyValues([
    ['job', job.id],
    ['name', job.name],
    ['state', job.state],
    ['priority', String(job.priority)],
    ['created', formatTime(job.createdAt, now)],
    ['started', formatTime(job.startedAt, now)],
    ['ended', formatTime(job.endedAt, now)],
    ['instances', `${formatCounts(job.counts) || '-'}  / ${totalInstances(job)}`],
  ]);
  return `${header}\n\n${tasksTable(job.tasks, pendingReasons)}`;
}

function tasksTable(tasks: readonly TaskView[], pendingReasons: PendingReasons): string {
  const union: Record<string, number> = {};
  for (const task of tasks)
    for (const [state, n] of Object.entries(task.counts)) union[state] = (union[state] ?? 0) + n;
  const states = orderedStates(union);
  const columns: Column[] = [
    { header: 'TASK' },
    { header: 'STATE' },
    { header: 'INSTANCES', align: 'right' },
    ...states.map((state) => ({ header: state, align: 'right' as const })),
    { header: 'DEPENDS ON' },
    { header: 'PENDING REASONS' },
  ];
  const rows = tasks.map((task) => [
    task.name,
    task.state,
    String(task.instances),
    ...states.map((state) => String(task.counts[state] ?? 0)),
    task.dependsOn.map(formatDependency).join(', ') || '-',
    formatReasons(pendingReasons.get(task.name)),
  ]);
  return formatTable(columns, rows);
}

function formatDependency(dep: TaskView['dependsOn'][number]): string {
  const qualifiers = [dep.on !== 'success' ? `on ${dep.on}` : '', dep.per === 'instance' ? 'per instance' : ''].filter(
    Boolean,
  );
  return qualifiers.length ? `${dep.task} (${qualifiers.join(', ')})` : dep.task;
}

function formatReasons(reasons: Record<string, number> | undefined): string {
  if (!reasons) return '';
  return Object.entries(reasons)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
}
