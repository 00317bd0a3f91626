/**
 * What the state gauges show, read at scrape time: one set-based `GROUP BY` per figure, over
 * every stored row (finished jobs are counted until they are deleted).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { stateIn } from '../db/state-sql.js';

export interface StateCount {
  state: string;
  n: number;
}

export const countJobsByState = (store: Database) =>
  store.rows<StateCount>(sql`SELECT state, count(*)::int AS n FROM jobs GROUP BY state`);

export const countTasksByState = (store: Database) =>
  store.rows<StateCount>(sql`SELECT state, count(*)::int AS n FROM tasks GROUP BY state`);

export const countInstancesByState = (store: Database) =>
  store.rows<StateCount>(sql`SELECT state, count(*)::int AS n FROM instances GROUP BY state`);

/** PENDING instances by the reason the API shows: the instance's own, else its task's. */
export const countPendingByReason = (store: Database) =>
  store.rows<{ reason: string | null; n: number }>(sql`
    SELECT coalesce(i.pending_reason, t.pending_reason) AS reason, count(*)::int AS n
    FROM instances i JOIN tasks t ON t.job_id = i.job_id AND t.name = i.task_name
    WHERE ${stateIn('instances', ['PENDING'], 'i')}
    GROUP BY 1`);

export const countNodesByEnvironment = (store: Database) =>
  store.rows<{ environment: string; state: string; n: number }>(sql`
    SELECT e.name AS environment, n.state, count(*)::int AS n
    FROM nodes n JOIN compute_environments e ON e.id = n.environment_id
    GROUP BY e.name, n.state`);
