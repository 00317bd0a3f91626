/**
 * Restart of a FAILED or STOPPED job records the intent: `desired = run` and one more restart
 * requested than applied. The scheduler re-arms the job on its next pass (scheduler/apply.ts,
 * `applyRearms`): every instance that did not succeed goes back to PENDING (its earlier attempts
 * and logs are kept, the next attempt continues the numbering, and its retry budget starts
 * afresh), tasks that did not succeed are re-armed. Succeeded work is kept.
 */
import { sql } from 'drizzle-orm';
import { BatchError } from '../../protocol/errors.js';
import { RESTARTABLE_JOB_STATES } from '../../protocol/states.js';
import type { Database } from '../db/client.js';
import { stateIn } from '../db/state-sql.js';

export async function restartJob(store: Database, jobId: string): Promise<void> {
  const requested = await store.rows<{ id: string }>(sql`
    UPDATE jobs SET desired = 'run', restarts_requested = restarts_applied + 1
    WHERE id = ${jobId} AND ${stateIn('jobs', RESTARTABLE_JOB_STATES)}
    RETURNING id`);
  if (requested.length > 0) return;
  const [job] = await store.rows<{ state: string }>(sql`SELECT state FROM jobs WHERE id = ${jobId}`);
  throw new BatchError(
    'CONFLICT',
    `job ${jobId} is ${job?.state ?? 'gone'}; only a FAILED or STOPPED job can be restarted`,
  );
}
