/**
 * Serializing a check and the write it guards, where one statement cannot do both (a quota
 * counted over rows, then an insert): a transaction-scoped advisory lock on a named key. Locks
 * end with the transaction; on PGlite, whose one connection runs transactions one at a time,
 * they cost nothing and change nothing.
 */
import { sql } from 'drizzle-orm';
import type { Database } from './client.js';

/** Waits for, then holds until `tx` ends, the lock named `key` (e.g. `environments:<user id>`). */
export async function lockKey(tx: Database, key: string): Promise<void> {
  await tx.db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
}
