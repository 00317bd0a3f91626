/**
 * Liveness. Heartbeats are kept in memory and written for all nodes in one statement a second;
 * a node silent for the grace period becomes LOST and its running attempts fail with NODE_LOST
 * (an infrastructure failure: re-queued without spending retries).
 */
import { sql } from 'drizzle-orm';
import { CLOSE_CODES, type NodeMetrics } from '../../protocol/messages.js';
import { LIVE_NODE_STATES } from '../../protocol/states.js';
import type { Database } from '../db/client.js';
import { canMoveTo, stateIn, stateValue } from '../db/state-sql.js';
import type { Logger } from '../log.js';
import type { ReportBatcher } from '../reports/batcher.js';
import { failAttemptsOfNodes } from '../reports/node-failures.js';
import type { SessionRegistry } from './registry.js';

export class HeartbeatTracker {
  private seenSince = new Map<string, NodeMetrics | null>();

  seen(nodeId: string, metrics?: NodeMetrics): void {
    const prev = this.seenSince.get(nodeId);
    this.seenSince.set(nodeId, metrics ?? prev ?? null);
  }

  /** Takes what was seen since the last call. */
  take(): Map<string, NodeMetrics | null> {
    const out = this.seenSince;
    this.seenSince = new Map();
    return out;
  }
}

export async function flushHeartbeats(store: Database, tracker: HeartbeatTracker): Promise<void> {
  const seen = tracker.take();
  if (seen.size === 0) return;
  const rows = [...seen].map(([id, metrics]) => ({ id, metrics }));
  await store.db.execute(sql`
    UPDATE nodes n SET last_heartbeat_at = now(), metrics = coalesce(r.metrics, n.metrics)
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(id text, metrics jsonb)
    WHERE n.id = r.id`);
}

/**
 * At controller start every live node gets a fresh grace period: silence while the controller
 * itself was down says nothing about the nodes, and declaring them lost would re-run their work.
 * Unless another controller (not `self`) was alive within `peersWithinMs`: then heartbeats were
 * being recorded all along, and a fresh grace at every restart of one of several controllers
 * would keep a dead node from ever being declared lost.
 */
export async function restartHeartbeatClock(store: Database, self: string, peersWithinMs: number): Promise<void> {
  await store.db.execute(sql`
    UPDATE nodes SET last_heartbeat_at = now() WHERE ${stateIn('nodes', LIVE_NODE_STATES)} AND last_heartbeat_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM controllers c WHERE c.id <> ${self} AND c.stopped_at IS NULL
                        AND c.last_seen_at > now() - make_interval(secs => ${peersWithinMs / 1000}))`);
}

/** Marks silent nodes LOST and fails their active attempts. Returns the lost node ids. */
export async function detectLostNodes(
  store: Database,
  lostAfterMs: number,
  batcher: ReportBatcher,
  registry: SessionRegistry,
  log: Logger,
): Promise<string[]> {
  const lost = await store.rows<{ id: string }>(sql`
    UPDATE nodes SET state = ${stateValue('nodes', 'LOST')}
    WHERE ${canMoveTo('nodes', 'LOST')}
      AND last_heartbeat_at < now() - make_interval(secs => ${lostAfterMs / 1000})
    RETURNING id`);
  if (lost.length === 0) return [];
  const ids = lost.map((n) => n.id);
  const seconds = Math.round(lostAfterMs / 1000);
  const attempts = await failAttemptsOfNodes(
    store,
    batcher,
    ids,
    (id) => `node ${id} sent no heartbeat for ${seconds} s`,
  );
  for (const id of ids) {
    registry.get(id)?.close(CLOSE_CODES.LOST, 'declared lost');
    log.warn(
      `node ${id} is LOST (no heartbeat for ${Math.round(lostAfterMs / 1000)} s); ${attempts.get(id) ?? 0} attempt(s) re-queued`,
      { event: 'node.lost', nodeId: id },
    );
  }
  return ids;
}
