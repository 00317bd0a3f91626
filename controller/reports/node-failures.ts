/**
 * Fails the active attempts of nodes that are gone or going (lost, deleted by a forced
 * scale-in) as NODE_LOST: an infrastructure failure, re-queued without spending retries. The
 * reports go through the batcher like an agent's own, so the outcome rules apply once.
 */
import { sql } from 'drizzle-orm';
import { ACTIVE_ATTEMPT_STATES } from '../../protocol/states.js';
import type { Database } from '../db/client.js';
import { stateIn } from '../db/state-sql.js';
import type { ReportBatcher } from './batcher.js';

/** Returns how many attempts each node had. */
export async function failAttemptsOfNodes(
  store: Database,
  batcher: ReportBatcher,
  nodeIds: readonly string[],
  message: (nodeId: string) => string,
): Promise<Map<string, number>> {
  const attempts = await store.rows<{ id: number; node_id: string }>(sql`
    SELECT id, node_id FROM attempts
    WHERE ${stateIn('attempts', ACTIVE_ATTEMPT_STATES)} AND node_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(nodeIds)}::jsonb))`);
  const now = Date.now();
  const perNode = new Map<string, number>();
  for (const a of attempts) {
    perNode.set(a.node_id, (perNode.get(a.node_id) ?? 0) + 1);
    batcher.addStatus({
      attemptId: a.id,
      nodeId: a.node_id,
      state: 'FAILED',
      exitCode: null,
      failureReason: 'NODE_LOST',
      message: message(a.node_id),
      retryable: true,
      at: now,
    });
  }
  return perNode;
}
