/** An events row as the API shows it, and its place in the stream. */
import type { BatchEvent, EventKind } from '../../protocol/api.js';

/** A row of `events` as read (xid as text: xid8 has no JavaScript number type). */
export interface EventRow {
  id: number;
  xid: string;
  created_at: Date | string;
  owner_id: string;
  kind: EventKind;
  job_id: string | null;
  task: string | null;
  instance: number | null;
  attempt: number | null;
  node_id: string | null;
  environment: string | null;
  state: string;
  reason: string | null;
  data: Record<string, unknown> | null;
}

/**
 * A place in the stream: the stream is ordered by (writing transaction, id), the order in which
 * the events became visible (see README.md), so a cursor holds both.
 */
export interface EventCursor {
  xid: bigint;
  id: number;
}

export const START: EventCursor = { xid: 0n, id: 0 };

export function compareCursors(a: EventCursor, b: EventCursor): number {
  if (a.xid !== b.xid) return a.xid < b.xid ? -1 : 1;
  return a.id - b.id;
}

/** An event ready to send: shaped, filtered on, and encoded once for every subscriber. */
export interface StreamEvent {
  cursor: EventCursor;
  ownerId: string;
  event: BatchEvent;
  /** The whole SSE frame, encoded once however many subscribers receive it. */
  frame: Uint8Array;
}

const encoder = new TextEncoder();

export function streamEvent(row: EventRow): StreamEvent {
  const event: BatchEvent = {
    id: row.id,
    at: new Date(row.created_at).toISOString(),
    kind: row.kind,
    state: row.state,
  };
  if (row.reason !== null) event.reason = row.reason;
  if (row.job_id !== null) event.jobId = row.job_id;
  if (row.task !== null) event.task = row.task;
  if (row.instance !== null) event.instance = row.instance;
  if (row.attempt !== null) event.attempt = row.attempt;
  if (row.node_id !== null) event.nodeId = row.node_id;
  if (row.environment !== null) event.environment = row.environment;
  if (row.data !== null) event.data = row.data;
  return {
    cursor: { xid: BigInt(row.xid), id: row.id },
    ownerId: row.owner_id,
    event,
    frame: encoder.encode(`id: ${row.id}\nevent: ${row.kind}\ndata: ${JSON.stringify(event)}\n\n`),
  };
}
