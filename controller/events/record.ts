/**
 * Records events inside the caller's transaction, for changes that no table trigger sees (a
 * schedule's run). State changes of jobs, tasks, instances, nodes and environments need no call:
 * the triggers of migration 0012 record them in the statement that makes them.
 */
import { sql } from 'drizzle-orm';
import type { EventKind } from '../../protocol/api.js';
import type { Database } from '../db/client.js';

export interface NewEvent {
  ownerId: string;
  kind: EventKind;
  state: string;
  reason?: string;
  jobId?: string;
  task?: string;
  instance?: number;
  attempt?: number;
  nodeId?: string;
  environment?: string;
  data?: Record<string, unknown>;
}

/** One INSERT for all of `events`, in the order given (a function scan keeps the array's order). */
export async function recordEvents(tx: Database, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.db.execute(sql`
    INSERT INTO events (owner_id, kind, state, reason, job_id, task, instance, attempt, node_id, environment, data)
    SELECT r."ownerId", r.kind, r.state, r.reason, r."jobId", r.task, r.instance, r.attempt, r."nodeId", r.environment, r.data
    FROM jsonb_to_recordset(${JSON.stringify(events)}::jsonb)
      AS r("ownerId" text, kind text, state text, reason text, "jobId" text, task text, instance int, attempt int,
           "nodeId" text, environment text, data jsonb)`);
}
