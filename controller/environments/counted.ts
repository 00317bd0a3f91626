/**
 * What a user's `computeEnvironments` quota counts: every environment they own, inline auto
 * environments among them (each distinct template is one), but not their default auto
 * environment `auto-<user>`, nor one being deleted or removed.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { AUTO_PREFIX } from './auto-name.js';

function counted(alias: string): SQL {
  const e = sql.raw(alias);
  return sql`${e}.removed_at IS NULL AND NOT ${e}.deleting
    AND ${e}.name <> (SELECT ${AUTO_PREFIX} || u.name FROM users u WHERE u.id = ${e}.owner_id)`;
}

/** How many environments count against each of these owners' quota. */
export async function countedEnvironments(store: Database, ownerIds: readonly string[]): Promise<Map<string, number>> {
  if (ownerIds.length === 0) return new Map();
  const rows = await store.rows<{ owner_id: string; n: number }>(sql`
    SELECT e.owner_id, count(*)::int AS n FROM compute_environments e
    WHERE e.owner_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ownerIds)}::jsonb)) AND ${counted('e')}
    GROUP BY e.owner_id`);
  return new Map(rows.map((r) => [r.owner_id, r.n]));
}
