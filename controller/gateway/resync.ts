/**
 * Brings a (re)connected node and the database into agreement. The database is the truth:
 * attempts the node should run but does not know are (re)sent, attempts it runs that are no
 * longer wanted are killed, and attempts the database thinks are running but the node has
 * forgotten (the agent restarted) fail with AGENT_ERROR, which re-queues them.
 */
import { sql } from 'drizzle-orm';
import type { ControllerMessage } from '../../protocol/messages.js';
import { ACTIVE_ATTEMPT_STATES } from '../../protocol/states.js';
import { startedFromRow, type StartedAttempt, type StartedRow } from '../attempts/started.js';
import type { Database } from '../db/client.js';
import { stateIn } from '../db/state-sql.js';
import type { StatusReport } from '../reports/record.js';

interface ActiveRow extends StartedRow {
  state: 'SCHEDULED' | 'RUNNING';
  desired: 'run' | 'stop';
}

export interface ResyncPlan {
  /** Kills to send. */
  messages: ControllerMessage[];
  /** Attempts to (re)start; their messages need signed URLs first. */
  starts: StartedAttempt[];
  lost: StatusReport[];
}

export async function loadActiveAttempts(store: Database, nodeId: string): Promise<ActiveRow[]> {
  return store.rows<ActiveRow>(sql`
    SELECT a.id AS attempt_id, a.attempt, a.node_id, a.state, a.desired, a.job_id, j.name AS job_name, j.owner_id,
           u.number AS owner_number, i.task_name, i.index,
           t.instance_count AS count, e.name AS environment, t.spec
    FROM attempts a
    JOIN instances i ON i.id = a.instance_id
    JOIN jobs j ON j.id = a.job_id
    JOIN users u ON u.id = j.owner_id
    JOIN tasks t ON t.job_id = i.job_id AND t.name = i.task_name
    JOIN compute_environments e ON e.id = t.environment_id
    WHERE a.node_id = ${nodeId} AND ${stateIn('attempts', ACTIVE_ATTEMPT_STATES, 'a')}
    ORDER BY a.id`);
}

/** Pure: what to tell the node, given what the database and the node each believe. */
export function planResync(
  nodeId: string,
  active: readonly ActiveRow[],
  nodeKnows: readonly number[],
  now: number,
): ResyncPlan {
  const known = new Set(nodeKnows);
  const messages: ControllerMessage[] = [];
  const lost: StatusReport[] = [];
  const starts: StartedAttempt[] = [];
  for (const row of active) {
    if (row.desired === 'stop') {
      messages.push({ kind: 'killAttempt', attemptId: row.attempt_id, reason: 'STOPPED' });
    } else if (!known.has(row.attempt_id) && row.state === 'SCHEDULED') {
      starts.push(startedFromRow(row));
    } else if (!known.has(row.attempt_id)) {
      lost.push({
        attemptId: row.attempt_id,
        nodeId,
        state: 'FAILED',
        exitCode: null,
        failureReason: 'AGENT_ERROR',
        message: 'the agent restarted and no longer knows this attempt',
        retryable: true,
        at: now,
      });
    }
  }
  const wanted = new Set(active.filter((r) => r.desired === 'run').map((r) => r.attempt_id));
  for (const id of known) {
    if (!wanted.has(id) && !active.some((r) => r.attempt_id === id)) {
      messages.push({ kind: 'killAttempt', attemptId: id, reason: 'SUPERSEDED' });
    }
  }
  return { messages, starts, lost };
}
