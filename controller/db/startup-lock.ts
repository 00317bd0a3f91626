/**
 * Controllers sharing one PostgreSQL database may start at the same moment (a deploy, a crash
 * loop). Migrating and first-start setup (the admin user, the `local` environment) are not safe
 * to run twice at once — two `CREATE TABLE`s or two admin inserts race — so a starting controller
 * does them under a session advisory lock, held on a connection of its own and released by
 * closing it (also when the process dies). PGlite has one controller per data dir
 * (`data-dir-lock.ts`): nothing to serialize there.
 */
import postgres from 'postgres';

/** Any fixed 64-bit number of this application's own: "batch" in ASCII. */
const STARTUP_LOCK_KEY = 0x6261746368;

export async function underStartupLock<T>(databaseUrl: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (databaseUrl === undefined) return fn();
  const lock = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await lock`SELECT pg_advisory_lock(${STARTUP_LOCK_KEY})`;
    return await fn();
  } finally {
    await lock.end({ timeout: 5 });
  }
}
