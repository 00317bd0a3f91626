/**
 * The auto environment a user's tasks run in when they name no environment (SPEC §2): one per
 * user, `auto-<user>`, made at their first such submit, on the default provider. Its nodes are
 * created as the tasks' instances become ready and deleted when idle (pool-plan.ts), so the
 * next jobs of the same user reuse warm nodes while there are any. Names starting with `auto-`
 * are reserved for these: no one can create one and catch another user's tasks.
 */
import { sql } from 'drizzle-orm';
import { BatchError } from '../../protocol/errors.js';
import type { Caller } from '../access/caller.js';
import type { Database } from '../db/client.js';
import { newId } from '../secrets.js';
import { DEFAULT_AUTO_MAX_NODES } from './limits.js';

export const AUTO_PREFIX = 'auto-';

export function autoEnvironmentName(caller: Pick<Caller, 'name'>): string {
  return `${AUTO_PREFIX}${caller.name}`;
}

/** The caller's auto environment, made if it does not exist yet; returns its name. */
export async function ensureAutoEnvironment(store: Database, caller: Caller): Promise<string> {
  const name = autoEnvironmentName(caller);
  const [env] = await store.rows<{ owner_id: string; type: string; deleting: boolean }>(sql`
    INSERT INTO compute_environments (id, name, owner_id, type, provider, max_nodes)
    VALUES (${newId('ce')}, ${name}, ${caller.id}, 'auto', 'local', ${DEFAULT_AUTO_MAX_NODES})
    ON CONFLICT (name) DO UPDATE SET deleting = false
      WHERE compute_environments.owner_id = ${caller.id} AND compute_environments.type = 'auto'
    RETURNING owner_id, type, deleting`);
  if (!env) throw new BatchError('CONFLICT', `compute environment "${name}" exists and is not your auto environment`);
  return name;
}
