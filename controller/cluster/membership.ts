/**
 * The controllers sharing the database (`controllers` table): each registers at start, then
 * heartbeats its row with the number of agents connected to it; a clean shutdown marks it
 * stopped. Only the holder of the `retention` lease deletes rows of controllers long gone.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { BATCH_VERSION } from '../../protocol/version.js';
import { CONTROLLER_PROGRAM } from '../data-dir-lock.js';
import type { Database } from '../db/client.js';
import { errorText, type Logger } from '../log.js';
import { isProcessOf } from '../process-check.js';
import type { ClusterBus } from './bus.js';
import { LEASE_TTL_MS, RENEW_EVERY_MS, type Leases } from './leases.js';

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

/**
 * Controllers that cannot be running any more, found at start: on PGlite every other one (the
 * data-dir lock makes this the only controller of its database), on PostgreSQL those of this
 * host whose process is gone. They are marked stopped and their leases released, so a controller
 * restarted after a crash takes its duties at once rather than after the old leases expire, and
 * gives the nodes a fresh grace when it was the only one. Returns their ids.
 */
export async function retireDeadControllers(store: Database, self: string): Promise<string[]> {
  const others = await store.rows<{ id: string; hostname: string; pid: number }>(sql`
    SELECT id, hostname, pid FROM controllers WHERE id <> ${self} AND stopped_at IS NULL`);
  const dead = others
    .filter((c) => store.kind === 'pglite' || (c.hostname === hostname() && !isProcessOf(c.pid, CONTROLLER_PROGRAM)))
    .map((c) => c.id);
  if (dead.length === 0) return [];
  const ids = sql`(SELECT jsonb_array_elements_text(${JSON.stringify(dead)}::jsonb))`;
  await store.transaction(async (tx) => {
    await tx.db.execute(sql`UPDATE controllers SET stopped_at = now(), connected_nodes = 0 WHERE id IN ${ids}`);
    await tx.db.execute(sql`DELETE FROM controller_leases WHERE holder IN ${ids}`);
  });
  return dead;
}

/** Whether any other controller was alive within `ms` (by the database's clock). */
export async function peersSeenWithin(store: Database, id: string, ms: number): Promise<boolean> {
  const [row] = await store.rows<{ n: number }>(sql`
    SELECT count(*)::int AS n FROM controllers
    WHERE id <> ${id} AND stopped_at IS NULL AND last_seen_at > now() - make_interval(secs => ${ms / 1000})`);
  return (row?.n ?? 0) > 0;
}

/**
 * Every RENEW_EVERY_MS: this controller's heartbeat (with its agents), whether others are up
 * (the bus notifies only then), whether its LISTEN still hears, and — for the `retention`
 * leaseholder — forgetting controllers long gone. Returns what stops it.
 */
export function startMembership(deps: {
  store: Database;
  id: string;
  bus: ClusterBus;
  leases: Leases;
  connectedNodes: () => number;
  log: Logger;
}): () => void {
  const timer = setInterval(() => {
    void (async () => {
      await heartbeatController(deps.store, deps.id, deps.connectedNodes());
      deps.bus.peersUp = await peersSeenWithin(deps.store, deps.id, LEASE_TTL_MS);
      await deps.bus.checkListening();
      if (deps.leases.holds('retention')) await forgetGoneControllers(deps.store);
    })().catch((err: unknown) => deps.log.warn(`controller heartbeat failed: ${errorText(err)}`));
  }, RENEW_EVERY_MS);
  return () => clearInterval(timer);
}

/** Retention: rows of controllers not seen for a day. Idempotent. */
export async function forgetGoneControllers(store: Database): Promise<number> {
  const rows = await store.rows<{ id: string }>(sql`
    DELETE FROM controllers WHERE last_seen_at < now() - make_interval(secs => ${FORGET_AFTER_MS / 1000})
    RETURNING id`);
  return rows.length;
}
