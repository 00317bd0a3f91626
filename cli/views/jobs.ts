/** The `jobs` table. */
import type { Job } from '../../sdk/index.js';
import { formatTable } from '../table.js';
import { formatTime } from '../time.js';

export function jobsTable(jobs: readonly Job[], now = Date.now(), options: { owners?: boolean } = {}): string {
  if (jobs.length === 0) return 'No jobs.';
  const owners = options.owners === true;
  return formatTable(
    [
      'ID',
      'NAME',
      ...(owners ? ['OWNER'] : []),
      'STATE',
      { header: 'PRIORITY', align: 'right' },
      { header: 'TASKS', align: 'right' },
      { header: 'DONE', align: 'right' },
      'CREATED',
    ],
    jobs.map((job) => [
      job.id,
      job.name,
      ...(owners ? [job.owner] : []),
      job.state,
      String(job.priority),
      String(job.tasks.length),
      `${job.counts.SUCCEEDED ?? 0}/${totalInstances(job)}`,
      formatTime(job.createdAt, now),
    ]),
  );
}

export function totalInstances(job: Job): number {
  return job.tasks.reduce((sum, task) => sum + task.instances, 0);
}
