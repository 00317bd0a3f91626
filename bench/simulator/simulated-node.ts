/**
 * One simulated agent: a real WebSocket speaking the real protocol. It registers with the
 * fleet's registration token on its first hello and keeps the node credential in memory; it
 * heartbeats at the interval the welcome gives; it answers every `startAttempt` at once with
 * RUNNING and SUCCEEDED (exit code 0) — no process is spawned — and keeps each report until the
 * controller acks it, resending after a reconnect like the real agent.
 */
import { Packr } from 'msgpackr';
import WebSocket, { type RawData } from 'ws';
import { decodeControllerFrame, encodeFrame } from '../../protocol/codec.js';
import {
  CONTROLLER_MESSAGE_KINDS,
  MAX_FRAME_BYTES,
  MAX_MESSAGES_PER_FRAME,
  type Ack,
  type AgentMessage,
  type ControllerMessage,
  type NodeMetrics,
  type StartAttempt,
} from '../../protocol/messages.js';
import { BATCH_VERSION, PROTOCOL_VERSION } from '../../protocol/version.js';
import { wallNow } from '../clock.js';
import type { FleetOptions, JobTiming, SimCounters } from './ipc.js';

/** What all nodes of one simulator share: options, counters, and the batched sender. */
export interface Fleet {
  readonly options: FleetOptions;
  readonly counters: Omit<SimCounters, 'cpuSeconds' | 'rssBytes'>;
  /** Every attempt id ever started here, to notice the controller starting one twice. */
  readonly seenAttempts: Set<number>;
  readonly timings: Map<string, JobTiming>;
  /** The node has messages queued: send them at the end of this tick, with everyone else's. */
  markDirty(node: SimulatedNode): void;
  finalAcked(): void;
}

// Same options as protocol/codec.ts, for the unvalidated fast path (see FleetOptions.validate).
const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
const LOG_LINE = Buffer.from('hello from a simulated node\n');
const RECONNECT_MS = 1000;

interface Unacked {
  jobId: string;
  /** Messages to resend after a reconnect, until the final status is acked. */
  messages: AgentMessage[];
}

export class SimulatedNode {
  private socket: WebSocket | undefined;
  private auth: { nodeId: string; credential: string } | undefined;
  private welcomed = false;
  private stopped = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private outgoing: AgentMessage[] = [];
  private readonly unacked = new Map<number, Unacked>();

  /**
   * `own`: a node of its own (spool mode) — its controller URL, single-use registration token and
   * host name — instead of the fleet's shared token and `sim-<index>`.
   */
  constructor(
    private readonly index: number,
    private readonly fleet: Fleet,
    private readonly own?: { url: string; registrationToken: string; hostname: string },
  ) {}

  /** Opens the connection; resolves at `welcome`, rejects on `reject` or a close before it. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => this.open(resolve, reject));
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.heartbeatTimer);
    this.socket?.terminate();
  }

  /** Sends what was queued this tick, in as few frames as the protocol allows. */
  flush(): void {
    const socket = this.socket;
    if (socket?.readyState !== WebSocket.OPEN || this.outgoing.length === 0) return;
    const messages = this.outgoing;
    this.outgoing = [];
    for (let i = 0; i < messages.length; i += MAX_MESSAGES_PER_FRAME) {
      socket.send(encodeFrame(messages.slice(i, i + MAX_MESSAGES_PER_FRAME)));
      this.fleet.counters.framesOut += 1;
    }
  }

  private open(resolve: () => void, reject: (err: Error) => void): void {
    const endpoint = `${(this.own?.url ?? this.fleet.options.url).replace(/^http/, 'ws')}/v1/agent`;
    const socket = new WebSocket(endpoint, {
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: 30_000,
      generateMask: (mask) => mask.fill(0),
    });
    socket.binaryType = 'nodebuffer';
    this.socket = socket;
    this.welcomed = false;
    let failure = '';
    socket.on('open', () => {
      const { cpu } = this.fleet.options;
      socket.send(
        encodeFrame([
          {
            kind: 'hello',
            protocolVersion: PROTOCOL_VERSION,
            agentVersion: `${BATCH_VERSION}-simulated`,
            auth: this.auth ?? {
              registrationToken: this.own?.registrationToken ?? this.fleet.options.registrationToken,
            },
            hostname: this.own?.hostname ?? `sim-${this.index}`,
            os: 'linux',
            arch: 'x64',
            capacity: { cpu, memoryMiB: 8192, gpu: 0 },
            labels: { simulated: 'true' },
            capabilities: [],
            running: [...this.unacked.keys()],
          },
        ]),
      );
    });
    socket.on('message', (data, isBinary) => {
      let messages: ControllerMessage[];
      try {
        messages = this.decode(data, isBinary);
      } catch (err) {
        // What the real agent does: drop this connection, reconnect, resend what is unacked.
        this.fleet.counters.protocolErrors += 1;
        failure = `protocol error: ${(err as Error).message}`;
        socket.terminate();
        return;
      }
      for (const message of messages) {
        if (message.kind === 'welcome') {
          const firstTime = this.auth === undefined;
          this.auth ??= { nodeId: message.nodeId, credential: message.credential ?? '' };
          this.welcomed = true;
          this.fleet.counters.connected += 1;
          if (!firstTime) this.fleet.counters.reconnects += 1;
          this.startHeartbeats(message.heartbeatIntervalMs);
          for (const u of this.unacked.values()) this.queue(...u.messages);
          resolve();
        } else if (message.kind === 'reject') {
          this.fleet.counters.rejects += 1;
          failure = `rejected: ${message.code}: ${message.message}`;
        } else {
          this.handle(message);
        }
      }
    });
    socket.on('error', (err) => {
      failure ||= err.message;
    });
    socket.on('close', (code) => {
      clearInterval(this.heartbeatTimer);
      clearTimeout(this.heartbeatTimer);
      if (this.welcomed) this.fleet.counters.connected -= 1;
      if (this.stopped) return;
      if (!this.welcomed && this.auth === undefined) {
        reject(new Error(`node ${this.index}: closed before welcome (code ${code}${failure ? `, ${failure}` : ''})`));
        return;
      }
      if (this.welcomed) this.fleet.counters.disconnects += 1;
      // A node stopped meanwhile (a spool-mode host deleted just after the controller closed it) stays down.
      setTimeout(() => {
        if (!this.stopped)
          this.open(
            () => {},
            () => {},
          );
      }, RECONNECT_MS);
    });
  }

  private decode(data: RawData, isBinary: boolean): ControllerMessage[] {
    this.fleet.counters.framesIn += 1;
    if (!isBinary) throw new Error('the controller sent a text frame');
    const bytes = data as Buffer;
    if (this.fleet.options.validate) {
      const decoded = decodeControllerFrame(bytes);
      this.fleet.counters.unknownKinds += decoded.unknownKinds.length;
      return decoded.messages;
    }
    const raw = packr.unpack(bytes) as ControllerMessage[];
    return raw.filter((m) => {
      const known = CONTROLLER_MESSAGE_KINDS.has(m.kind);
      if (!known) this.fleet.counters.unknownKinds += 1;
      return known;
    });
  }

  private handle(message: ControllerMessage): void {
    switch (message.kind) {
      case 'startAttempt':
        this.start(message);
        return;
      case 'ack':
        this.acked(message);
        return;
      case 'killAttempt':
        // Attempts end the moment they start, so there is never anything left to kill.
        this.fleet.counters.kills += 1;
        return;
      case 'uploadGrant':
      case 'welcome':
      case 'reject':
        return;
    }
  }

  private start(message: StartAttempt): void {
    const { counters, seenAttempts, options, timings } = this.fleet;
    counters.starts += 1;
    if (seenAttempts.has(message.attemptId)) {
      counters.duplicateStarts += 1;
      if (this.unacked.has(message.attemptId)) return;
    }
    seenAttempts.add(message.attemptId);
    if (options.recordTimings && !timings.has(message.jobId)) timings.set(message.jobId, { startReceived: wallNow() });
    const at = Date.now();
    const reports: AgentMessage[] = [{ kind: 'attemptStatus', attemptId: message.attemptId, state: 'RUNNING', at }];
    if (options.logChunk)
      reports.push({ kind: 'logChunk', attemptId: message.attemptId, stream: 'stdout', seq: 0, data: LOG_LINE });
    reports.push({ kind: 'attemptStatus', attemptId: message.attemptId, state: 'SUCCEEDED', exitCode: 0, at });
    this.unacked.set(message.attemptId, { jobId: message.jobId, messages: reports });
    this.queue(...reports);
  }

  private acked(ack: Ack): void {
    const { counters, options, timings } = this.fleet;
    counters.logAcks += ack.logs.length;
    for (const { attemptId, state } of ack.statuses) {
      const pending = this.unacked.get(attemptId);
      if (!pending) continue;
      const timing = options.recordTimings ? timings.get(pending.jobId) : undefined;
      if (state === 'RUNNING') {
        counters.runningAcked += 1;
        if (timing) timing.runningAcked ??= wallNow();
        // Only the final status needs resending from now on.
        pending.messages = pending.messages.filter((m) => !(m.kind === 'attemptStatus' && m.state === 'RUNNING'));
        continue;
      }
      counters.finalsAcked += 1;
      if (timing) timing.finalAcked ??= wallNow();
      this.unacked.delete(attemptId);
      this.fleet.finalAcked();
    }
  }

  private startHeartbeats(intervalMs: number): void {
    clearInterval(this.heartbeatTimer);
    // A random phase, as independent hosts would have, so 10,000 nodes do not beat in step.
    this.heartbeatTimer = setTimeout(() => {
      this.beat();
      this.heartbeatTimer = setInterval(() => this.beat(), intervalMs);
    }, Math.random() * intervalMs);
  }

  private beat(): void {
    this.fleet.counters.heartbeats += 1;
    this.queue({ kind: 'heartbeat', metrics: metrics(), running: [...this.unacked.keys()] });
  }

  private queue(...messages: AgentMessage[]): void {
    this.outgoing.push(...messages);
    this.fleet.markDirty(this);
  }
}

/** Plausible, cheap metrics: the real agent sends these with every heartbeat. */
function metrics(): NodeMetrics {
  return {
    cpuPercent: 3,
    memoryUsedMiB: 1024,
    memoryTotalMiB: 8192,
    load1: 0.1,
    diskFreeMiB: 50_000,
    diskTotalMiB: 100_000,
    at: Date.now(),
  };
}
