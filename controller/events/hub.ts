/**
 * One reader per controller: it polls `events` for what became deliverable (woken by the report
 * writer and the scheduler, and on a short interval for other controllers' writes) and hands
 * each row, shaped and encoded once, to every live subscriber in memory — so a thousand
 * followers cost one query, not a thousand. It also purges what is past retention.
 */
import { BatchError } from '../../protocol/errors.js';
import type { Caller } from '../access/caller.js';
import type { Database } from '../db/client.js';
import { errorText, type Logger } from '../log.js';
import type { EventFilter } from './filter.js';
import { purgeEvents, readDeliverable, streamHead } from './read.js';
import { EventSubscription, type BatchChunk } from './subscription.js';
import { compareCursors, START, streamEvent, type EventCursor, type StreamEvent } from './view.js';

export interface EventHubOptions {
  /** How often the reader looks for other controllers' events when nothing woke it. */
  pollMs: number;
  /** Events queued for one subscriber before it counts as too slow and is cut off. */
  bufferLimit: number;
  /** Concurrent streams of one user, and of everyone. */
  streamsPerUser: number;
  streamsTotal: number;
  heartbeatMs: number;
  retentionHours: number;
  log: Logger;
  /** Whether this controller purges now (it holds the retention lease); absent: always. */
  mayPurge?: () => boolean;
}

const PAGE = 2000;
// Under a burst, reads come at most this often: each read of a busy database costs it on the
// dispatch path, and fewer, fuller pages kept dispatch with a follower at 91–100 % of its rate
// without one, where 20 ms gave 77–95 % (docs/performance.md, 2026-11-30). An event after a quiet
// spell is read at once.
const MIN_READ_GAP_MS = 100;
const PURGE_EVERY_MS = 60_000;

export class EventHub {
  private cursor: EventCursor = START;
  private readonly live = new Set<EventSubscription>();
  private readonly streamsOf = new Map<string, number>();
  private open = 0;
  /** The read running or last run, and the one waiting behind it (if any). */
  private current: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private lastRead = 0;
  private timer: NodeJS.Timeout | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: Database,
    readonly options: EventHubOptions,
  ) {}

  /** Starts at the current end of the stream: earlier events reach subscribers by catch-up. */
  async start(): Promise<void> {
    this.cursor = await streamHead(this.store);
    this.timer = setInterval(() => void this.wake(), this.options.pollMs);
    this.purgeTimer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    await this.purge();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.purgeTimer);
    for (const sub of [...this.live]) sub.end();
  }

  /** Where the reader stands: every deliverable event up to here has been handed out. */
  get position(): EventCursor {
    return this.cursor;
  }

  /**
   * Something was written: read soon. Reads run one at a time; wakes while one is queued share
   * it. Resolves when a read that began after the call has handed its events out.
   */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.queued) {
      const next = this.current.then(async () => {
        // At most one read per MIN_READ_GAP_MS: under load the report writer wakes the reader
        // hundreds of times a second, and each read is a query on the hot path's database.
        const wait = this.lastRead + MIN_READ_GAP_MS - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        this.queued = undefined;
        this.lastRead = Date.now();
        return this.poll();
      });
      this.queued = next;
      this.current = next;
    }
    return this.queued;
  }

  /**
   * A new subscription for `caller`, resuming after `since` (absent: from now), following or
   * ending at the present. Refused with 429 over the per-user or total stream limit.
   */
  async subscribe(
    caller: Caller,
    filter: EventFilter,
    since: EventCursor | undefined,
    follow: boolean,
  ): Promise<EventSubscription> {
    const mine = this.streamsOf.get(caller.id) ?? 0;
    if (mine >= this.options.streamsPerUser)
      throw new BatchError(
        'TOO_MANY_REQUESTS',
        `event streams: at most ${this.options.streamsPerUser} open at once per user (BATCH_EVENT_STREAMS_PER_USER); close one first`,
      );
    if (this.open >= this.options.streamsTotal)
      throw new BatchError(
        'TOO_MANY_REQUESTS',
        `event streams: the controller serves at most ${this.options.streamsTotal} at once (BATCH_EVENT_STREAMS_MAX); retry later`,
      );
    // Counted before the first await, so concurrent requests cannot all pass the check.
    this.streamsOf.set(caller.id, mine + 1);
    this.open++;
    const release = () => {
      const left = (this.streamsOf.get(caller.id) ?? 1) - 1;
      if (left === 0) this.streamsOf.delete(caller.id);
      else this.streamsOf.set(caller.id, left);
      this.open--;
    };
    let from: EventCursor;
    try {
      from = since ?? (await this.freshPosition());
    } catch (err) {
      release();
      throw err;
    }
    return new EventSubscription(this, this.store, filter, from, follow, (sub) => {
      this.live.delete(sub);
      release();
    });
  }

  /**
   * The reader's position, first moved to the end of the stream when no stream is live (the
   * reader does not read while nobody listens, so its position lags behind).
   */
  async freshPosition(): Promise<EventCursor> {
    if (this.nobodyListening()) {
      const head = await streamHead(this.store);
      // A stream may have attached during the probe, at the old position: it reads on from there.
      if (this.nobodyListening() && compareCursors(head, this.cursor) > 0) this.cursor = head;
    }
    return this.cursor;
  }

  /** Called by a subscription that has caught up to `position`, in the same tick. */
  attach(sub: EventSubscription): void {
    this.live.add(sub);
  }

  private async poll(): Promise<void> {
    try {
      // Nobody to hand rows to: no query at all (the hot path's database is busy); the
      // position catches up when a stream needs it (`freshPosition`).
      if (this.nobodyListening()) return;
      for (;;) {
        const from = this.cursor;
        const rows = await readDeliverable(this.store, from, PAGE);
        // Moved on meanwhile (`freshPosition`, when the first stream came): read from there.
        if (this.cursor !== from) continue;
        if (rows.length === 0) return;
        const batch: StreamEvent[] = rows.map(streamEvent);
        // Moving the cursor and handing out happen in one tick: a subscription that attaches
        // between two reads gets exactly the events after the position it caught up to.
        this.cursor = batch[batch.length - 1]!.cursor;
        // Streams with the same filter share one joined chunk of this batch.
        const shared = new Map<string, BatchChunk>();
        for (const sub of this.live) sub.offer(batch, shared);
        if (rows.length < PAGE) return;
      }
    } catch (err) {
      this.options.log.warn(`event reader: ${errorText(err)} (retrying at the next wake)`);
    }
  }

  private nobodyListening(): boolean {
    return this.live.size === 0;
  }

  private async purge(): Promise<void> {
    if (this.options.mayPurge?.() === false) return;
    try {
      const n = await purgeEvents(this.store, this.options.retentionHours);
      if (n > 0) this.options.log.info(`purged ${n} event(s) older than ${this.options.retentionHours} h`);
    } catch (err) {
      this.options.log.warn(`event purge: ${errorText(err)}`);
    }
  }
}
