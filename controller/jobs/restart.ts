/**
 * Restart of a FAILED or STOPPED job: every instance that did not succeed goes back to PENDING
 * (its earlier attempts and logs are kept, the next attempt continues the numbering, and its
 * retry budget starts afresh); tasks that did not succeed are re-armed. Succeeded work is kept.
 */
import { sql } from 'drizzle-orm';
import { BatchError } from '../../protocol/errors.js';
import type { JobState } from '../../protocol/states.js';
import { rowsOf, type Database } from '../db/client.js';

export async function restartJob(store: Database, jobId: string, state: JobState): Promise<void> {
  if (state !== 'FAILED' && state !== 'STOPPED') {
    throw new BatchError('CONFLICT', `job ${jobId} is ${state}; only a FAILED or STOPPED job can be restarted`);
  }
  await store.db.transaction(async (tx) => {
    const moved = await tx.execute(sql`
      UPDATE jobs SET state = 'PENDING', desired = 'run', ended_at = NULL
      WHERE id = ${jobId} AND state IN ('FAILED', 'STOPPED') RETURNING id`);
    if (rowsOf(moved).length === 0) {
      throw new BatchError('CONFLICT', `job ${jobId} changed state meanwhile; try again`);
    }
    await tx.execute(sql`
      UPDATE tasks SET state = CASE WHEN jsonb_array_length(spec->'dependsOn') > 0 THEN 'WAITING' ELSE 'PENDING' END, claim_from = 0
      WHERE job_id = ${jobId} AND state <> 'SUCCEEDED'`);
    await tx.execute(sql`
      UPDATE instances i
      SET state = 'PENDING', not_before = NULL, retry_floor = i.attempt_count, updated_at = now(),
          pending_reason = CASE WHEN jsonb_array_length(t.spec->'dependsOn') > 0 THEN 'DEPENDENCY' END
      FROM tasks t
      WHERE i.job_id = ${jobId} AND t.job_id = i.job_id AND t.name = i.task_name
        AND i.state IN ('FAILED', 'STOPPED', 'SKIPPED')`);
  });
}
