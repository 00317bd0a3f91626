/**
 * One agent's WebSocket connection: the handshake, then its reports. Frames are handled one at
 * a time in arrival order. A malformed frame closes this connection only. Before `hello` the
 * peer is nobody: it has HELLO_TIMEOUT_MS to say it, anything else it sends closes the
 * connection, and what it sent reaches the log only as a short printable excerpt, at a bounded
 * rate (`GatewayDeps.peerLog`).
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
import { printable } from '../../protocol/limits.js';
import { errorText, type Logger } from '../log.js';
import type { LogThrottle } from '../log-throttle.js';
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
  /** For lines a peer can provoke (bad frames, refused hellos): rate-limited. */
  peerLog: LogThrottle;
}

/** An unauthenticated connection must say `hello` within this, or it is closed. */
export const HELLO_TIMEOUT_MS = 10_000;
const MESSAGES_PER_FRAME = 256;
/** Unknown message kinds from an authenticated (newer) agent are logged once each, this many at most. */
const MAX_UNKNOWN_KINDS_LOGGED = 8;

export class AgentSession implements NodeLink, AckTarget {
  private node: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly helloTimer: NodeJS.Timeout;
  private readonly unknownKindsLogged = new Set<string>();

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: GatewayDeps,
    private readonly peer: string,
    /** Called once, when the peer has authenticated (the gateway stops counting it as a stranger). */
    private readonly onAuthenticated: () => void = () => {},
  ) {
    this.helloTimer = setTimeout(() => {
      this.close(1008, `no hello within ${HELLO_TIMEOUT_MS / 1000} s`);
    }, HELLO_TIMEOUT_MS);
    ws.on('message', (data, isBinary) => {
      const bytes = isBinary ? toBytes(data) : undefined;
      this.queue = this.queue.then(() => this.onFrame(bytes));
    });
    ws.on('close', () => this.onClose());
    ws.on('error', (err) => {
      deps.peerLog.log(`agent connection ${this.describe()} error: ${printable(err.message, 120)}`);
    });
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
      if (unknownKinds.length > 0 && !this.node) throw new ProtocolError('an unknown message kind before hello');
      for (const kind of unknownKinds) this.noteUnknownKind(kind);
      for (const message of messages) await this.onMessage(message);
      if (this.deps.batcher.congested) {
        this.ws.pause();
        await this.deps.batcher.uncongested();
        this.ws.resume();
      }
    } catch (err) {
      if (err instanceof ProtocolError) {
        const why = printable(err.message, 120);
        this.deps.peerLog.log(`closing ${this.describe()}: protocol error: ${why}`);
        this.close(1002, why);
        return;
      }
      this.deps.log.error(`closing ${this.describe()}: ${errorText(err)}`);
      this.close(1011, 'internal error');
    }
  }

  /** A newer agent may send kinds this controller does not know: they are ignored, noted once. */
  private noteUnknownKind(kind: string): void {
    if (this.unknownKindsLogged.has(kind) || this.unknownKindsLogged.size >= MAX_UNKNOWN_KINDS_LOGGED) return;
    this.unknownKindsLogged.add(kind);
    this.deps.log.warn(`${this.describe()} sent unknown message kind "${printable(kind, 40)}"; ignored`);
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
      this.deps.peerLog.log(`rejected agent ${printable(hello.hostname, 64)} (${this.peer}): ${result.reject.message}`);
      this.send([result.reject]);
      this.close(CLOSE_CODES.REJECTED, result.reject.code);
      return;
    }
    this.node = result.nodeId;
    this.onAuthenticated();
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
      `node ${result.nodeId} (${printable(hello.hostname, 64)}, ${printable(hello.os, 16)}/${printable(hello.arch, 16)}, cpu ${hello.capacity.cpu}) connected from ${this.peer}`,
      { event: 'node.connected', nodeId: result.nodeId },
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
      this.deps.log.info(`node ${this.node} disconnected`, { event: 'node.disconnected', nodeId: this.node });
    }
  }
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]);
  return new Uint8Array(data as ArrayBuffer);
}
