/** Deleting a finished job removes it with its tasks, instances, attempts and logs. */
import { sql } from 'drizzle-orm';
import { BatchError } from '../../protocol/errors.js';
import { isJobFinished, type JobState } from '../../protocol/states.js';
import type { Database } from '../db/client.js';

export async function deleteJob(store: Database, jobId: string, state: JobState): Promise<void> {
  if (!isJobFinished(state)) {
    throw new BatchError('CONFLICT', `job ${jobId} is ${state}; stop it first (batchctl stop ${jobId})`);
  }
  // The owner's job count (the jobs quota, jobs/submit.ts) goes down with the row, atomically.
  await store.db.execute(sql`
    WITH gone AS (DELETE FROM jobs WHERE id = ${jobId} RETURNING owner_id)
    UPDATE users u SET job_count = u.job_count - 1 FROM gone WHERE u.id = gone.owner_id`);
}
