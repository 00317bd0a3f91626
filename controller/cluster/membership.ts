/**
 * The controllers sharing the database (`controllers` table): each registers at start, then
 * heartbeats its row with the number of agents connected to it; a clean shutdown marks it
 * stopped. Only the holder of the `retention` lease deletes rows of controllers long gone.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { BATCH_VERSION } from '../../protocol/version.js';
import type { Database } from '../db/client.js';

/** A controller not seen for this long is gone; its row is deleted. */
const FORGET_AFTER_MS = 24 * 3600_000;

/** A new id at every start: a restarted controller is a new member (its leases were the old one's). */
export function newControllerId(): string {
  return `ctl-${randomBytes(6).toString('hex')}`;
}

export async function registerController(store: Database, id: string, url: string): Promise<void> {
  await store.db.execute(sql`
    INSERT INTO controllers (id, hostname, pid, url, version)
    VALUES (${id}, ${hostname()}, ${process.pid}, ${url}, ${BATCH_VERSION})`);
}

export async function heartbeatController(store: Database, id: string, connectedNodes: number): Promise<void> {
  await store.db.execute(sql`
    UPDATE controllers SET last_seen_at = now(), connected_nodes = ${connectedNodes}
    WHERE id = ${id}`);
}

export async function markControllerStopped(store: Database, id: string): Promise<void> {
  await store.db.execute(sql`UPDATE controllers SET stopped_at = now(), connected_nodes = 0 WHERE id = ${id}`);
}

/** Whether any other controller was alive within `ms` (by the database's clock). */
export async function peersSeenWithin(store: Database, id: string, ms: number): Promise<boolean> {
  const [row] = await store.rows<{ n: number }>(sql`
    SELECT count(*)::int AS n FROM controllers
    WHERE id <> ${id} AND stopped_at IS NULL AND last_seen_at > now() - make_interval(secs => ${ms / 1000})`);
  return (row?.n ?? 0) > 0;
}

/** Retention: rows of controllers not seen for a day. Idempotent. */
export async function forgetGoneControllers(store: Database): Promise<number> {
  const rows = await store.rows<{ id: string }>(sql`
    DELETE FROM controllers WHERE last_seen_at < now() - make_interval(secs => ${FORGET_AFTER_MS / 1000})
    RETURNING id`);
  return rows.length;
}
