/** The `jobs` table. */
import type { Job } from '../../sdk/index.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';
import { formatCounts } from './counts.js';

/** `wide` adds the owner, failed instances, start and end times, and counts per state. */
export function jobsTable(
  jobs: readonly Job[],
  now = Date.now(),
  options: { owners?: boolean; wide?: boolean } = {},
): string {
  if (jobs.length === 0) return 'No jobs.';
  const wide = options.wide === true;
  const owners = options.owners === true || wide;
  return formatTable(
    [
      'ID',
      'NAME',
      ...(owners ? ['OWNER'] : []),
      'STATE',
      { header: 'PRIORITY', align: 'right' },
      { header: 'TASKS', align: 'right' },
      { header: 'SUCCEEDED', align: 'right' },
      ...(wide ? [{ header: 'FAILED', align: 'right' as const }] : []),
      'CREATED',
      ...(wide ? ['STARTED', 'ENDED', 'INSTANCES'] : []),
    ],
    jobs.map((job) => [
      job.id,
      job.name,
      ...(owners ? [job.owner] : []),
      job.state,
      String(job.priority),
      String(job.tasks.length),
      `${job.counts.SUCCEEDED ?? 0}/${totalInstances(job)}`,
      ...(wide ? [String(job.counts.FAILED ?? 0)] : []),
      formatTime(job.createdAt, now),
      ...(wide ? [formatTime(job.startedAt, now), formatTime(job.endedAt, now), formatCounts(job.counts) || '-'] : []),
    ]),
  );
}

export function totalInstances(job: Job): number {
  return job.tasks.reduce((sum, task) => sum + task.instances, 0);
}
