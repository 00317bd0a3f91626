/**
 * One agent's WebSocket connection: the handshake, then its reports. Frames are handled one at
 * a time in arrival order. A malformed frame closes this connection only.
 */
import type { WebSocket } from 'ws';
import { decodeAgentFrame, encodeFrame, ProtocolError } from '../../protocol/codec.js';
import {
  assertNever,
  CLOSE_CODES,
  type Ack,
  type AgentMessage,
  type ControllerMessage,
  type Hello,
} from '../../protocol/messages.js';
import { BATCH_VERSION, PROTOCOL_VERSION } from '../../protocol/version.js';
import type { Database } from '../db/client.js';
import { errorText, type Logger } from '../log.js';
import type { AckTarget, ReportBatcher } from '../reports/batcher.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Wake } from '../scheduler/wake.js';
import type { GatewayDelivery } from './delivery.js';
import { handshake } from './handshake.js';
import { grantUploads } from './upload-grant.js';
import type { HeartbeatTracker } from './heartbeats.js';
import type { NodeLink, SessionRegistry } from './registry.js';
import { loadActiveAttempts, planResync } from './resync.js';

export interface GatewayDeps {
  store: Database;
  objects: ObjectStore;
  delivery: GatewayDelivery;
  batcher: ReportBatcher;
  registry: SessionRegistry;
  heartbeats: HeartbeatTracker;
  heartbeatIntervalMs: number;
  wakeScheduler: Wake;
  log: Logger;
}

const HELLO_TIMEOUT_MS = 10_000;
const MESSAGES_PER_FRAME = 256;

export class AgentSession implements NodeLink, AckTarget {
  private node: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly helloTimer: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: GatewayDeps,
    private readonly peer: string,
  ) {
    this.helloTimer = setTimeout(() => this.close(1008, 'no hello within 10 s'), HELLO_TIMEOUT_MS);
    ws.on('message', (data, isBinary) => {
      const bytes = isBinary ? toBytes(data) : undefined;
      this.queue = this.queue.then(() => this.onFrame(bytes));
    });
    ws.on('close', () => this.onClose());
    ws.on('error', (err) => deps.log.warn(`agent connection ${this.describe()} error: ${err.message}`));
  }

  get nodeId(): string {
    return this.node ?? '';
  }

  send(messages: ControllerMessage[]): void {
    if (this.closed) return;
    // Batches go out in frames of a bounded count so no frame nears the size limit.
    for (let i = 0; i < messages.length; i += MESSAGES_PER_FRAME)
      this.ws.send(encodeFrame(messages.slice(i, i + MESSAGES_PER_FRAME)));
  }

  sendAck(ack: Ack): void {
    this.send([ack]);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(code, reason);
  }

  private describe(): string {
    return this.node ? `node ${this.node} (${this.peer})` : this.peer;
  }

  private async onFrame(bytes: Uint8Array | undefined): Promise<void> {
    if (this.closed) return;
    try {
      if (!bytes) throw new ProtocolError('text frames are not part of the protocol');
      const { messages, unknownKinds } = decodeAgentFrame(bytes);
      for (const kind of unknownKinds)
        this.deps.log.warn(`${this.describe()} sent unknown message kind "${kind}"; ignored`);
      for (const message of messages) await this.onMessage(message);
      if (this.deps.batcher.congested) {
        this.ws.pause();
        await this.deps.batcher.uncongested();
        this.ws.resume();
      }
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.deps.log.warn(`closing ${this.describe()}: protocol error: ${err.message}`);
        this.close(1002, err.message.slice(0, 120));
        return;
      }
      this.deps.log.error(`closing ${this.describe()}: ${errorText(err)}`);
      this.close(1011, 'internal error');
    }
  }

  private async onMessage(message: AgentMessage): Promise<void> {
    if (message.kind !== 'hello' && !this.node) throw new ProtocolError(`"${message.kind}" before hello`);
    const now = Date.now();
    switch (message.kind) {
      case 'hello':
        if (this.node) throw new ProtocolError('second hello on one connection');
        await this.onHello(message);
        return;
      case 'heartbeat':
        this.deps.heartbeats.seen(this.nodeId, message.metrics);
        return;
      case 'attemptStatus':
        this.deps.heartbeats.seen(this.nodeId);
        this.deps.batcher.addStatus(
          {
            attemptId: message.attemptId,
            nodeId: this.nodeId,
            state: message.state,
            exitCode: message.exitCode ?? null,
            failureReason: message.failureReason ?? null,
            message: message.message ?? null,
            retryable: message.retryable ?? null,
            at: now,
          },
          this,
        );
        return;
      case 'uploadRequest':
        this.send([await grantUploads(this.deps.store, this.deps.objects, this.nodeId, message)]);
        return;
      case 'logChunk':
        this.deps.batcher.addChunk(
          {
            attemptId: message.attemptId,
            nodeId: this.nodeId,
            stream: message.stream,
            seq: message.seq,
            data: message.data,
          },
          this,
        );
        return;
      default:
        assertNever(message);
    }
  }

  private async onHello(hello: Hello): Promise<void> {
    clearTimeout(this.helloTimer);
    const result = await handshake(this.deps.store, hello);
    if (!result.ok) {
      this.deps.log.warn(`rejected agent ${hello.hostname} (${this.peer}): ${result.reject.message}`);
      this.send([result.reject]);
      this.close(CLOSE_CODES.REJECTED, result.reject.code);
      return;
    }
    this.node = result.nodeId;
    const welcome: ControllerMessage = {
      kind: 'welcome',
      protocolVersion: PROTOCOL_VERSION,
      controllerVersion: BATCH_VERSION,
      nodeId: result.nodeId,
      heartbeatIntervalMs: this.deps.heartbeatIntervalMs,
      capabilities: [],
    };
    if (result.credential) welcome.credential = result.credential;
    this.send([welcome]);
    this.deps.registry.add(this);
    this.deps.heartbeats.seen(result.nodeId);
    this.deps.log.info(
      `node ${result.nodeId} (${hello.hostname}, ${hello.os}/${hello.arch}, cpu ${hello.capacity.cpu}) connected from ${this.peer}`,
    );

    const resync = planResync(
      result.nodeId,
      await loadActiveAttempts(this.deps.store, result.nodeId),
      hello.running,
      Date.now(),
    );
    this.send([...resync.messages, ...(await this.deps.delivery.prepare(resync.starts))]);
    for (const report of resync.lost) this.deps.batcher.addStatus(report);
    // A new node only changes placement (and its drain intent); no job needs reconciling.
    this.deps.wakeScheduler('node-ready', []);
  }

  private onClose(): void {
    clearTimeout(this.helloTimer);
    this.closed = true;
    if (this.node) {
      this.deps.registry.remove(this);
      this.deps.log.info(`node ${this.node} disconnected`);
    }
  }
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]);
  return new Uint8Array(data as ArrayBuffer);
}
