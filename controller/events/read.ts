/**
 * The queries behind the stream. Ids come from a sequence, so under concurrent writers they
 * commit out of order: a reader taking `id > last` would skip a row that commits later with a
 * smaller id. Rows are therefore delivered in (xid, id) order and only once their transaction is
 * older than every transaction still running (`xid < pg_snapshot_xmin(…)`): no later commit can
 * ever land before a delivered row, so the delivered sequence only grows at its end.
 */
import { sql, type SQL } from 'drizzle-orm';
import { BatchError } from '../../protocol/errors.js';
import type { Database } from '../db/client.js';
import type { EventFilter } from './filter.js';
import type { EventCursor, EventRow } from './view.js';

/**
 * The stream's order. On PostgreSQL: (xid, id), below the oldest running transaction. On PGlite
 * the one connection runs one transaction at a time, so ids already commit in order; and its
 * transaction ids are not kept across a crash (after a SIGKILL new transactions got smaller xids
 * than stored rows), so there the order is the id alone, with xid read as 0.
 */
interface StreamOrder {
  xid: SQL;
  deliverable: SQL;
  key: SQL;
  keyDesc: SQL;
}
const POSTGRES_ORDER: StreamOrder = {
  xid: sql`xid::text`,
  deliverable: sql`xid < pg_snapshot_xmin(pg_current_snapshot())`,
  key: sql`xid, id`,
  keyDesc: sql`xid DESC, id DESC`,
};
const PGLITE_ORDER: StreamOrder = { xid: sql`'0'`, deliverable: sql`true`, key: sql`id`, keyDesc: sql`id DESC` };
const orderOf = (store: Database): StreamOrder => (store.kind === 'pglite' ? PGLITE_ORDER : POSTGRES_ORDER);

const columns = (o: StreamOrder) =>
  sql`id, ${o.xid} AS xid, created_at, owner_id, kind, job_id, task, instance, attempt, node_id, environment, state, reason, data`;
const after = (o: StreamOrder, c: EventCursor) =>
  o === PGLITE_ORDER ? sql`id > ${c.id}` : sql`(xid, id) > (${c.xid.toString()}::xid8, ${c.id})`;
const upTo = (o: StreamOrder, c: EventCursor) =>
  o === PGLITE_ORDER ? sql`id <= ${c.id}` : sql`(xid, id) <= (${c.xid.toString()}::xid8, ${c.id})`;

/** The next deliverable rows after `cursor`, for every user (the hub filters in memory). */
export function readDeliverable(store: Database, cursor: EventCursor, limit: number): Promise<EventRow[]> {
  const o = orderOf(store);
  return store.rows<EventRow>(sql`
    SELECT ${columns(o)} FROM events WHERE ${after(o, cursor)} AND ${o.deliverable}
    ORDER BY ${o.key} LIMIT ${limit}`);
}

/** A subscriber's catch-up: its rows after `from` up to `upTo` (already deliverable), filtered. */
export function readRange(
  store: Database,
  filter: EventFilter,
  from: EventCursor,
  until: EventCursor,
  limit: number,
): Promise<EventRow[]> {
  const o = orderOf(store);
  const where: SQL[] = [after(o, from), upTo(o, until)];
  if (filter.ownerId !== undefined) where.push(sql`owner_id = ${filter.ownerId}`);
  if (filter.jobId !== undefined) where.push(sql`job_id = ${filter.jobId}`);
  if (filter.kinds !== undefined) where.push(sql`kind IN (SELECT jsonb_array_elements_text(${json(filter.kinds)}))`);
  if (filter.states !== undefined) where.push(sql`state IN (SELECT jsonb_array_elements_text(${json(filter.states)}))`);
  return store.rows<EventRow>(sql`
    SELECT ${columns(o)} FROM events WHERE ${sql.join(where, sql` AND `)}
    ORDER BY ${o.key} LIMIT ${limit}`);
}

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/** The last deliverable row: where a reader that starts now begins. */
export async function streamHead(store: Database): Promise<EventCursor> {
  const o = orderOf(store);
  const [row] = await store.rows<{ xid: string; id: number }>(sql`
    SELECT ${o.xid} AS xid, id FROM events WHERE ${o.deliverable} ORDER BY ${o.keyDesc} LIMIT 1`);
  return row ? { xid: BigInt(row.xid), id: row.id } : { xid: 0n, id: 0 };
}

/**
 * Where `?since=ID` resumes: right after event ID. An id that is no longer stored was purged by
 * retention (410: the client missed events and must start over); one the sequence never gave
 * out is a mistake of the client's (422).
 */
export async function resolveSince(store: Database, id: number): Promise<EventCursor> {
  if (id === 0) return { xid: 0n, id: 0 };
  const [row] = await store.rows<{ xid: string }>(
    sql`SELECT ${orderOf(store).xid} AS xid FROM events WHERE id = ${id}`,
  );
  if (row) return { xid: BigInt(row.xid), id };
  const [seq] = await store.rows<{ last: number | null }>(sql`
    SELECT CASE WHEN is_called THEN last_value END AS last FROM events_id_seq`);
  if (seq?.last != null && id <= seq.last)
    throw new BatchError(
      'GONE',
      `since: event ${id} is older than the retention window (BATCH_EVENT_RETENTION_HOURS); events after it may be lost — start again without since`,
      'since',
    );
  throw new BatchError('VALIDATION', `since: no event has id ${id}`, 'since');
}

/**
 * Deletes events older than the retention window, in one statement; returns how many. Ids grow
 * with time, so the cut is the first id young enough, found by walking the primary key from the
 * oldest row (over exactly the rows that go): no index on created_at, which every state change
 * would pay for. Rows of transactions that committed late by a few seconds may outlive the cut
 * by as much; none goes early.
 */
export async function purgeEvents(store: Database, retentionHours: number): Promise<number> {
  const gone = await store.rows<{ n: number }>(sql`
    WITH cut AS (
      SELECT coalesce(
        (SELECT id FROM events WHERE created_at >= now() - make_interval(hours => ${retentionHours}) ORDER BY id LIMIT 1),
        (SELECT max(id) + 1 FROM events)) AS id
    ),
    d AS (DELETE FROM events WHERE id < (SELECT id FROM cut) RETURNING 1)
    SELECT count(*)::int AS n FROM d`);
  return gone[0]?.n ?? 0;
}
