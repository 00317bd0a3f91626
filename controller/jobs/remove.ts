/** Deleting a finished job removes it with its tasks, instances, attempts and logs. */
import { eq } from 'drizzle-orm';
import { BatchError } from '../../protocol/errors.js';
import { isJobFinished, type JobState } from '../../protocol/states.js';
import type { Database } from '../db/client.js';
import { jobs } from '../db/schema.js';

export async function deleteJob(store: Database, jobId: string, state: JobState): Promise<void> {
  if (!isJobFinished(state)) {
    throw new BatchError('CONFLICT', `job ${jobId} is ${state}; stop it first (batchctl stop ${jobId})`);
  }
  await store.db.delete(jobs).where(eq(jobs.id, jobId));
}
