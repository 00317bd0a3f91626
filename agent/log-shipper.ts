/**
 * Ships an attempt's stdout and stderr as `logChunk` messages. Output is coalesced into chunks of
 * up to 64 KiB or 50 ms, whichever comes first; each (attempt, stream) numbers its chunks from 0.
 * Every chunk stays in memory until the controller's `ack` covers it, and all unacknowledged
 * chunks are sent again, in order, when a new session opens: the controller dedupes on seq, so a
 * log is never lost or reordered across reconnects. Memory is bounded: past `maxUnackedBytes` the
 * shipper reports itself congested and attempts pause reading their pipes (the commands block on
 * write) until acknowledgements bring it under half of that.
 */
import type { Ack, LogChunk } from '../protocol/messages.js';
import type { Outbox } from './outbox.js';

export type Stream = LogChunk['stream'];

export interface LogShipperOptions {
  maxChunkBytes: number;
  lingerMs: number;
  maxUnackedBytes?: number;
}

export const DEFAULT_LOG_SHIPPING: LogShipperOptions = {
  maxChunkBytes: 64 * 1024,
  lingerMs: 50,
  maxUnackedBytes: 64 * 1024 * 1024,
};

interface StreamLog {
  nextSeq: number;
  pending: Buffer[];
  pendingBytes: number;
  timer: NodeJS.Timeout | undefined;
  unacked: LogChunk[];
}

interface AttemptLog {
  streams: Record<Stream, StreamLog>;
  /** No more output will come; forget the attempt once everything is acknowledged. */
  closed: boolean;
}

const newStream = (): StreamLog => ({ nextSeq: 0, pending: [], pendingBytes: 0, timer: undefined, unacked: [] });

export class LogShipper {
  readonly #attempts = new Map<number, AttemptLog>();
  readonly #outbox: Outbox;
  readonly #opts: LogShipperOptions;
  #unackedBytes = 0;
  #drainWaiters: (() => void)[] = [];

  constructor(outbox: Outbox, opts: LogShipperOptions = DEFAULT_LOG_SHIPPING) {
    this.#outbox = outbox;
    this.#opts = opts;
  }

  /** True while more output is held than the controller has acknowledged allows. */
  get congested(): boolean {
    return this.#unackedBytes > (this.#opts.maxUnackedBytes ?? Infinity);
  }

  /** Resolves once held output is below half the limit again. */
  whenDrained(): Promise<void> {
    if (!this.congested) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  write(attemptId: number, stream: Stream, data: Buffer): void {
    if (data.byteLength === 0) return;
    const log = this.#stream(attemptId, stream);
    log.pending.push(data);
    log.pendingBytes += data.byteLength;
    if (log.pendingBytes >= this.#opts.maxChunkBytes) this.#emit(attemptId, stream, log, false);
    if (log.pendingBytes > 0 && log.timer === undefined) {
      log.timer = setTimeout(() => this.#emit(attemptId, stream, log, true), this.#opts.lingerMs);
    }
  }

  /**
   * Emits the attempt's buffered output now without waiting for the linger time: the `[batch]`
   * setup lines are sent before the command starts, so they precede its output.
   */
  flush(attemptId: number): void {
    const attempt = this.#attempts.get(attemptId);
    if (attempt === undefined) return;
    for (const stream of ['stdout', 'stderr'] as const) this.#emit(attemptId, stream, attempt.streams[stream], true);
  }

  /** Emits all buffered output of the attempt now and expects no more (the process has ended). */
  close(attemptId: number): void {
    const attempt = this.#attempts.get(attemptId);
    if (attempt === undefined) return;
    for (const stream of ['stdout', 'stderr'] as const) this.#emit(attemptId, stream, attempt.streams[stream], true);
    attempt.closed = true;
    this.#forgetIfDone(attemptId, attempt);
  }

  ack(logs: Ack['logs']): void {
    for (const { attemptId, stream, seq } of logs) {
      const attempt = this.#attempts.get(attemptId);
      if (attempt === undefined) continue;
      const log = attempt.streams[stream];
      const keepFrom = log.unacked.findIndex((chunk) => chunk.seq > seq);
      const dropped = keepFrom < 0 ? log.unacked : log.unacked.slice(0, keepFrom);
      for (const chunk of dropped) this.#unackedBytes -= chunk.data.byteLength;
      log.unacked = keepFrom < 0 ? [] : log.unacked.slice(keepFrom);
      this.#forgetIfDone(attemptId, attempt);
    }
    if (this.#drainWaiters.length > 0 && this.#unackedBytes <= (this.#opts.maxUnackedBytes ?? Infinity) / 2) {
      for (const resolve of this.#drainWaiters.splice(0)) resolve();
    }
  }

  /** Sends every unacknowledged chunk again; called when a new session opens. */
  resend(): void {
    for (const attempt of this.#attempts.values()) {
      for (const chunk of attempt.streams.stdout.unacked) this.#outbox.send(chunk);
      for (const chunk of attempt.streams.stderr.unacked) this.#outbox.send(chunk);
    }
  }

  #stream(attemptId: number, stream: Stream): StreamLog {
    let attempt = this.#attempts.get(attemptId);
    if (attempt === undefined) {
      attempt = { streams: { stdout: newStream(), stderr: newStream() }, closed: false };
      this.#attempts.set(attemptId, attempt);
    }
    return attempt.streams[stream];
  }

  /** Cuts the pending bytes into chunks: only full ones, unless `all` (linger expired, or close). */
  #emit(attemptId: number, stream: Stream, log: StreamLog, all: boolean): void {
    if (log.timer !== undefined) {
      clearTimeout(log.timer);
      log.timer = undefined;
    }
    if (log.pendingBytes === 0) return;
    const bytes = Buffer.concat(log.pending, log.pendingBytes);
    const max = this.#opts.maxChunkBytes;
    let offset = 0;
    while (bytes.byteLength - offset >= max || (all && offset < bytes.byteLength)) {
      const data = bytes.subarray(offset, Math.min(offset + max, bytes.byteLength));
      offset += data.byteLength;
      const chunk: LogChunk = { kind: 'logChunk', attemptId, stream, seq: log.nextSeq++, data };
      log.unacked.push(chunk);
      this.#unackedBytes += data.byteLength;
      this.#outbox.send(chunk);
    }
    log.pending = offset < bytes.byteLength ? [bytes.subarray(offset)] : [];
    log.pendingBytes = bytes.byteLength - offset;
  }

  #forgetIfDone(attemptId: number, attempt: AttemptLog): void {
    if (attempt.closed && attempt.streams.stdout.unacked.length === 0 && attempt.streams.stderr.unacked.length === 0) {
      this.#attempts.delete(attemptId);
    }
  }
}
