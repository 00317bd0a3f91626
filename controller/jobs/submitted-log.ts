/**
 * The `job.submitted` log line, one shape whoever submits: a request, or a schedule's tick
 * (which adds its schedule's name). docs/monitoring.md lists the fields.
 */
import type { Job } from '../../protocol/api.js';
import type { Logger } from '../log.js';

export function logJobSubmitted(log: Logger, job: Job, owner: string, schedule?: string): void {
  const by = schedule === undefined ? owner : `${owner}'s schedule ${schedule}`;
  log.info(`job ${job.id} (${job.name}) submitted by ${by}`, {
    event: 'job.submitted',
    jobId: job.id,
    name: job.name,
    owner,
    state: job.state,
    tasks: job.tasks.length,
    ...(schedule === undefined ? {} : { schedule }),
  });
}
