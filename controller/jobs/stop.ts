/**
 * Stopping a job records the intent, `desired = stop`, and nothing else. The scheduler carries
 * it out on its next pass (scheduler/reconcile.ts decides, apply.ts writes): PENDING instances
 * become STOPPED, active attempts are marked to die and their kills go out through the gateway
 * (nodes not connected get them on resync). The job is STOPPING until its last attempt has
 * reported, then STOPPED.
 *
 * Stopping a job that already finished changes nothing and is not an error (as AWS Batch's
 * TerminateJob): `stop JOB && delete JOB` must work whether or not the job ended first.
 */
import { sql } from 'drizzle-orm';
import { BatchError } from '../../protocol/errors.js';
import { ACTIVE_JOB_STATES } from '../../protocol/states.js';
import type { Database } from '../db/client.js';
import { stateIn } from '../db/state-sql.js';

/** True when the stop was recorded; false when the job had already finished. */
export async function stopJob(store: Database, jobId: string): Promise<boolean> {
  // A finished job with a restart outstanding is about to run: stopping it is still a stop.
  const stopped = await store.rows<{ id: string }>(sql`
    UPDATE jobs SET desired = 'stop'
    WHERE id = ${jobId} AND (${stateIn('jobs', ACTIVE_JOB_STATES)} OR restarts_requested > restarts_applied)
    RETURNING id`);
  if (stopped.length > 0) return true;
  const [job] = await store.rows<{ id: string }>(sql`SELECT id FROM jobs WHERE id = ${jobId}`);
  if (job === undefined) throw new BatchError('NOT_FOUND', `job ${jobId} not found`);
  return false;
}
