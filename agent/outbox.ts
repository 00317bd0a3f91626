/**
 * The way up to the controller. Messages queued in one tick of the event loop leave together,
 * packed into as few frames as the frame limits allow (log chunks and statuses come in bursts).
 *
 * The outbox is deliberately lossy: while no session is open, messages are dropped. Whatever
 * must survive a reconnect (log chunks, statuses) is kept by its owner until acknowledged and
 * sent again when the next session opens.
 */
import { encodeFrame, ProtocolError } from '../protocol/codec.js';
import { MAX_FRAME_BYTES, MAX_MESSAGES_PER_FRAME, type AgentMessage } from '../protocol/messages.js';

/** The part of a WebSocket the outbox needs. */
export interface FrameSink {
  send(frame: Uint8Array): void;
  readonly bufferedAmount: number;
}

// Frames are planned by an estimate well below the hard limit; encodeFrame has the last word.
const FRAME_BUDGET_BYTES = MAX_FRAME_BYTES / 4;
const MESSAGE_OVERHEAD_BYTES = 256;

function estimateBytes(message: AgentMessage): number {
  switch (message.kind) {
    case 'logChunk':
      return message.data.byteLength + MESSAGE_OVERHEAD_BYTES;
    case 'attemptStatus':
      return (message.message?.length ?? 0) * 3 + MESSAGE_OVERHEAD_BYTES;
    case 'heartbeat':
    case 'hello':
      return message.running.length * 9 + 4 * MESSAGE_OVERHEAD_BYTES;
    case 'uploadRequest':
      return message.files.reduce((n, f) => n + f.path.length * 3 + 16, MESSAGE_OVERHEAD_BYTES);
  }
}

export class Outbox {
  #sink: FrameSink | undefined;
  #queue: AgentMessage[] = [];
  #scheduled = false;

  /** Messages flow once a session is open, and are dropped again after `detach`. */
  attach(sink: FrameSink): void {
    this.#sink = sink;
  }

  detach(): void {
    this.#sink = undefined;
    this.#queue = [];
  }

  get isOpen(): boolean {
    return this.#sink !== undefined;
  }

  send(message: AgentMessage): void {
    if (this.#sink === undefined) return;
    this.#queue.push(message);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Sends everything queued now; normally called by the tick scheduled in `send`. */
  flush(): void {
    this.#scheduled = false;
    const sink = this.#sink;
    const queue = this.#queue;
    this.#queue = [];
    if (sink === undefined) return;
    let batch: AgentMessage[] = [];
    let bytes = 0;
    for (const message of queue) {
      const size = estimateBytes(message);
      if (batch.length > 0 && (bytes + size > FRAME_BUDGET_BYTES || batch.length >= MAX_MESSAGES_PER_FRAME)) {
        sendBatch(sink, batch);
        batch = [];
        bytes = 0;
      }
      batch.push(message);
      bytes += size;
    }
    if (batch.length > 0) sendBatch(sink, batch);
  }

  /** Bytes handed to the socket but not yet written to the network. */
  get bufferedAmount(): number {
    return this.#sink?.bufferedAmount ?? 0;
  }
}

function sendBatch(sink: FrameSink, batch: AgentMessage[]): void {
  let frame: Uint8Array;
  try {
    frame = encodeFrame(batch);
  } catch (err) {
    // The estimate was wrong for this batch: halve it. A single message over the limit is a bug.
    if (!(err instanceof ProtocolError) || batch.length === 1) throw err;
    const half = Math.ceil(batch.length / 2);
    sendBatch(sink, batch.slice(0, half));
    sendBatch(sink, batch.slice(half));
    return;
  }
  sink.send(frame);
}
