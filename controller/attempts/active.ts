/** Whether an attempt still holds its node: the test signed upload URLs pass before they work. */
import { sql } from 'drizzle-orm';
import { ACTIVE_ATTEMPT_STATES } from '../../protocol/states.js';
import type { Database } from '../db/client.js';
import { stateIn } from '../db/state-sql.js';

export async function attemptIsActive(store: Database, attemptId: number): Promise<boolean> {
  const rows = await store.rows<{ id: number }>(
    sql`SELECT id FROM attempts WHERE id = ${attemptId} AND ${stateIn('attempts', ACTIVE_ATTEMPT_STATES)}`,
  );
  return rows.length > 0;
}
