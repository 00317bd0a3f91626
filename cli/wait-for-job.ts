/**
 * Polls a job until it finishes. Polling, not `GET /v1/events`: the progress line needs counts
 * per state, which one GET every 500 ms gives at a cost independent of the job's size, while
 * following the events of a 100,000-instance job means receiving 200,000–300,000 of them. A controller that restarts mid-wait is normal operations, so
 * being unable to reach it is tolerated for a grace period before the wait gives up.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isJobFinished } from '../protocol/states.js';
import { ConnectionError, type BatchClient, type Job } from '../sdk/index.js';

export const POLL_INTERVAL_MS = 500;
const UNREACHABLE_GRACE_MS = 30_000;

export async function waitForJob(api: BatchClient, first: Job, onUpdate: (job: Job) => Promise<void>): Promise<Job> {
  let job = first;
  let lastReached = Date.now();
  for (;;) {
    await onUpdate(job);
    if (isJobFinished(job.state)) return job;
    await delay(POLL_INTERVAL_MS);
    try {
      job = await api.getJob(job.id);
      lastReached = Date.now();
    } catch (error) {
      if (!(error instanceof ConnectionError) || Date.now() - lastReached > UNREACHABLE_GRACE_MS) throw error;
    }
  }
}
