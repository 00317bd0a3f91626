/**
 * One client's event stream, as the bytes of a server-sent-events body. It first catches up
 * from its `since` with its own paged, filtered reads (pulled: a page only when the client has
 * taken the last), and once it has reached the hub's position it attaches to the hub and gets
 * live events pushed. The stream's queue is the subscriber's bounded buffer: a client too slow
 * to take what the hub pushes is cut off with its last id, so it resumes instead of holding the
 * controller's memory.
 */
import type { Database } from '../db/client.js';
import { errorText } from '../log.js';
import { matches, type EventFilter } from './filter.js';
import type { EventHub } from './hub.js';
import { readRange } from './read.js';
import { compareCursors, streamEvent, type EventCursor, type StreamEvent } from './view.js';

const CATCH_UP_PAGE = 500;

/** The frames of a hub batch that one filter lets through, joined. */
export interface BatchChunk {
  bytes: Uint8Array;
  events: number;
  lastId: number | undefined;
}

/** How many events a joined chunk holds (the stream's buffer is counted in events). */
const chunkEvents = new WeakMap<Uint8Array, number>();

function joinFrames(events: readonly StreamEvent[]): BatchChunk {
  return {
    bytes: events.length === 1 ? events[0]!.frame : Buffer.concat(events.map((e) => e.frame)),
    events: events.length,
    lastId: events.at(-1)?.event.id,
  };
}

function filterKey(filter: EventFilter): string {
  return JSON.stringify([filter.ownerId ?? null, filter.jobId ?? null, filter.kinds ?? null, filter.states ?? null]);
}
const encoder = new TextEncoder();
const HEARTBEAT = encoder.encode(': heartbeat\n\n');

export class EventSubscription {
  readonly body: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private position: EventCursor;
  private attached = false;
  private ended = false;
  private lastId: number | undefined;
  private sentSinceBeat = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly hub: EventHub,
    private readonly store: Database,
    private readonly filter: EventFilter,
    from: EventCursor,
    /** false: end once caught up to the present instead of following (`batchctl events` without -f). */
    private readonly follow: boolean,
    private readonly onEnd: (sub: EventSubscription) => void,
  ) {
    this.position = from;
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
          // Sent at once (proxies and clients see the stream is open) and says where it starts, so
          // a client that came "from now" can resume from here after losing the connection.
          controller.enqueue(encoder.encode(`event: open\ndata: ${JSON.stringify({ after: from.id })}\n\n`));
        },
        pull: () => this.catchUp(),
        cancel: () => this.end(),
      },
      // The buffer counts events, whether they came one by one (catch-up) or as a batch.
      { highWaterMark: hub.options.bufferLimit, size: (chunk) => chunkEvents.get(chunk) ?? 1 },
    );
    this.heartbeat = setInterval(() => this.beat(), hub.options.heartbeatMs);
  }

  /**
   * Live events from the hub, in stream order. A batch goes out as one chunk: its matching
   * frames joined once for every stream with the same filter (`shared`), so a thousand followers
   * cost a thousand writes per batch, not one per event each.
   */
  offer(batch: readonly StreamEvent[], shared: Map<string, BatchChunk>): void {
    if (this.ended || batch.length === 0) return;
    // The hub may hand out rows from before where this stream started (it attached while the
    // hub's position lagged behind the end of the stream): those are not news to it.
    const fresh = compareCursors(batch[0]!.cursor, this.position) > 0;
    const key = filterKey(this.filter);
    let chunk = fresh ? shared.get(key) : undefined;
    if (!chunk) {
      chunk = joinFrames(batch.filter((e) => compareCursors(e.cursor, this.position) > 0 && matches(this.filter, e)));
      if (fresh) shared.set(key, chunk);
    }
    if (chunk.events === 0) {
      this.position = batch[batch.length - 1]!.cursor;
      return;
    }
    const room = this.controller.desiredSize ?? 0;
    if (chunk.events > room) {
      // What still fits goes out, event by event, then the stream is cut off after the last of
      // them: the client resumes from exactly there.
      for (const e of batch) {
        if (this.controller.desiredSize === null || this.controller.desiredSize <= 0) break;
        if (compareCursors(e.cursor, this.position) > 0 && matches(this.filter, e)) this.send(e);
      }
      this.cutOff();
      return;
    }
    this.position = batch[batch.length - 1]!.cursor;
    chunkEvents.set(chunk.bytes, chunk.events);
    this.controller.enqueue(chunk.bytes);
    this.lastId = chunk.lastId;
    this.sentSinceBeat = true;
  }

  /** Closes the stream (controller shutting down). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    this.onEnd(this);
    try {
      this.controller.close();
    } catch {
      // Already closed or cancelled by the client: nothing left to close.
    }
  }

  /** Reads the next page of the catch-up while not attached; then the hub pushes instead. */
  private async catchUp(): Promise<void> {
    while (!this.attached && !this.ended) {
      try {
        await this.hub.freshPosition();
      } catch (err) {
        this.hub.options.log.warn(`event stream catch-up: ${errorText(err)}`);
        this.end();
        return;
      }
      if (this.cancelledDuring()) return;
      // Read in the same tick as the check below: attaching then misses nothing.
      const target = this.hub.position;
      if (compareCursors(this.position, target) >= 0) {
        if (!this.follow) {
          this.end();
          return;
        }
        // Same tick as the check: the hub's next batch starts right after `position`.
        this.attached = true;
        this.hub.attach(this);
        return;
      }
      let rows;
      try {
        rows = await readRange(this.store, this.filter, this.position, target, CATCH_UP_PAGE);
      } catch (err) {
        this.hub.options.log.warn(`event stream catch-up: ${errorText(err)}`);
        this.end();
        return;
      }
      if (this.cancelledDuring()) return;
      for (const row of rows) this.send(streamEvent(row));
      // A short page means nothing of ours lies between the last row and the target.
      if (rows.length < CATCH_UP_PAGE) this.position = target;
      if (rows.length > 0) return;
    }
  }

  /** Whether the client went away (or the hub stopped) while a read was awaited. */
  private cancelledDuring(): boolean {
    return this.ended;
  }

  private send(e: StreamEvent): void {
    this.controller.enqueue(e.frame);
    this.lastId = e.event.id;
    this.position = e.cursor;
    this.sentSinceBeat = true;
  }

  private cutOff(): void {
    const last = this.lastId === undefined ? '' : ` after event ${this.lastId}`;
    const data = {
      code: 'TOO_SLOW',
      lastId: this.lastId ?? null,
      message: `the client fell ${this.hub.options.bufferLimit} events behind (BATCH_EVENT_BUFFER); resume with Last-Event-ID${last}`,
    };
    try {
      this.controller.enqueue(encoder.encode(`event: cut-off\ndata: ${JSON.stringify(data)}\n\n`));
    } catch {
      // The client went away meanwhile.
    }
    this.end();
  }

  private beat(): void {
    if (!this.sentSinceBeat && !this.ended && (this.controller.desiredSize ?? 0) > 0)
      this.controller.enqueue(HEARTBEAT);
    this.sentSinceBeat = false;
  }
}
