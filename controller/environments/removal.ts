/**
 * The last step of deleting an environment, once its nodes are gone: the row goes, with its
 * terminated nodes. Tasks of past jobs may still name it (their history must keep saying where
 * they ran); then the row stays, renamed to `<name>~<id>` (`~` is in no name a user can give),
 * so that the name is free for a new environment and the old one is listed by no one.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { Logger } from '../log.js';

export async function removeDeletedEnvironment(store: Database, id: string, name: string, log: Logger): Promise<void> {
  await store.transaction(async (tx) => {
    const [used] = await tx.rows<{ used: boolean }>(
      sql`SELECT EXISTS (SELECT 1 FROM tasks WHERE environment_id = ${id}) AS used`,
    );
    if (used?.used) {
      await tx.db.execute(sql`
        UPDATE compute_environments SET name = ${`${name}~${id}`}, deleting = false, removed_at = now()
        WHERE id = ${id} AND deleting`);
      return;
    }
    await tx.db.execute(sql`DELETE FROM nodes WHERE environment_id = ${id}`);
    await tx.db.execute(sql`DELETE FROM compute_environments WHERE id = ${id} AND deleting`);
  });
  log.info(`compute environment ${name} is deleted`, { event: 'environment.deleted', environment: name });
}
