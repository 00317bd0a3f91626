/**
 * Stopping a job records the intent (`desired = stop`) and acts on it: pending instances stop at
 * once, running attempts are asked to die (their agents report STOPPED, which finishes them).
 */
import { sql } from 'drizzle-orm';
import { BatchError } from '../../protocol/errors.js';
import { isJobFinished, type JobState } from '../../protocol/states.js';
import { rowsOf, type Database } from '../db/client.js';
import type { SessionRegistry } from '../gateway/registry.js';

export async function stopJob(
  store: Database,
  registry: SessionRegistry,
  jobId: string,
  state: JobState,
): Promise<void> {
  if (isJobFinished(state)) throw new BatchError('CONFLICT', `job ${jobId} is already ${state}`);
  const toKill = await store.db.transaction(async (tx) => {
    await tx.execute(
      sql`UPDATE jobs SET desired = 'stop' WHERE id = ${jobId} AND state IN ('PENDING', 'RUNNING', 'STOPPING')`,
    );
    await tx.execute(sql`
      UPDATE instances SET state = 'STOPPED', pending_reason = NULL, updated_at = now()
      WHERE job_id = ${jobId} AND state = 'PENDING'`);
    const result = await tx.execute(sql`
      UPDATE attempts SET desired = 'stop'
      WHERE job_id = ${jobId} AND state IN ('SCHEDULED', 'RUNNING')
      RETURNING id, node_id`);
    return rowsOf<{ id: number; node_id: string }>(result);
  });
  // Nodes not connected right now get the kill when they reconnect (resync).
  for (const a of toKill) registry.send(a.node_id, [{ kind: 'killAttempt', attemptId: a.id, reason: 'STOPPED' }]);
}
