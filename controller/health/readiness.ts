/**
 * Readiness: can this controller do its work now? The database answers a `select 1` within
 * DATABASE_CHECK_MS, and the scheduler ended a pass within SCHEDULER_STALE_MS (it passes at
 * least every 2 s, scheduler/loop.ts DEFAULT_TICK_MS; a failing pass is not counted).
 * Liveness (`/healthz`) asks nothing of either: a database outage must not get a controller
 * restarted, only taken out of a load balancer's rotation.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';

export const DATABASE_CHECK_MS = 2000;
export const SCHEDULER_STALE_MS = 10_000;

export interface Readiness {
  ready: boolean;
  /** What is wrong, one line each; empty when ready. */
  problems: string[];
}

export interface ReadinessSources {
  store: Database;
  /** When the scheduler last ended a pass without error (ms since the epoch), if ever. */
  lastPassAt: () => number | undefined;
  now?: () => number;
}

export function readinessCheck(sources: ReadinessSources): () => Promise<Readiness> {
  const now = sources.now ?? Date.now;
  // Concurrent probes share one database check, so a hung database cannot pile queries up.
  let inFlight: Promise<string | undefined> | undefined;
  const databaseProblem = () => {
    inFlight ??= checkDatabase(sources.store).finally(() => (inFlight = undefined));
    return inFlight;
  };
  return async () => {
    const problems: string[] = [];
    const db = await databaseProblem();
    if (db) problems.push(db);
    const last = sources.lastPassAt();
    if (last === undefined) problems.push('scheduler: no pass has completed yet');
    else if (now() - last > SCHEDULER_STALE_MS)
      problems.push(`scheduler: last completed pass ${Math.round((now() - last) / 1000)} s ago`);
    return { ready: problems.length === 0, problems };
  };
}

async function checkDatabase(store: Database): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`database: no answer to select 1 within ${DATABASE_CHECK_MS} ms`),
      DATABASE_CHECK_MS,
    );
  });
  const query = store.rows(sql`select 1`).then(
    () => undefined,
    (err: unknown) => `database: ${err instanceof Error ? err.message : String(err)}`,
  );
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
